// One log file's share of the index's counts (BuildStats), kept compactly:
// the live index holds one per file, so with 100,000 small files a full
// BuildStats each (192 bytes, nearly all zeros) was ~19 MB.
//
// A file has one source and its per-file counts of files (log_files,
// torn_tails, skipped_*) are 0 or 1, so the common case is five numbers and
// a byte of flags. Anything else (corrupt rows, whose error kinds are
// counted, rows of more than one source, a count above 1) keeps the whole
// BuildStats on the heap instead. Get() always returns exactly what Set()
// was given.
#ifndef LOGDEX_INDEX_FILE_STATS_H_
#define LOGDEX_INDEX_FILE_STATS_H_

#include <cstdint>
#include <memory>

#include "index/build_stats.h"

namespace logdex::index {

class FileStats {
 public:
  FileStats() = default;
  explicit FileStats(const BuildStats& s) { Set(s); }
  FileStats(const FileStats& o);
  FileStats& operator=(const FileStats& o);
  FileStats(FileStats&&) = default;
  FileStats& operator=(FileStats&&) = default;

  BuildStats Get() const;
  void Set(const BuildStats& s);
  // True when held in the compact form (no heap copy).
  bool compact() const { return full_ == nullptr; }

 private:
  uint64_t frames_ = 0;
  uint64_t bytes_scanned_ = 0;
  uint64_t torn_tail_bytes_ = 0;
  uint64_t active_rows_ = 0;   // rows[source_][0]
  uint64_t corrupt_rows_ = 0;  // rows[source_][1]
  uint8_t source_ = 0;
  uint8_t flags_ = 0;          // a bit per 0/1 count (kFlag* in file_stats.cc)
  std::unique_ptr<BuildStats> full_;  // when the compact form cannot hold it
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_FILE_STATS_H_
