// What makes a mount "degraded" (SPEC §5: running out of descriptors,
// inotify watches or disk space makes the mount slower or the cache unsaved,
// and says so; never wrong). status.json lists the active warnings and says
// "health": "degraded" while there is one; metrics.prom has one 0/1 gauge per
// kind. Each warning is a condition of now, not a log of the past:
//
//   kind             active while
//   index            the last attempt to open the index failed
//   descriptors      files wait for a rescan because open(2) ran out of
//                    descriptors, or such a failure happened in the last
//                    minute (index/exhaustion.h)
//   inotify_watches  directories are left unwatched (the kernel's watch
//                    limit) or the log dir could not be watched at all;
//                    those are stat-scanned at every refresh instead
//   cache_save       the last save of the index cache failed (disk full,
//                    read-only or unwritable cache dir); the index is served
//                    from memory meanwhile
//   log_dir          the log dir the mount serves was removed (rm -rf) or
//                    its path no longer names it (umount -l, mv); the mount
//                    and the index go on describing the directory it opened
#ifndef LOGDEX_FS_HEALTH_H_
#define LOGDEX_FS_HEALTH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace logdex::fs {

struct StatusInputs;

inline constexpr std::string_view kWarningKinds[] = {"index", "descriptors", "inotify_watches",
                                                     "cache_save", "log_dir"};

struct Warning {
  std::string kind;     // one of kWarningKinds
  std::string message;  // names the cause in words
  uint64_t count = 0;   // events behind it (failed opens, failed saves, unwatched dirs)
  absl::Time since;     // when the condition began
};

// The warnings active now, in kWarningKinds order.
std::vector<Warning> ActiveWarnings(const StatusInputs& in, absl::Time now);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_HEALTH_H_
