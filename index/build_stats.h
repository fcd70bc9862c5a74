// Counts gathered while building an index: what /.logdex/status.json reports.
#ifndef LOGDEX_INDEX_BUILD_STATS_H_
#define LOGDEX_INDEX_BUILD_STATS_H_

#include <array>
#include <cstdint>
#include <string>

#include "index/row.h"

namespace logdex::index {

struct BuildStats {
  uint64_t log_files = 0;        // log files indexed
  uint64_t frames = 0;           // rows produced
  uint64_t bytes_scanned = 0;    // bytes of log files read
  uint64_t torn_tails = 0;       // files ending in bytes after their last '\n'
  uint64_t torn_tail_bytes = 0;
  // Skipped: shown in the mount but not indexed.
  uint64_t skipped_non_utf8_names = 0;   // path is not valid UTF-8
  uint64_t skipped_unreadable = 0;       // open/read failed (file or directory)
  uint64_t skipped_source_filtered = 0;  // log file whose source is not in sources=
  // A NAME.lz4 that is damaged (bad checksum, cut short, not LZ4): its
  // readable prefix is indexed, the rest is not (index/lz4_map.h).
  uint64_t skipped_lz4_damaged = 0;
  // rows[source][0] = active rows, rows[source][1] = corrupt rows.
  std::array<std::array<uint64_t, 2>, kSourceCount> rows = {};
  std::array<uint64_t, kFrameErrorCount> errors = {};  // corrupt rows by error
  double build_seconds = 0;

  uint64_t skipped_files() const {
    return skipped_non_utf8_names + skipped_unreadable + skipped_source_filtered +
           skipped_lz4_damaged;
  }
  void Add(const BuildStats& o);
  // Undoes Add(o) for the counts (not build_seconds).
  void Subtract(const BuildStats& o);
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_BUILD_STATS_H_
