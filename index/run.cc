#include "index/run.h"

#include <algorithm>
#include <optional>

#include "index/row_format.h"
#include "index/row_store_format.h"
#include "index/varint.h"

namespace logdex::index {
namespace {

using namespace row_format;  // NOLINT: the format's own names

void PutFixed(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// Readers of untrusted encoded bytes (runs come from the cache file too).
// Running out of bytes moves *pos past the end, which RunDecoder reports as
// malformed data.
constexpr size_t kPastEnd = ~size_t{0};

uint64_t GetVarint(const std::string& d, size_t* pos) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= d.size()) break;
    const auto b = static_cast<uint8_t>(d[(*pos)++]);
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (b < 0x80) return v;
  }
  *pos = kPastEnd;
  return 0;
}

uint64_t GetFixed(const std::string& d, size_t* pos, int bytes) {
  if (*pos > d.size() || d.size() - *pos < static_cast<size_t>(bytes)) {
    *pos = kPastEnd;
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(d[(*pos)++])) << (8 * i);
  }
  return v;
}

int LowerHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr int kUuidDashes[] = {8, 13, 18, 23};

bool PackUuid(std::string_view s, std::string* out) {
  if (s.size() != 36) return false;
  uint8_t bytes[16];
  int n = 0;
  for (size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
      continue;
    }
    const int h = LowerHex(s[i]);
    if (h < 0) return false;
    if (n % 2 == 0) bytes[n / 2] = static_cast<uint8_t>(h << 4);
    else bytes[n / 2] |= static_cast<uint8_t>(h);
    ++n;
  }
  out->append(reinterpret_cast<const char*>(bytes), 16);
  return true;
}

void UnpackUuid(const std::string& d, size_t* pos, std::string* s) {
  s->clear();
  if (*pos > d.size() || d.size() - *pos < 16) {
    *pos = kPastEnd;
    return;
  }
  int dash = 0;
  for (int i = 0; i < 16 && *pos < d.size(); ++i) {
    const auto b = static_cast<uint8_t>(d[(*pos)++]);
    s->push_back(kHexDigits[b >> 4]);
    s->push_back(kHexDigits[b & 15]);
    if (dash < 4 && static_cast<int>(s->size()) == kUuidDashes[dash]) {
      s->push_back('-');
      ++dash;
    }
  }
}

bool PackTimestamp(std::string_view s, std::string* out) {
  if (s.size() != kTimestampShape.size()) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (kTimestampShape[i] == '0') {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    } else if (s[i] != kTimestampShape[i]) {
      return false;
    }
  }
  PutFixed(v, 8, out);
  return true;
}

