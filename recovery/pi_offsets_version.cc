#include "recovery/pi_offsets_version.h"

#include <algorithm>

namespace logdex::recovery {

PiOffsetsVersion::PiOffsetsVersion(uint64_t generation)
    : FileVersion(generation), changed_ns_(index::NowNs()) {}

uint64_t PiOffsetsVersion::Size() const {
  absl::ReaderMutexLock lock(&mu_);
  return ends_.empty() ? 0 : ends_.back();
}

uint64_t PiOffsetsVersion::RowCount() const {
  absl::ReaderMutexLock lock(&mu_);
  return rows_.size();
}

void PiOffsetsVersion::Read(uint64_t offset, uint64_t length, std::string* out) const {
  absl::ReaderMutexLock lock(&mu_);
  const uint64_t size = ends_.empty() ? 0 : ends_.back();
  if (offset >= size || length == 0) return;
  const uint64_t end = offset + std::min(length, size - offset);
  // The first row that ends after `offset`.
  size_t r = static_cast<size_t>(std::upper_bound(ends_.begin(), ends_.end(), offset) - ends_.begin());
  std::string text;
  for (; r < rows_.size() && offset < end; ++r) {
    const uint64_t start = r == 0 ? 0 : ends_[r - 1];
    text.clear();
    index::AppendPiOffsetRow(rows_[r], &text);
    const uint64_t from = offset - start;
    const uint64_t to = std::min<uint64_t>(text.size(), end - start);
    out->append(text, static_cast<size_t>(from), static_cast<size_t>(to - from));
    offset = start + to;
  }
}

std::string PiOffsetsVersion::Bytes() const {
  absl::ReaderMutexLock lock(&mu_);
  std::string out;
  out.reserve(ends_.empty() ? 0 : ends_.back());
  for (const index::PiOffsetRow& row : rows_) index::AppendPiOffsetRow(row, &out);
  return out;
}

void PiOffsetsVersion::Append(const std::vector<index::PiOffsetRow>& rows) {
  if (rows.empty()) return;
  std::string text;
  absl::MutexLock lock(&mu_);
  for (const index::PiOffsetRow& row : rows) {
    text.clear();
    index::AppendPiOffsetRow(row, &text);
    ends_.push_back((ends_.empty() ? 0 : ends_.back()) + text.size());
    rows_.push_back(row);
  }
  changed_ns_.store(index::NowNs(), std::memory_order_release);
}

}  // namespace logdex::recovery
