#include "index/frame_list.h"

#include <algorithm>
#include <string_view>

#include "index/varint.h"

namespace logdex::index {

void FrameList::Append(const FrameLocation& f) {
  if (count_ > 0 && count_ % kFrameListCheckpoint == 0) {
    checkpoints_.push_back(Checkpoint{size_, data_.size(), last_end_, last_file_});
  }
  PutVarint(ZigZag(static_cast<int64_t>(f.file) - static_cast<int64_t>(last_file_)), &data_);
  if (f.file == last_file_) {
    PutVarint(ZigZag(static_cast<int64_t>(f.offset - last_end_)), &data_);
  } else {
    PutVarint(f.offset, &data_);
  }
  PutVarint(f.length, &data_);
  for (int i = 0; i < 4; ++i) data_.push_back(static_cast<char>(f.crc32c >> (8 * i)));
  ++count_;
  size_ += f.length;
  last_file_ = f.file;
  last_end_ = f.offset + f.length;
}

uint64_t FrameList::memory_bytes() const {
  return data_.capacity() + checkpoints_.capacity() * sizeof(Checkpoint);
}

void FrameList::ShrinkToFit() {
  data_.shrink_to_fit();
  checkpoints_.shrink_to_fit();
}

bool FrameList::StartsWith(const FrameList& prefix) const {
  return prefix.count_ <= count_ && prefix.data_.size() <= data_.size() &&
         std::string_view(data_).substr(0, prefix.data_.size()) == prefix.data_;
}

FrameList::Cursor FrameList::AtCheckpoint(size_t n) const {
  Cursor c(*this);
  if (n > 0) {
    const Checkpoint& cp = checkpoints_[n - 1];
    c.pos_ = cp.data;
    c.index_ = n * kFrameListCheckpoint;  // checkpoint n - 1 is for this frame
    c.start_ = cp.start;
    c.file_ = cp.file;
    c.end_ = cp.end;
  }
  return c;
}

FrameList::Cursor FrameList::FromOffset(uint64_t offset) const {
  const auto after = std::upper_bound(
      checkpoints_.begin(), checkpoints_.end(), offset,
      [](uint64_t v, const Checkpoint& cp) { return v < cp.start; });
  Cursor c = AtCheckpoint(static_cast<size_t>(after - checkpoints_.begin()));
  // Skip the frames that end at or before `offset`.
  Cursor probe = c;
  Placed p;
  while (probe.Next(&p) && p.start + p.frame.length <= offset) c = probe;
  return c;
}

FrameList::Cursor FrameList::FromIndex(uint64_t index) const {
  Cursor c = AtCheckpoint(static_cast<size_t>(
      std::min<uint64_t>(index / kFrameListCheckpoint, checkpoints_.size())));
  Placed p;
  while (c.index_ < index && c.Next(&p)) {
  }
  return c;
}

bool FrameList::Cursor::Next(Placed* out) {
  if (index_ >= list_->count_) return false;
  const std::string_view d = list_->data_;
  uint64_t file_delta = 0, where = 0, length = 0;
  size_t p = pos_;
  // The list encoded these bytes itself: they always decode; the checks
  // only keep a bug from reading past the end.
  if (!ReadVarint(d, &p, &file_delta) || !ReadVarint(d, &p, &where) ||
      !ReadVarint(d, &p, &length) || d.size() - p < 4) {
    index_ = list_->count_;
    return false;
  }
  const auto file = static_cast<uint32_t>(static_cast<int64_t>(file_) + UnZigZag(file_delta));
  const uint64_t offset =
      file == file_ ? end_ + static_cast<uint64_t>(UnZigZag(where)) : where;
  uint32_t crc = 0;
  for (int i = 0; i < 4; ++i) crc |= static_cast<uint32_t>(static_cast<uint8_t>(d[p + i])) << (8 * i);
  pos_ = p + 4;
  out->frame = FrameLocation{file, offset, length, crc};
  out->start = start_;
  ++index_;
  start_ += length;
  file_ = file;
  end_ = offset + length;
  return true;
}

}  // namespace logdex::index