void UnpackTimestamp(const std::string& d, size_t* pos, std::string* s) {
  uint64_t v = GetFixed(d, pos, 8);
  s->assign(kTimestampShape);
  for (size_t i = s->size(); i-- > 0;) {
    if (kTimestampShape[i] == '0') {
      (*s)[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  }
}

bool PackHex8(std::string_view s, std::string* out) {
  if (s.size() != 8) return false;
  uint32_t v = 0;
  for (char c : s) {
    const int h = LowerHex(c);
    if (h < 0) return false;
    v = v << 4 | static_cast<uint32_t>(h);
  }
  PutFixed(v, 4, out);
  return true;
}

void UnpackHex8(const std::string& d, size_t* pos, std::string* s) {
  const auto v = static_cast<uint32_t>(GetFixed(d, pos, 4));
  s->resize(8);
  for (int i = 0; i < 8; ++i) (*s)[i] = kHexDigits[(v >> (28 - 4 * i)) & 15];
}

std::optional<std::string_view> RowSlot(const RowView& row, int slot) {
  switch (slot) {
    case kType: return row.entry_type;
    case kId: return row.entry_id;
    case kParent: return row.parent_entry_id;
    case kSession: return row.session_id;
    default: return row.timestamp;
  }
}

}  // namespace

RunBuilder::RunBuilder(uint32_t file_id, std::string_view file_literal)
    : file_literal_(file_literal) {
  run_.file_id = file_id;
}

void RunBuilder::Add(const RowView& row) {
  std::string& d = run_.data;
  if (run_.rows % kCheckpointRows == 0) {
    run_.checkpoints.push_back({run_.rendered_size, static_cast<uint32_t>(d.size())});
    for (bool& p : prev_present_) p = false;
    prev_end_ = 0;
  }
  PutVarint(row.byte_offset - prev_end_, &d);
  PutVarint(row.byte_length, &d);
  PutFixed(row.crc32c, 4, &d);
  const bool active = row.error == FrameError::kNone;
  uint8_t head = static_cast<uint8_t>(row.source) | static_cast<uint8_t>(row.error) << 2;
  if (active && row.entry_seq) head |= kHasEntrySeq;
  d.push_back(static_cast<char>(head));
  prev_end_ = row.byte_offset + row.byte_length;
  if (active) {
    const size_t tags_at = d.size();
    d.append(2, '\0');
    uint16_t tags = 0;
    for (int s = 0; s < kSlots; ++s) {
      const auto v = RowSlot(row, s);
      Tag tag = kAbsent;
      if (v) {
        if (prev_present_[s] && prev_[s] == *v) {
          tag = kSameAsPrevious;
        } else if (s == kParent && prev_present_[kId] && prev_[kId] == *v) {
          tag = kPreviousId;
        } else if (PackUuid(*v, &d)) {
          tag = kUuid;
        } else if (PackTimestamp(*v, &d)) {
          tag = kTimestamp;
        } else if (PackHex8(*v, &d)) {
          tag = kHex8;
        } else {
          tag = kLiteral;
          PutVarint(v->size(), &d);
          d.append(*v);
        }
      }
      tags |= static_cast<uint16_t>(tag << (kTagBits * s));
    }
    d[tags_at] = static_cast<char>(tags & 0xFF);
    d[tags_at + 1] = static_cast<char>(tags >> 8);
    if (row.entry_seq) PutVarint(*row.entry_seq, &d);
    for (int s = 0; s < kSlots; ++s) {
      const auto v = RowSlot(row, s);
      prev_present_[s] = v.has_value();
      if (v) prev_[s].assign(*v);
    }
  } else {
    for (bool& p : prev_present_) p = false;
  }
  run_.rendered_size += RowLength(file_literal_.size(), row);
  ++run_.rows;
}

Run RunBuilder::Finish() {
  run_.data.shrink_to_fit();
  run_.checkpoints.shrink_to_fit();
  return std::move(run_);
}

RunDecoder::RunDecoder(const Run& run, size_t checkpoint)
    : run_(run),
      pos_(checkpoint < run.checkpoints.size() ? run.checkpoints[checkpoint].data_offset
                                               : run.data.size()),
      row_index_(checkpoint * kCheckpointRows) {}

bool RunDecoder::Next(RowView* row) {
  const std::string& d = run_.data;
  if (malformed_ || pos_ >= d.size() || row_index_ >= run_.rows) return false;
  if (row_index_ % kCheckpointRows == 0) {
    for (bool& p : present_) p = false;
    prev_end_ = 0;
  }
  ++row_index_;
  *row = RowView{};
  row->byte_offset = prev_end_ + GetVarint(d, &pos_);
  row->byte_length = GetVarint(d, &pos_);
  row->crc32c = static_cast<uint32_t>(GetFixed(d, &pos_, 4));
  const auto head = static_cast<uint8_t>(GetFixed(d, &pos_, 1));
  row->source = static_cast<Source>(head & 3);
  row->error = static_cast<FrameError>((head >> 2) & 7);
  prev_end_ = row->byte_offset + row->byte_length;
  if (pos_ == kPastEnd || ((head >> 2) & 7) >= kFrameErrorCount) return Malformed();
  if (row->error != FrameError::kNone) {
    for (bool& p : present_) p = false;
    return true;
  }
  const auto tags = static_cast<uint16_t>(GetFixed(d, &pos_, 2));
  prev_id_ = strings_[kId];
  const bool prev_id_present = present_[kId];
  for (int s = 0; s < kSlots; ++s) {
    const auto tag = static_cast<Tag>((tags >> (kTagBits * s)) & 7);
    std::string& v = strings_[s];
    switch (tag) {
      case kAbsent: break;
      case kSameAsPrevious: break;  // strings_[s] still holds it
      case kPreviousId:
        if (prev_id_present) v = prev_id_;
        break;
      case kLiteral: {
        const uint64_t n = GetVarint(d, &pos_);
        if (pos_ == kPastEnd || n > d.size() - pos_) return Malformed();
        v.assign(d, pos_, static_cast<size_t>(n));
        pos_ += static_cast<size_t>(n);
        break;
      }
      case kUuid: UnpackUuid(d, &pos_, &v); break;
      case kTimestamp: UnpackTimestamp(d, &pos_, &v); break;
      case kHex8: UnpackHex8(d, &pos_, &v); break;
      default: return Malformed();
    }
    if (pos_ == kPastEnd) return Malformed();
    present_[s] = tag != kAbsent;
  }
  std::optional<std::string_view>* out[kSlots] = {&row->entry_type, &row->entry_id,
                                                   &row->parent_entry_id, &row->session_id,
                                                   &row->timestamp};
  for (int s = 0; s < kSlots; ++s) {
    if (present_[s]) *out[s] = std::string_view(strings_[s]);
  }
  if (head & kHasEntrySeq) row->entry_seq = GetVarint(d, &pos_);
  if (pos_ == kPastEnd) return Malformed();
  return true;
}

bool RunDecoder::Malformed() {
  malformed_ = true;
  return false;
}

}  // namespace logdex::index
