// Opening a mount's index: from the persisted cache when it checks out,
// from the logs otherwise (SPEC §6). And saving it back.
//
//   no cache                      -> full build
//   damaged cache (DataLoss)      -> moved aside as index.cache.bad, full build
//   other version / other log dir -> moved aside as index.cache.bad, full build
//   other sources= filter         -> full build (not damage: the next save
//                                    replaces it)
//   usable cache                  -> every row CRC-checked against the logs
//                                    (verify=full) or nothing read
//                                    (verify=stat); then each file compared
//                                    by inode, size and mtime: unchanged files
//                                    keep their rows, grown files get the new
//                                    rows appended, changed ones are rescanned
//                                    and the index regenerated.
#ifndef LOGDEX_RECOVERY_WARM_START_H_
#define LOGDEX_RECOVERY_WARM_START_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "index/live_index.h"
#include "recovery/cache_file.h"

namespace logdex::recovery {

enum class VerifyMode { kFull, kStat };

enum class StartKind {
  kBuilt,           // no cache: built from the logs
  kReused,          // cache reused (some files may have been rescanned)
  kRebuiltDamaged,  // cache damaged: moved aside, built from the logs
  kRebuiltForeign,  // cache of another version, log dir or sources=: built
};

struct StartReport {
  StartKind kind = StartKind::kBuilt;
  std::string detail;          // why a cache was not used
  uint64_t rows_checked = 0;   // cached rows CRC-checked
  uint64_t files_rescanned = 0;  // cached files whose rows failed the check
  // Reused, every row passed, and the logs showed no change beyond it (no
  // rows added or dropped): the cache on disk is the index as it is, so
  // there is nothing to save until it changes.
  bool matches_cache = false;
  double seconds = 0;
};

std::string_view StartKindName(StartKind kind);

// SHA-256 of the log dir's real path (raw 32 bytes).
std::string LogDirId(const std::string& log_dir);

// $XDG_CACHE_HOME/logdex/<id> (else ~/.cache/logdex/<id>), <id> the first 16
// hex digits of SHA-256 of the log dir's real path.
std::string DefaultCacheDir(const std::string& log_dir);

// Fills `live` from cache_dir's cache or from the logs.
absl::StatusOr<StartReport> OpenIndex(index::LiveIndex& live, const std::string& cache_dir,
                                      VerifyMode verify);

// What SaveIndex writes for `live`: a snapshot of it as a cache image.
CacheImage ImageOf(const index::LiveIndex& live);

// Saves `live` to cache_dir atomically and durably (WriteCacheFile).
absl::Status SaveIndex(const index::LiveIndex& live, const std::string& cache_dir,
                       DurableFiles& files = PosixFiles());

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_WARM_START_H_
