// What a scan of a log dir indexes and with how much parallelism.
#ifndef LOGDEX_INDEX_SCAN_OPTIONS_H_
#define LOGDEX_INDEX_SCAN_OPTIONS_H_

#include <array>
#include <string_view>

#include "absl/status/statusor.h"
#include "index/row.h"

namespace logdex::index {

struct ScanOptions {
  // Sources indexed; log files of other sources are shown but not indexed
  // (their rows are left out). Default: all four (SPEC §5 `-o sources=`).
  std::array<bool, kSourceCount> sources = {true, true, true, true};
  // Worker threads for scanning files; 0 means one per core.
  int threads = 0;
};

// Parses a `sources=` list such as "pi,claude" ('+' or ':' also separate
// names, since ',' separates mount options).
absl::StatusOr<std::array<bool, kSourceCount>> ParseSourceList(std::string_view list);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_SCAN_OPTIONS_H_
