// `logdex index LOGDIR [--sources=LIST]` (SPEC §8): the canonical index on
// stdout, no mount needed.
#ifndef LOGDEX_FS_INDEX_COMMAND_H_
#define LOGDEX_FS_INDEX_COMMAND_H_

#include "fs/command_line.h"

namespace logdex::fs {

// Returns the process exit code: 0 written, 1 failed while writing, 2 LOGDIR
// missing or not a directory (one line on stderr).
int IndexCommand(const IndexArgs& args);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_INDEX_COMMAND_H_
