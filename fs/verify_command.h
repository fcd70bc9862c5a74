// `logdex verify LOGDIR [--json]` (SPEC §8): the command line around
// recovery/verify.h's engine, rendering its findings with one of the two
// reports of fs/verify_report.h: one line per finding plus a summary, or one
// JSON object. Both stream: findings are written as they are found, so the
// memory used does not grow with their number.
#ifndef LOGDEX_FS_VERIFY_COMMAND_H_
#define LOGDEX_FS_VERIFY_COMMAND_H_

#include <unistd.h>

#include <cstdio>
#include <string>

namespace logdex::fs {

// The usage text (`logdex verify --help`), with every JSON field.
const char* VerifyUsage();

// Where a run writes.
struct VerifyIo {
  int out_fd = STDOUT_FILENO;  // the report
  std::FILE* err = stderr;     // usage errors; the progress line when `progress`
  bool progress = false;       // draw a progress line on `err` (a terminal)
  bool out_is_tty = false;     // out_fd is that terminal too: clear the line before writing
};

// `logdex verify LOGDIR [--json]`, as fs/command_line.h parses it.
struct VerifyArgs {
  std::string log_dir;
  bool json = false;  // --json
};

// Runs `logdex verify`; returns the process exit code: 0 clean, 1 damage or
// drift found, 2 could not run (one line on io.err).
int VerifyCommand(const VerifyArgs& args, const VerifyIo& io);

// The same on stdout/stderr, with a progress line when stderr is a terminal.
int VerifyCommand(const VerifyArgs& args);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_VERIFY_COMMAND_H_
