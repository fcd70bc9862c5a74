// Whether a path is (inside) a logdex mount: `logdex verify` and `logdex
// rebuild` work on the log dir itself, never through a mount of it (SPEC §8).
#ifndef LOGDEX_RECOVERY_MOUNT_PROBE_H_
#define LOGDEX_RECOVERY_MOUNT_PROBE_H_

#include <optional>
#include <string>

namespace logdex::recovery {

// The mount point of the logdex mount that `path` is, or lies inside of
// (from /proc/self/mountinfo: the mount holding `path` has file system type
// fuse.logdex); nullopt otherwise, and when mountinfo cannot be read.
std::optional<std::string> LogdexMountOf(const std::string& path);

// The file system type ("fuse.logdex", "ext4", ...) of the mount whose mount
// point is exactly `mount_point` (an absolute path without symlinks; the
// topmost when mounts stack), from /proc/self/mountinfo; nullopt when
// nothing is mounted there or mountinfo cannot be read.
std::optional<std::string> MountTypeAt(const std::string& mount_point);

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_MOUNT_PROBE_H_
