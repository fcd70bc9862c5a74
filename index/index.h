// The in-memory index of one log dir: what the mount serves as /index.ndjson.
//
// Built by scanning every log file (see log_tree.h for which files count) in
// canonical order. Rows are held compactly (row_store.h), never as rendered
// text; Read() renders only the requested byte range.
//
// Thread-safety: an Index is immutable after Build() and may be read from any
// number of threads at once.
#ifndef LOGDEX_INDEX_INDEX_H_
#define LOGDEX_INDEX_INDEX_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "index/build_stats.h"
#include "index/row_store.h"
#include "index/scan_options.h"

namespace logdex::index {

class Index {
 public:
  // Scans LOG_DIR (an existing directory) and builds the index. Damage in the
  // logs is never an error: it becomes corrupt rows or counted skips in
  // stats(). Fails only when LOG_DIR itself cannot be read.
  static absl::StatusOr<std::unique_ptr<Index>> Build(const std::string& log_dir,
                                                      const ScanOptions& options);

  // Exact byte size of index.ndjson.
  uint64_t size() const { return store_.rendered_size(); }

  // Appends bytes [offset, offset+length) of index.ndjson to *out (fewer at
  // the end of the file).
  void Read(uint64_t offset, uint64_t length, std::string* out) const;

  const BuildStats& stats() const { return stats_; }
  const RowStore& rows() const { return store_; }

 private:
  Index() = default;
  RowStore store_;
  BuildStats stats_;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_INDEX_H_
