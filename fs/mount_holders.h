// Who keeps a mount busy: the processes whose working directory, root,
// executable or an open file lies inside it, found by reading the links in
// /proc/PID/{cwd,root,exe,fd/*} (reading a link asks the kernel, never the
// FUSE daemon, so a hung mount cannot hang the scan). Processes we may not
// inspect (other users, without privilege) are not seen.
#ifndef LOGDEX_FS_MOUNT_HOLDERS_H_
#define LOGDEX_FS_MOUNT_HOLDERS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace logdex::fs {

struct MountHolder {
  pid_t pid = 0;
  std::string command;            // /proc/PID/comm
  std::vector<std::string> uses;  // "cwd", "root", "exe", "fd 3", in that order
};

// The holders of `mountpoint` (an absolute path without symlinks), by pid;
// never this process itself.
std::vector<MountHolder> FindMountHolders(const std::string& mountpoint);

// "pid 1234 (sleep) cwd; pid 99 (less) fd 3, fd 4": at most `max_shown`
// holders and three uses each, then "and N more".
std::string DescribeMountHolders(const std::vector<MountHolder>& holders, size_t max_shown = 5);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_MOUNT_HOLDERS_H_
