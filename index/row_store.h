// Compact storage of index rows, and rendering of any byte range of
// index.ndjson from it. Format in row_store_format.md.
//
// The index is a sequence of runs; a run is consecutive rows of one file (a
// fresh build has one run per file; later appends add runs). Rows are stored
// encoded (varints, packed UUIDs and timestamps, "same as the row before"
// references), about 30-50 bytes each instead of ~250 rendered. Every
// kCheckpointRows rows a checkpoint records the rendered and encoded offset
// and the encoder forgets the previous row, so rendering can start there.
#ifndef LOGDEX_INDEX_ROW_STORE_H_
#define LOGDEX_INDEX_ROW_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/file_name.h"
#include "index/row.h"
#include "index/run.h"

namespace logdex::index {

class RowStore {
 public:
  // Registers a file and returns its id; `rel_path` is UTF-8, '/'-separated.
  uint32_t AddFile(std::string_view rel_path);
  // The same, sharing `name`'s bytes (the live index's, other versions').
  uint32_t AddFile(FileName name);
  std::string_view file_literal(uint32_t file_id) const { return files_[file_id].literal(); }
  const FileName& file_name(uint32_t file_id) const { return files_[file_id]; }
  size_t file_count() const { return files_.size(); }

  void AppendRun(Run run);
  // Appends `run` by re-encoding it into the last run when that run is of the
  // same file and the two hold at most max_rows rows together (appends of a
  // few rows each would otherwise cost a Run apiece); else as AppendRun.
  void AppendOrExtendRun(Run run, uint64_t max_rows);
  // The runs in index order. A Run is immutable once stored, so a copy of
  // this vector is a consistent snapshot that later appends do not disturb.
  const std::vector<std::shared_ptr<const Run>>& runs() const { return runs_; }
  // Replaces the whole sequence of runs (regeneration, or a loaded cache).
  void ReplaceRuns(std::vector<std::shared_ptr<const Run>> runs);

  uint64_t rendered_size() const { return rendered_size_; }
  uint64_t row_count() const { return row_count_; }
  // Heap bytes held by the encoded rows, checkpoints and file names.
  uint64_t memory_bytes() const;

  // Appends bytes [offset, offset+length) of the rendered index to *out.
  void Render(uint64_t offset, uint64_t length, std::string* out) const;

  // Calls fn(file_id, row) for every row in index order; the row's views are
  // valid only during the call.
  template <typename Fn>
  void ForEachRow(Fn&& fn) const;

 private:
  std::vector<FileName> files_;  // by file id: the JSON literals of paths
  std::vector<std::shared_ptr<const Run>> runs_;
  std::vector<uint64_t> run_starts_;  // rendered offset of each run
  uint64_t rendered_size_ = 0;
  uint64_t row_count_ = 0;
};

template <typename Fn>
void RowStore::ForEachRow(Fn&& fn) const {
  for (const auto& run : runs_) {
    RunDecoder dec(*run, 0);
    RowView row;
    while (dec.Next(&row)) fn(run->file_id, row);
  }
}

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_ROW_STORE_H_
