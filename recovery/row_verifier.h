// Checking cached rows against the logs they point at (SPEC §6: a cache is
// trusted only after each cached row is checked against the CRC-32C of the
// bytes it points at).
#ifndef LOGDEX_RECOVERY_ROW_VERIFIER_H_
#define LOGDEX_RECOVERY_ROW_VERIFIER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "index/live_index.h"
#include "index/log_bytes.h"

namespace logdex::recovery {

struct VerifyResult {
  std::vector<bool> file_ok;  // by file id: every row of the file matched
  uint64_t rows_checked = 0;
  uint64_t rows_bad = 0;
  uint64_t bytes_read = 0;
  // Some run's encoding does not add up (bad rows, sizes or checkpoints):
  // the cache as a whole is damaged, whatever its checksums said.
  bool runs_inconsistent = false;
};

// Decodes every row of every run of `saved` on `threads` threads, filling
// each FileRecord's first_frame, last_frame and counts. With check_bytes,
// also checks each row against the CRC-32C of root/<file path> at its
// offset, reading each file sequentially in large pieces.
//
// Each file's bytes are read once, forward, in pieces of up to 1 MiB, on one
// thread (runs are handed out to threads one at a time); without
// check_bytes no log file is opened at all.
//
// `open` opens a log file under the root's descriptor (a test seam counting
// reads; null: index::OpenLogBytes).
using LogOpener =
    std::function<std::unique_ptr<index::LogBytes>(int root_fd, const std::string& rel)>;
VerifyResult VerifyRows(const std::string& root, index::IndexSnapshot& saved, int threads,
                        bool check_bytes, const LogOpener& open = nullptr);

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_ROW_VERIFIER_H_
