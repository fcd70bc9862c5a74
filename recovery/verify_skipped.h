// What `logdex verify` (verify.h) could not check, and why: a listed log
// file that could not be scanned, and the paths the tree walk only counted
// (log files whose path is not valid UTF-8, directories that cannot be
// listed). Used by verify.cc.
#ifndef LOGDEX_RECOVERY_VERIFY_SKIPPED_H_
#define LOGDEX_RECOVERY_VERIFY_SKIPPED_H_

#include <string>
#include <vector>

#include "recovery/verify.h"

namespace logdex::recovery {

// The reason given when descriptors or memory ran out (index/exhaustion.h).
inline constexpr char kExhaustedReason[] = "out of file descriptors or memory";

// Why a listed log file could not be scanned: opened again to learn the
// reason (ScanFile keeps none). *vanished when it is gone or no longer a
// regular file: nothing is left to check.
std::string WhyUnreadable(int root_fd, const std::string& rel, bool* vanished);

struct SkippedPath {
  FindingKind kind;
  std::string path;
  std::string reason;
};

// Paths ListLogFiles only counts: log files whose path is not valid UTF-8
// and directories that cannot be listed (not for lack of descriptors: those
// are in LogTree::exhausted_dirs). Walks the tree as ListLogFiles does, and
// is run only when it counted some.
void FindSkippedPaths(int root_fd, std::vector<SkippedPath>* out);

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_VERIFY_SKIPPED_H_
