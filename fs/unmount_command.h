// `logdex unmount MOUNTPOINT` (SPEC §8): save the cache, unmount, and return
// once the daemon has exited.
//
// The daemon already saves its cache when the kernel ends the mount (its
// request loop returns, RunMount saves, the process exits: mount_session.h).
// So the command runs `fusermount3 -u MOUNTPOINT` and then waits for the
// daemon's pid, which status.json names, to be gone; whether the cache file
// (cache_dir/index.cache) was written meanwhile is judged by its mtime.
#ifndef LOGDEX_FS_UNMOUNT_COMMAND_H_
#define LOGDEX_FS_UNMOUNT_COMMAND_H_

#include <string>

#include "absl/time/time.h"

namespace logdex::fs {

struct UnmountArgs {
  std::string mountpoint;
  absl::Duration daemon_timeout = absl::Seconds(60);  // how long to wait for the daemon
};

// Exit codes: 0 unmounted and the daemon gone, 1 busy (holders named, the
// mount left up), fusermount3 failed, or the daemon still running after the
// timeout; 2 not a logdex mount. One line on stdout when it worked, one on
// stderr otherwise.
int UnmountCommand(const UnmountArgs& args);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_UNMOUNT_COMMAND_H_
