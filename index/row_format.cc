#include "index/row_format.h"

#include <charconv>
#include <cstring>

#include "index/json_string.h"

namespace logdex::index {
namespace {

void AppendUint(uint64_t v, std::string* out) {
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

void AppendCrc(uint32_t crc, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  char buf[10];
  buf[0] = '"';
  for (int i = 0; i < 8; ++i) buf[1 + i] = kHex[(crc >> (28 - 4 * i)) & 15];
  buf[9] = '"';
  out->append(buf, sizeof buf);
}

void AppendField(std::string_view key_prefix, const std::optional<std::string_view>& v,
                 std::string* out) {
  if (!v) return;
  out->append(key_prefix);
  AppendJsonString(*v, out);
}

size_t UintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

}  // namespace

size_t RowLength(size_t file_literal_size, const RowView& row) {
  // Mirrors AppendRow piece by piece.
  size_t n = std::string_view("{\"file\":").size() + file_literal_size +
             std::string_view(",\"byteOffset\":").size() + UintLength(row.byte_offset) +
             std::string_view(",\"byteLength\":").size() + UintLength(row.byte_length) +
             std::string_view(",\"crc32c\":").size() + 10 + std::string_view(",\"source\":\"").size() +
             SourceName(row.source).size();
  if (row.error != FrameError::kNone) {
    return n + std::string_view("\",\"state\":\"corrupt\",\"error\":\"").size() +
           FrameErrorName(row.error).size() + std::string_view("\"}\n").size();
  }
  n += std::string_view("\",\"state\":\"active\"").size();
  auto field = [&](std::string_view key_prefix, const std::optional<std::string_view>& v) {
    if (v) n += key_prefix.size() + JsonStringLength(*v);
  };
  field(",\"entryType\":", row.entry_type);
  field(",\"entryId\":", row.entry_id);
  field(",\"parentEntryId\":", row.parent_entry_id);
  field(",\"sessionId\":", row.session_id);
  field(",\"timestamp\":", row.timestamp);
  if (row.entry_seq) n += std::string_view(",\"entrySeq\":").size() + UintLength(*row.entry_seq);
  return n + std::string_view("}\n").size();
}

namespace {

// The writers of AppendRow's fast path: each writes at p and returns the end.
template <size_t N>
char* Put(const char (&lit)[N], char* p) {
  std::memcpy(p, lit, N - 1);
  return p + N - 1;
}

char* Put(std::string_view s, char* p) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

char* PutUint(uint64_t v, char* p) { return std::to_chars(p, p + 20, v).ptr; }

char* PutField(std::string_view key_prefix, const std::optional<std::string_view>& v, char* p) {
  if (!v) return p;
  return WriteJsonString(*v, Put(key_prefix, p));
}

// Rows at most this long (by the bound below) are written through a stack
// buffer with plain stores; longer ones through std::string appends.
constexpr size_t kFastRowBytes = 2048;
// Every fixed part of a row (keys, punctuation, numbers, names), generously.
constexpr size_t kRowOverhead = 512;

size_t RowBound(std::string_view file_literal, const RowView& row) {
  size_t n = kRowOverhead + file_literal.size();
  for (const auto* v : {&row.entry_type, &row.entry_id, &row.parent_entry_id, &row.session_id,
                        &row.timestamp}) {
    if (*v) n += kMaxJsonStringGrowth * (*v)->size() + 2;
  }
  return n;
}

}  // namespace

void AppendRow(std::string_view file_literal, const RowView& row, std::string* out) {
  if (RowBound(file_literal, row) <= kFastRowBytes) {
    char buf[kFastRowBytes];
    char* p = Put("{\"file\":", buf);
    p = Put(file_literal, p);
    p = Put(",\"byteOffset\":", p);
    p = PutUint(row.byte_offset, p);
    p = Put(",\"byteLength\":", p);
    p = PutUint(row.byte_length, p);
    static constexpr char kHex[] = "0123456789ABCDEF";
    p = Put(",\"crc32c\":\"", p);
    for (int i = 0; i < 8; ++i) *p++ = kHex[(row.crc32c >> (28 - 4 * i)) & 15];
    p = Put("\",\"source\":\"", p);
    p = Put(SourceName(row.source), p);
    if (row.error != FrameError::kNone) {
      p = Put("\",\"state\":\"corrupt\",\"error\":\"", p);
      p = Put(FrameErrorName(row.error), p);
      p = Put("\"}\n", p);
    } else {
      p = Put("\",\"state\":\"active\"", p);
      p = PutField(",\"entryType\":", row.entry_type, p);
      p = PutField(",\"entryId\":", row.entry_id, p);
      p = PutField(",\"parentEntryId\":", row.parent_entry_id, p);
      p = PutField(",\"sessionId\":", row.session_id, p);
      p = PutField(",\"timestamp\":", row.timestamp, p);
      if (row.entry_seq) {
        p = Put(",\"entrySeq\":", p);
        p = PutUint(*row.entry_seq, p);
      }
      p = Put("}\n", p);
    }
    out->append(buf, static_cast<size_t>(p - buf));
    return;
  }
  out->append("{\"file\":");
  out->append(file_literal);
  out->append(",\"byteOffset\":");
  AppendUint(row.byte_offset, out);
  out->append(",\"byteLength\":");
  AppendUint(row.byte_length, out);
  out->append(",\"crc32c\":");
  AppendCrc(row.crc32c, out);
  out->append(",\"source\":\"");
  out->append(SourceName(row.source));
  if (row.error != FrameError::kNone) {
    out->append("\",\"state\":\"corrupt\",\"error\":\"");
    out->append(FrameErrorName(row.error));
    out->append("\"}\n");
    return;
  }
  out->append("\",\"state\":\"active\"");
  AppendField(",\"entryType\":", row.entry_type, out);
  AppendField(",\"entryId\":", row.entry_id, out);
  AppendField(",\"parentEntryId\":", row.parent_entry_id, out);
  AppendField(",\"sessionId\":", row.session_id, out);
  AppendField(",\"timestamp\":", row.timestamp, out);
  if (row.entry_seq) {
    out->append(",\"entrySeq\":");
    AppendUint(*row.entry_seq, out);
  }
  out->append("}\n");
}

}  // namespace logdex::index
