// Scans the log files of a log dir on several threads and hands each file's
// rows to the caller in canonical order, with a bounded window of files in
// flight so memory does not grow with the log dir.
#ifndef LOGDEX_INDEX_PARALLEL_SCAN_H_
#define LOGDEX_INDEX_PARALLEL_SCAN_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "index/file_scan.h"
#include "index/log_tree.h"
#include "index/scan_options.h"

namespace logdex::index {

struct FileScanResult {
  std::unique_ptr<FileRows> rows;
  FileScan scan;
  bool indexed = false;  // its source is in sources=
  // What the file's first valid frame decided, to resume it later.
  std::optional<Source> source;
  std::optional<std::string> session;
};

// Scans files[i] (paths relative to root) on worker threads and calls
// consume(i, result) on the calling thread for i = 0, 1, ... in order.
// make_rows(i) is called on a worker thread before file i is read.
void ScanFiles(const std::string& root, const std::vector<LogFile>& files,
               const ScanOptions& options,
               const std::function<std::unique_ptr<FileRows>(size_t)>& make_rows,
               const std::function<void(size_t, FileScanResult)>& consume);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_PARALLEL_SCAN_H_
