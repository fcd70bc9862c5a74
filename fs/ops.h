// The FUSE low-level operations of a logdex mount. The session's userdata
// must be the mount's LogdexFs.
#ifndef LOGDEX_FS_OPS_H_
#define LOGDEX_FS_OPS_H_

#include <fuse_lowlevel.h>

namespace logdex::fs {

extern const fuse_lowlevel_ops kLogdexOps;

}  // namespace logdex::fs

#endif  // LOGDEX_FS_OPS_H_
