#include "recovery/pi_offsets_version.h"

#include <algorithm>

namespace logdex::recovery {
namespace {

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads what PutVarint wrote; the data is the version's own.
uint64_t GetVarint(const std::string& d, size_t* pos) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && *pos < d.size(); shift += 7) {
    const auto b = static_cast<uint8_t>(d[(*pos)++]);
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (b < 0x80) break;
  }
  return v;
}

int LowerHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// 8 lowercase hex digits as a u32, or false.
bool PackHex8(const std::string& s, uint32_t* v) {
  if (s.size() != 8) return false;
  *v = 0;
  for (char c : s) {
    const int h = LowerHex(c);
    if (h < 0) return false;
    *v = *v << 4 | static_cast<uint32_t>(h);
  }
  return true;
}

void Encode(const index::PiOffsetRow& row, uint64_t prev_end, std::string* d) {
  PutVarint(row.entry_seq, d);
  PutVarint(row.segment_seq, d);
  PutVarint(row.frame_seq, d);
  const uint64_t delta = row.byte_offset - prev_end;  // two's complement difference
  PutVarint(delta << 1 ^ (0 - (delta >> 63)), d);     // zigzag
  PutVarint(row.byte_length, d);
  for (int i = 0; i < 4; ++i) d->push_back(static_cast<char>(row.crc32c >> (8 * i)));
  uint32_t hex = 0;
  if (PackHex8(row.entry_id, &hex)) {
    d->push_back('\0');
    for (int i = 0; i < 4; ++i) d->push_back(static_cast<char>(hex >> (8 * i)));
  } else {
    PutVarint(row.entry_id.size() + 1, d);
    d->append(row.entry_id);
  }
}

void DecodeRow(const std::string& d, size_t* pos, uint64_t prev_end, index::PiOffsetRow* row) {
  row->entry_seq = GetVarint(d, pos);
  row->segment_seq = GetVarint(d, pos);
  row->frame_seq = GetVarint(d, pos);
  const uint64_t z = GetVarint(d, pos);
  row->byte_offset = prev_end + (z >> 1 ^ (0 - (z & 1)));
  row->byte_length = GetVarint(d, pos);
  uint32_t crc = 0;
  for (int i = 0; i < 4 && *pos < d.size(); ++i) {
    crc |= static_cast<uint32_t>(static_cast<uint8_t>(d[(*pos)++])) << (8 * i);
  }
  row->crc32c = crc;
  const uint64_t n = GetVarint(d, pos);
  if (n == 0) {
    uint32_t hex = 0;
    for (int i = 0; i < 4 && *pos < d.size(); ++i) {
      hex |= static_cast<uint32_t>(static_cast<uint8_t>(d[(*pos)++])) << (8 * i);
    }
    static constexpr char kDigits[] = "0123456789abcdef";
    row->entry_id.resize(8);
    for (int i = 0; i < 8; ++i) row->entry_id[i] = kDigits[(hex >> (28 - 4 * i)) & 15];
  } else {
    const size_t len = std::min<uint64_t>(n - 1, d.size() - *pos);
    row->entry_id.assign(d, *pos, len);
    *pos += len;
  }
}

}  // namespace

PiOffsetsVersion::PiOffsetsVersion(uint64_t generation)
    : FileVersion(generation), changed_ns_(index::NowNs()) {}

uint64_t PiOffsetsVersion::Size() const {
  absl::ReaderMutexLock lock(&mu_);
  return size_;
}

uint64_t PiOffsetsVersion::RowCount() const {
  absl::ReaderMutexLock lock(&mu_);
  return rows_;
}

template <typename Fn>
void PiOffsetsVersion::Decode(size_t c, Fn&& fn) const {
  index::PiOffsetRow row;
  std::string text;
  for (; c < checkpoints_.size(); ++c) {
    const size_t data_end =
        c + 1 < checkpoints_.size() ? checkpoints_[c + 1].data_offset : data_.size();
    size_t pos = checkpoints_[c].data_offset;
    uint64_t at = checkpoints_[c].rendered_offset;
    uint64_t prev_end = 0;
    while (pos < data_end) {
      DecodeRow(data_, &pos, prev_end, &row);
      prev_end = row.byte_offset + row.byte_length;
      text.clear();
      index::AppendPiOffsetRow(row, &text);
      if (!fn(at, text)) return;
      at += text.size();
    }
  }
}

absl::Status PiOffsetsVersion::Read(uint64_t offset, uint64_t length, std::string* out) const {
  absl::ReaderMutexLock lock(&mu_);
  if (offset >= size_ || length == 0) return absl::OkStatus();
  const uint64_t end = offset + std::min(length, size_ - offset);
  // The last checkpoint at or before `offset`.
  const size_t c = static_cast<size_t>(
      std::upper_bound(checkpoints_.begin(), checkpoints_.end(), offset,
                       [](uint64_t v, const Checkpoint& cp) { return v < cp.rendered_offset; }) -
      checkpoints_.begin() - 1);
  Decode(c, [&](uint64_t start, const std::string& text) {
    if (start + text.size() > offset) {
      const uint64_t from = offset - start;
      const uint64_t to = std::min<uint64_t>(text.size(), end - start);
      out->append(text, static_cast<size_t>(from), static_cast<size_t>(to - from));
      offset = start + to;
    }
    return offset < end;
  });
  return absl::OkStatus();
}

std::string PiOffsetsVersion::Bytes() const {
  absl::ReaderMutexLock lock(&mu_);
  std::string out;
  out.reserve(size_);
  Decode(0, [&out](uint64_t, const std::string& text) {
    out.append(text);
    return true;
  });
  return out;
}

void PiOffsetsVersion::Append(const std::vector<index::PiOffsetRow>& rows) {
  if (rows.empty()) return;
  std::string text;
  absl::MutexLock lock(&mu_);
  const size_t data_before = data_.size();
  for (const index::PiOffsetRow& row : rows) {
    if (rows_ % kCheckpointRows == 0) {
      checkpoints_.push_back({size_, data_.size()});
      prev_end_ = 0;
    }
    Encode(row, prev_end_, &data_);
    prev_end_ = row.byte_offset + row.byte_length;
    text.clear();
    index::AppendPiOffsetRow(row, &text);
    size_ += text.size();
    ++rows_;
  }
  // A batch that is a good part of the whole (the first scan of a store)
  // gives back the slack of growing; small appends keep theirs, as copying
  // the whole each time would cost more than it saves.
  if ((data_.size() - data_before) * 4 >= data_.size()) {
    data_.shrink_to_fit();
    checkpoints_.shrink_to_fit();
  }
  changed_ns_.store(index::NowNs(), std::memory_order_release);
}

}  // namespace logdex::recovery
