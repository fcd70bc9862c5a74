// The FUSE low-level operations of a logdex mount. The session's userdata
// must be the mount's LogdexFs.
#ifndef LOGDEX_FS_OPS_H_
#define LOGDEX_FS_OPS_H_

#include <fuse_lowlevel.h>

namespace logdex::fs {

// Every request measured (request_metrics.h).
extern const fuse_lowlevel_ops kLogdexOps;
// The same handlers unmeasured: only for measuring what measuring costs
// (LOGDEX_BENCH_UNTIMED_REQUESTS=1, mount_session.cc).
extern const fuse_lowlevel_ops kLogdexOpsUntimed;

}  // namespace logdex::fs

#endif  // LOGDEX_FS_OPS_H_
