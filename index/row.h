// A row of index.ndjson, decoded: what one frame of one log file says about itself.
// The exact bytes of a rendered row are defined in row_format.h (SPEC §3).
#ifndef LOGDEX_INDEX_ROW_H_
#define LOGDEX_INDEX_ROW_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace logdex::index {

// Which grammar a log file is read with (SPEC §2). Decided once per file.
enum class Source : uint8_t { kPi = 0, kCodex = 1, kClaude = 2, kJsonl = 3 };
inline constexpr int kSourceCount = 4;

// Why a frame is corrupt; kNone means the row is `active`.
enum class FrameError : uint8_t {
  kNone = 0,
  kJson = 1,          // not one valid JSON object in valid UTF-8
  kOversized = 2,     // longer than kMaxFrameBytes
  kSchema = 3,        // pi frame lacks a required field or has the wrong schema
  kPayloadHash = 4,   // pi payloadSha256 does not match the payload bytes
  kPayloadBytes = 5,  // pi payloadBytes does not match the payload length
};
inline constexpr int kFrameErrorCount = 6;

// A frame longer than this (counting its '\n') is corrupt with kOversized.
inline constexpr uint64_t kMaxFrameBytes = 100ull * 1024 * 1024;

std::string_view SourceName(Source s);
std::string_view FrameErrorName(FrameError e);

// One row. String fields are decoded JSON strings in WTF-8 (UTF-8 that may
// also hold unpaired surrogates as 3-byte sequences ED A0..BF xx); they point
// into storage owned by whoever produced the view and live as long as it says.
struct RowView {
  uint64_t byte_offset = 0;
  uint64_t byte_length = 0;
  uint32_t crc32c = 0;
  Source source = Source::kJsonl;
  FrameError error = FrameError::kNone;
  // Present only on active rows.
  std::optional<std::string_view> entry_type;
  std::optional<std::string_view> entry_id;
  std::optional<std::string_view> parent_entry_id;
  std::optional<std::string_view> session_id;
  std::optional<std::string_view> timestamp;
  std::optional<uint64_t> entry_seq;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_ROW_H_
