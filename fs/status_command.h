// `logdex status MOUNTPOINT [--json]` (SPEC §8): a short summary of a
// mount's /.logdex/status.json (fs/status_files.h writes it), or the file
// itself with --json.
#ifndef LOGDEX_FS_STATUS_COMMAND_H_
#define LOGDEX_FS_STATUS_COMMAND_H_

#include <cstdio>
#include <string>

namespace logdex::fs {

class MountStatus;

struct StatusArgs {
  std::string mountpoint;
  bool json = false;  // --json
};

// Exit codes of `logdex status`.
inline constexpr int kStatusHealthy = 0;
inline constexpr int kStatusDamageOrWarnings = 1;
inline constexpr int kStatusNotALogdexMount = 2;

// The summary's lines for `status` (every line '\n'-terminated) and, in
// *exit_code, kStatusHealthy or kStatusDamageOrWarnings.
std::string StatusSummary(const std::string& mountpoint, const MountStatus& status, int* exit_code);

// Runs `logdex status`; prints on stdout, errors (one line) on stderr.
int StatusCommand(const StatusArgs& args);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_STATUS_COMMAND_H_
