#include "fs/logdex_mount.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fs/unique_fd.h"
#include "index/file_io.h"
#include "recovery/mount_probe.h"

namespace logdex::fs {
namespace {

constexpr char kLogdexType[] = "fuse.logdex";

// `path` made absolute without touching the file system (a dead mount
// point cannot be resolved): cwd prefixed, "." and empty parts dropped, ".."
// removes one, no trailing '/'.
std::string LexicalAbsolute(const std::string& path) {
  std::string joined = path;
  if (path.empty() || path[0] != '/') {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof(cwd)) != nullptr) joined = absl::StrCat(cwd, "/", path);
  }
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= joined.size()) {
    const size_t slash = std::min(joined.find('/', i), joined.size());
    const std::string part = joined.substr(i, slash - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = slash + 1;
  }
  std::string out;
  for (const std::string& p : parts) absl::StrAppend(&out, "/", p);
  return out.empty() ? "/" : out;
}

}  // namespace

absl::StatusOr<LogdexMount> FindLogdexMount(const std::string& path) {
  const std::string shown = "'" + path + "'";
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOTCONN) {
      const std::string abs = LexicalAbsolute(path);
      if (recovery::MountTypeAt(abs) == kLogdexType) return LogdexMount{abs, /*dead=*/true};
    }
    if (err == ENOENT) return absl::InvalidArgumentError(shown + " does not exist");
    return absl::InvalidArgumentError(absl::StrCat(shown, ": ", std::strerror(err)));
  }
  if (!S_ISDIR(st.st_mode)) return absl::InvalidArgumentError(shown + " is not a directory");
  char real[PATH_MAX];
  if (::realpath(path.c_str(), real) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(shown, ": ", std::strerror(errno)));
  }
  const std::optional<std::string> type = recovery::MountTypeAt(real);
  if (!type) {
    if (const std::optional<std::string> outer = recovery::LogdexMountOf(real)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s is inside the logdex mount at '%s': give its mount point", shown, *outer));
    }
    return absl::InvalidArgumentError(shown + " is not mounted: no logdex mount there");
  }
  if (*type != kLogdexType) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s is a %s mount, not a logdex mount", shown, *type));
  }
  return LogdexMount{real, /*dead=*/false};
}

absl::StatusOr<MountStatus> MountStatus::Read(const std::string& mountpoint) {
  const std::string path = mountpoint + "/.logdex/status.json";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return absl::UnavailableError(absl::StrFormat("cannot open %s: %s", path, std::strerror(errno)));
  }
  MountStatus status;
  // A status.json is a few KiB; 64 MiB bounds what a broken daemon can make us hold.
  if (!index::ReadToEnd(fd.get(), &status.text_, uint64_t{64} << 20)) {
    return absl::UnavailableError(absl::StrFormat("cannot read %s: %s", path, std::strerror(errno)));
  }
  status.parser_ = std::make_unique<simdjson::dom::parser>();
  simdjson::dom::element root;
  if (const auto error = status.parser_->parse(status.text_).get(root); error) {
    return absl::DataLossError(
        absl::StrFormat("%s is not valid JSON: %s", path, simdjson::error_message(error)));
  }
  if (!root.is_object()) return absl::DataLossError(path + " is not a JSON object");
  status.root_ = root;
  return status;
}

std::optional<simdjson::dom::element> MountStatus::At(std::string_view pointer) const {
  simdjson::dom::element e;
  if (root_.at_pointer(pointer).get(e)) return std::nullopt;
  return e;
}

std::optional<uint64_t> MountStatus::Uint(std::string_view pointer) const {
  std::optional<simdjson::dom::element> e = At(pointer);
  uint64_t v = 0;
  if (!e || e->get_uint64().get(v)) return std::nullopt;
  return v;
}

std::optional<double> MountStatus::Number(std::string_view pointer) const {
  std::optional<simdjson::dom::element> e = At(pointer);
  double v = 0;
  if (!e || e->get_double().get(v)) return std::nullopt;
  return v;
}

std::optional<std::string> MountStatus::String(std::string_view pointer) const {
  std::optional<simdjson::dom::element> e = At(pointer);
  std::string_view v;
  if (!e || e->get_string().get(v)) return std::nullopt;
  return std::string(v);
}

}  // namespace logdex::fs
