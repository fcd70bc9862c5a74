// `logdex rebuild` (SPEC §8): the command line and its report.
#ifndef LOGDEX_FS_REBUILD_COMMAND_H_
#define LOGDEX_FS_REBUILD_COMMAND_H_

#include <string>

namespace logdex::fs {

// The usage text (`logdex rebuild --help`).
const char* RebuildUsage();

// `logdex rebuild LOGDIR [--dry-run]`, as fs/command_line.h parses it.
struct RebuildArgs {
  std::string log_dir;
  bool dry_run = false;  // --dry-run
};

// Runs `logdex rebuild`; returns the process exit code.
int RebuildCommand(const RebuildArgs& args);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_REBUILD_COMMAND_H_
