// Mounting and serving: `logdex mount` after its arguments are checked.
#ifndef LOGDEX_FS_MOUNT_SESSION_H_
#define LOGDEX_FS_MOUNT_SESSION_H_

#include "fs/mount_options.h"

namespace logdex::fs {

// Mounts config.mountpoint, daemonizes unless config.foreground (the parent
// returns only once the mount exists), and serves requests on a
// multithreaded loop until unmounted or SIGTERM/SIGINT/SIGHUP, then saves
// the index cache and unmounts. Without -f on a terminal, the index is
// opened (with a progress line on stderr) before mounting. Returns the process exit code: 0 after a clean shutdown, 2 when
// libfuse rejects an option (nothing mounted), 1 on other failures.
// ValidateMountPaths must have succeeded.
int RunMount(MountConfig config);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_MOUNT_SESSION_H_
