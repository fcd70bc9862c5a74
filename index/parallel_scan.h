// Scans the log files of a log dir on several threads and hands each file's
// rows to the caller in canonical order, with a bounded window of files in
// flight so memory does not grow with the log dir.
#ifndef LOGDEX_INDEX_PARALLEL_SCAN_H_
#define LOGDEX_INDEX_PARALLEL_SCAN_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "index/build_stats.h"
#include "index/log_tree.h"
#include "index/row.h"
#include "index/scan_options.h"

namespace logdex::index {

// Receives the rows of one file, on a worker thread.
class FileRows {
 public:
  virtual ~FileRows() = default;
  virtual void Add(const RowView& row) = 0;
  // Called between rows once the file's source is known, with whether this
  // file is next in canonical order: a chance to hand rows on early.
  virtual void Checkpoint(bool is_next) {}
};

struct FileScanResult {
  std::unique_ptr<FileRows> rows;
  BuildStats stats;   // this file's counts (log_files is 1 unless skipped)
  bool indexed = false;  // false: unreadable, or its source is filtered out
};

// Scans files[i] (paths relative to root) for i in order and calls
// consume(i, result) on the calling thread in increasing i. make_rows(i) is
// called on a worker thread before file i is read.
void ScanFiles(const std::string& root, const std::vector<LogFile>& files,
               const ScanOptions& options,
               const std::function<std::unique_ptr<FileRows>(size_t)>& make_rows,
               const std::function<void(size_t, FileScanResult)>& consume);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_PARALLEL_SCAN_H_
