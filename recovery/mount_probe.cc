#include "recovery/mount_probe.h"

#include <limits.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace logdex::recovery {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string oct = field.substr(i + 1, 3);
      if (oct.size() == 3 && oct.find_first_not_of("01234567") == std::string::npos) {
        out.push_back(static_cast<char>(std::stoi(oct, nullptr, 8)));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

bool IsWithin(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

// Calls visit(mount point, fstype) for each line of /proc/self/mountinfo, in
// order; false when it cannot be read.
template <typename Visit>
bool ForEachMount(Visit visit) {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    // id parent major:minor root mount-point options [optional...] - fstype source superopts
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    if (f.size() < 7) continue;
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (dash + 1 >= f.size()) continue;
    visit(Unescape(f[4]), f[dash + 1]);
  }
  return true;
}

}  // namespace

std::optional<std::string> MountTypeAt(const std::string& mount_point) {
  std::optional<std::string> type;
  ForEachMount([&](const std::string& point, const std::string& fstype) {
    if (point == mount_point) type = fstype;  // later lines stack on earlier
  });
  return type;
}

std::optional<std::string> LogdexMountOf(const std::string& path) {
  char real[PATH_MAX];
  // A path below a dead mount (ENOTCONN) cannot be resolved: fall back to the
  // path as given, made absolute by the caller.
  const std::string resolved = ::realpath(path.c_str(), real) != nullptr ? real : path;
  std::string best_point, best_type;
  const bool read = ForEachMount([&](const std::string& point, const std::string& fstype) {
    if (!IsWithin(resolved, point)) return;
    if (point.size() >= best_point.size()) {  // the innermost (later lines stack on earlier)
      best_point = point;
      best_type = fstype;
    }
  });
  if (!read) return std::nullopt;
  if (best_type == "fuse.logdex") return best_point;
  return std::nullopt;
}

}  // namespace logdex::recovery
