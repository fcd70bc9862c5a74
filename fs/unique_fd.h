// The front-end's name for the project's one owned file descriptor
// (index/unique_fd.h).
#ifndef LOGDEX_FS_UNIQUE_FD_H_
#define LOGDEX_FS_UNIQUE_FD_H_

#include "index/unique_fd.h"

namespace logdex::fs {

using UniqueFd = index::UniqueFd;

}  // namespace logdex::fs

#endif  // LOGDEX_FS_UNIQUE_FD_H_
