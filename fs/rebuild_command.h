// `logdex rebuild` (SPEC §8): the command line and its report.
#ifndef LOGDEX_FS_REBUILD_COMMAND_H_
#define LOGDEX_FS_REBUILD_COMMAND_H_

#include <string>
#include <vector>

namespace logdex::fs {

// The usage text (`logdex rebuild --help`).
const char* RebuildUsage();

// Runs `logdex rebuild` with the arguments after the command name; returns the
// process exit code.
int RebuildCommand(const std::vector<std::string>& args);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_REBUILD_COMMAND_H_
