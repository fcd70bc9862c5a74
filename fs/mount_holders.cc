#include "fs/mount_holders.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace logdex::fs {
namespace {

std::optional<std::string> ReadLink(const std::string& path) {
  char buf[4096];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
  if (n < 0 || static_cast<size_t>(n) >= sizeof(buf)) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

bool Inside(const std::string& target, const std::string& mountpoint) {
  if (mountpoint == "/") return !target.empty() && target[0] == '/';
  return target == mountpoint ||
         (target.size() > mountpoint.size() && target.compare(0, mountpoint.size(), mountpoint) == 0 &&
          target[mountpoint.size()] == '/');
}

// The numeric entries of a /proc directory, ascending.
std::vector<long> NumericEntries(const std::string& dir_path) {
  std::vector<long> out;
  DIR* dir = ::opendir(dir_path.c_str());
  if (dir == nullptr) return out;
  absl::Cleanup close_dir = [dir] { ::closedir(dir); };
  while (struct dirent* e = ::readdir(dir)) {
    long n = 0;
    if (absl::SimpleAtoi(e->d_name, &n) && n >= 0) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<MountHolder> FindMountHolders(const std::string& mountpoint) {
  std::vector<MountHolder> holders;
  const pid_t self = ::getpid();
  for (const long pid : NumericEntries("/proc")) {
    if (pid == self) continue;
    const std::string proc = absl::StrCat("/proc/", pid);
    MountHolder h;
    h.pid = static_cast<pid_t>(pid);
    for (const char* link : {"cwd", "root", "exe"}) {
      std::optional<std::string> target = ReadLink(proc + "/" + link);
      if (target && Inside(*target, mountpoint)) h.uses.emplace_back(link);
    }
    for (const long fd : NumericEntries(proc + "/fd")) {
      std::optional<std::string> target = ReadLink(absl::StrCat(proc, "/fd/", fd));
      if (target && Inside(*target, mountpoint)) h.uses.push_back(absl::StrCat("fd ", fd));
    }
    if (h.uses.empty()) continue;
    std::ifstream comm(proc + "/comm");
    if (!std::getline(comm, h.command)) h.command = "?";
    holders.push_back(std::move(h));
  }
  return holders;
}

std::string DescribeMountHolders(const std::vector<MountHolder>& holders, size_t max_shown) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < holders.size() && i < max_shown; ++i) {
    const MountHolder& h = holders[i];
    std::vector<std::string> uses(h.uses.begin(), h.uses.begin() + std::min<size_t>(3, h.uses.size()));
    std::string part = absl::StrCat("pid ", h.pid, " (", h.command, ") ", absl::StrJoin(uses, ", "));
    if (h.uses.size() > 3) absl::StrAppend(&part, " and ", h.uses.size() - 3, " more");
    parts.push_back(std::move(part));
  }
  std::string out = absl::StrJoin(parts, "; ");
  if (holders.size() > max_shown) {
    absl::StrAppend(&out, " and ", holders.size() - max_shown, " more processes");
  }
  return out;
}

}  // namespace logdex::fs
