#include "index/build_stats.h"

namespace logdex::index {

void BuildStats::Add(const BuildStats& o) {
  log_files += o.log_files;
  frames += o.frames;
  bytes_scanned += o.bytes_scanned;
  torn_tails += o.torn_tails;
  torn_tail_bytes += o.torn_tail_bytes;
  skipped_non_utf8_names += o.skipped_non_utf8_names;
  skipped_unreadable += o.skipped_unreadable;
  skipped_source_filtered += o.skipped_source_filtered;
  skipped_lz4_damaged += o.skipped_lz4_damaged;
  for (int s = 0; s < kSourceCount; ++s) {
    rows[s][0] += o.rows[s][0];
    rows[s][1] += o.rows[s][1];
  }
  for (int e = 0; e < kFrameErrorCount; ++e) errors[e] += o.errors[e];
  build_seconds += o.build_seconds;
}

void BuildStats::Subtract(const BuildStats& o) {
  log_files -= o.log_files;
  frames -= o.frames;
  bytes_scanned -= o.bytes_scanned;
  torn_tails -= o.torn_tails;
  torn_tail_bytes -= o.torn_tail_bytes;
  skipped_non_utf8_names -= o.skipped_non_utf8_names;
  skipped_unreadable -= o.skipped_unreadable;
  skipped_source_filtered -= o.skipped_source_filtered;
  skipped_lz4_damaged -= o.skipped_lz4_damaged;
  for (int s = 0; s < kSourceCount; ++s) {
    rows[s][0] -= o.rows[s][0];
    rows[s][1] -= o.rows[s][1];
  }
  for (int e = 0; e < kFrameErrorCount; ++e) errors[e] -= o.errors[e];
}

}  // namespace logdex::index
