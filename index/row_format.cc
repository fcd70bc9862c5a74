#include "index/row_format.h"

#include <charconv>

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

void AppendRow(std::string_view file_literal, const RowView& row, std::string* out) {
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
