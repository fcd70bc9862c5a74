// Finding the logdex mount a user names on the command line (`logdex status
// MOUNTPOINT`, `logdex unmount MOUNTPOINT`) and reading its status.json.
#ifndef LOGDEX_FS_LOGDEX_MOUNT_H_
#define LOGDEX_FS_LOGDEX_MOUNT_H_

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace logdex::fs {

struct LogdexMount {
  std::string mountpoint;  // absolute, symlinks resolved (as /proc/self/mountinfo shows it)
  // Mounted as fuse.logdex, but the daemon is gone: every access fails with
  // ENOTCONN until it is unmounted.
  bool dead = false;
};

// The logdex mount whose mount point `path` is. InvalidArgument, with a
// message ready for one line ("'X' is not mounted: no logdex mount there"),
// when `path` is missing, not a directory, not a mount point, or a mount of
// another type. Reads /proc/self/mountinfo (file system type fuse.logdex).
absl::StatusOr<LogdexMount> FindLogdexMount(const std::string& path);

// MOUNTPOINT/.logdex/status.json, read whole and parsed with simdjson. The
// getters read a JSON pointer ("/pi/drifted") and give nullopt when it is
// absent or of another type, so a status.json with fields added or missing
// still reads.
class MountStatus {
 public:
  static absl::StatusOr<MountStatus> Read(const std::string& mountpoint);

  const std::string& text() const { return text_; }  // the bytes as read
  const simdjson::dom::element& root() const { return root_; }
  std::optional<uint64_t> Uint(std::string_view pointer) const;
  std::optional<double> Number(std::string_view pointer) const;
  std::optional<std::string> String(std::string_view pointer) const;
  std::optional<simdjson::dom::element> At(std::string_view pointer) const;

 private:
  std::string text_;
  std::unique_ptr<simdjson::dom::parser> parser_;  // owns what root_ points into
  simdjson::dom::element root_;
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_LOGDEX_MOUNT_H_
