// The logdex command line (SPEC §8), parsed with CLI11: which command, and
// its arguments as plain structs for the command to run. Parsing decides
// nothing about paths beyond their syntax: each command checks its own.
//
//   logdex mount LOGDIR MOUNTPOINT [-f] [-d] [-o OPTS]...
//   logdex LOGDIR MOUNTPOINT [-f] [-d] [-o OPTS]...    the same, as mount.fuse3 runs it
//   logdex index LOGDIR [--sources=LIST]
//   logdex verify LOGDIR [--json]
//   logdex rebuild LOGDIR [--dry-run]
//   logdex status MOUNTPOINT [--json]
//   logdex unmount MOUNTPOINT
//   logdex help [COMMAND] | --help | -h, and COMMAND --help | -h
//
// A first argument that is a command name is the command; any other first
// argument that holds a '/' or exists is the LOGDIR of the bare mount form (a
// log dir named like a command is written ./index); anything else is an
// unknown command.
#ifndef LOGDEX_FS_COMMAND_LINE_H_
#define LOGDEX_FS_COMMAND_LINE_H_

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "fs/mount_options.h"
#include "fs/rebuild_command.h"
#include "fs/status_command.h"
#include "fs/unmount_command.h"
#include "fs/verify_command.h"
#include "index/scan_options.h"

namespace logdex::fs {

enum class Command { kMount, kIndex, kVerify, kRebuild, kStatus, kUnmount };

struct IndexArgs {
  std::string log_dir;
  index::ScanOptions scan;  // --sources=
};

struct CommandLine {
  Command command = Command::kMount;
  MountConfig mount;  // -o lists applied; paths not checked yet
  IndexArgs index;
  VerifyArgs verify;
  RebuildArgs rebuild;
  StatusArgs status;
  UnmountArgs unmount;
};

struct ParsedCommandLine {
  // Set when parsing ended the run: 0 after printing help on `out`, 2 after
  // printing one line on `err` ("logdex COMMAND: WHAT (see logdex COMMAND
  // --help)").
  std::optional<int> exit_code;
  CommandLine line;
};

// args: argv without the program name. cwd makes relative -o paths absolute.
ParsedCommandLine ParseCommandLine(const std::vector<std::string>& args, const std::string& cwd,
                                   std::FILE* out, std::FILE* err);

// Whether `word` names a command (mount, index, verify, rebuild, status,
// unmount, help).
bool IsCommandName(const std::string& word);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_COMMAND_LINE_H_
