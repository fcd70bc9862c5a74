#include "index/row_store.h"

#include <algorithm>

#include "index/json_string.h"
#include "index/row_format.h"

namespace logdex::index {

uint32_t RowStore::AddFile(std::string_view rel_path) { return AddFile(FileName(rel_path)); }

uint32_t RowStore::AddFile(FileName name) {
  files_.push_back(std::move(name));
  return static_cast<uint32_t>(files_.size() - 1);
}

void RowStore::AppendRun(Run run) {
  if (run.rows == 0) return;
  run_starts_.push_back(rendered_size_);
  rendered_size_ += run.rendered_size;
  row_count_ += run.rows;
  runs_.push_back(std::make_shared<const Run>(std::move(run)));
}

void RowStore::AppendOrExtendRun(Run run, uint64_t max_rows) {
  if (run.rows == 0) return;
  if (runs_.empty() || runs_.back()->file_id != run.file_id ||
      runs_.back()->rows + run.rows > max_rows) {
    AppendRun(std::move(run));
    return;
  }
  // The old last run stays intact for any snapshot still holding it.
  const Run& last = *runs_.back();
  RunBuilder merged(run.file_id, file_literal(run.file_id));
  RowView row;
  for (const Run* part : {&last, static_cast<const Run*>(&run)}) {
    RunDecoder dec(*part, 0);
    while (dec.Next(&row)) merged.Add(row);
  }
  rendered_size_ += run.rendered_size;
  row_count_ += run.rows;
  runs_.back() = std::make_shared<const Run>(merged.Finish());
}

void RowStore::ReplaceRuns(std::vector<std::shared_ptr<const Run>> runs) {
  runs_.clear();
  run_starts_.clear();
  rendered_size_ = 0;
  row_count_ = 0;
  for (auto& run : runs) {
    if (run->rows == 0) continue;
    run_starts_.push_back(rendered_size_);
    rendered_size_ += run->rendered_size;
    row_count_ += run->rows;
    runs_.push_back(std::move(run));
  }
}

uint64_t RowStore::memory_bytes() const {
  uint64_t n = runs_.capacity() * sizeof(runs_[0]) + run_starts_.capacity() * sizeof(uint64_t);
  for (const auto& r : runs_) {
    n += sizeof(Run) + r->data.capacity();
    if (r->checkpoints.capacity() > 1) n += r->checkpoints.capacity() * sizeof(Run::Checkpoint);
  }
  n += files_.capacity() * sizeof(files_[0]);
  for (const FileName& f : files_) n += f.literal().size() + 16;  // shared with the live index
  return n;
}

void RowStore::Render(uint64_t offset, uint64_t length, std::string* out) const {
  if (offset >= rendered_size_ || length == 0) return;
  const uint64_t end = offset + std::min(length, rendered_size_ - offset);  // no overflow
  size_t r = static_cast<size_t>(
      std::upper_bound(run_starts_.begin(), run_starts_.end(), offset) - run_starts_.begin() - 1);
  std::string text;
  for (; r < runs_.size() && offset < end; ++r) {
    const Run& run = *runs_[r];
    const uint64_t run_start = run_starts_[r];
    const uint64_t local = offset - run_start;
    const auto& cps = run.checkpoints;
    const size_t c = static_cast<size_t>(
        std::upper_bound(cps.begin(), cps.end(), local,
                         [](uint64_t v, const Run::Checkpoint& cp) { return v < cp.rendered_offset; }) -
        cps.begin() - 1);
    uint64_t at = run_start + cps[c].rendered_offset;  // rendered offset of the next row
    RunDecoder dec(run, c);
    RowView row;
    while (offset < end && dec.Next(&row)) {
      text.clear();
      AppendRow(file_literal(run.file_id), row, &text);
      const uint64_t row_end = at + text.size();
      if (at > offset) break;  // sizes that do not add up: never from a checked run
      if (row_end > offset) {
        const uint64_t from = offset - at;
        const uint64_t to = std::min<uint64_t>(text.size(), end - at);
        out->append(text, static_cast<size_t>(from), static_cast<size_t>(to - from));
        offset = at + to;
      }
      at = row_end;
    }
  }
}

}  // namespace logdex::index
