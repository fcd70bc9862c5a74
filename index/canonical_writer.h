// `logdex index LOGDIR`: the canonical index streamed to a file descriptor.
#ifndef LOGDEX_INDEX_CANONICAL_WRITER_H_
#define LOGDEX_INDEX_CANONICAL_WRITER_H_

#include <string>

#include "absl/status/statusor.h"
#include "index/build_stats.h"
#include "index/scan_options.h"

namespace logdex::index {

// Writes every row of the log dir in canonical order to out_fd while files
// are still being scanned (memory stays bounded by a window of files). Fails
// if the log dir cannot be read or out_fd cannot be written.
absl::StatusOr<BuildStats> WriteCanonicalIndex(const std::string& log_dir,
                                               const ScanOptions& options, int out_fd);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_CANONICAL_WRITER_H_
