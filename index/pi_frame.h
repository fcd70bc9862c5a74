// One line of a pi segment file read as pi reads it: serde_json's
// `from_str::<SegmentFrame>` (PI_FORMAT §2.1, §5.1 "Parse text as a
// SegmentFrame", §6 parser facts). Field rules in pi_offsets_format.md.
//
// Parsing checks only the shape serde checks: one JSON object with JSON
// whitespace around it, the eleven known keys and no others, no key twice,
// every key but parentEntryId present, the right JSON types. It does not
// check the schema string, the entry type, the timestamp, the id charset or
// the payload hash: pi's rebuild does not either (the main index's pi checks
// are row_maker.h's).
#ifndef LOGDEX_INDEX_PI_FRAME_H_
#define LOGDEX_INDEX_PI_FRAME_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "index/json_validator.h"

namespace logdex::index {

// Why a line is not a SegmentFrame (for messages; pi only knows "failed").
enum class PiFrameError {
  kNone,
  kNotJson,        // not one valid JSON object (UTF-8, RFC 8259, <= 1024 deep)
  kUnknownKey,     // a key other than the eleven (compared decoded)
  kDuplicateKey,   // a key given twice (compared decoded)
  kMissingKey,     // a required key is absent
  kWrongType,      // strings not strings; u64s not plain digits below 2^64;
                   // parentEntryId neither a string nor null
  kLoneSurrogate,  // a string field holds an unpaired \uD800-\uDFFF escape
};
std::string_view PiFrameErrorName(PiFrameError error);  // "not_json", "unknown_key", ...

// A parsed frame. The strings are decoded (UTF-8); payload is the raw value
// as it stands in the parsed text, first byte to last (what payloadSha256
// hashes), valid as long as that text.
struct PiFrame {
  std::string schema;
  uint64_t segment_seq = 0;
  uint64_t frame_seq = 0;
  uint64_t entry_seq = 0;
  std::string entry_id;
  bool has_parent = false;  // false: key absent or null
  std::string parent_entry_id;
  std::string entry_type;
  std::string timestamp;
  std::string payload_sha256;
  uint64_t payload_bytes = 0;
  std::string_view payload;
};

// Reusable; one per thread (it holds a simdjson parser).
class PiFrameParser {
 public:
  // `text` is the line without its '\n' and without trailing '\r's. When
  // `padded`, text.data() + text.size() is followed by at least kJsonPadding
  // readable bytes, which lets the fast validator run; the answer is the
  // same either way. On failure *frame holds partial values.
  PiFrameError Parse(std::string_view text, PiFrame* frame, bool padded = false);

  // After a failure: the key concerned (decoded; an unknown key clipped to
  // 64 bytes), or empty.
  const std::string& detail() const { return detail_; }

 private:
  void SetDetail(std::string_view key);

  JsonValidator validator_;
  std::string key_;
  std::string detail_;
};

// Whether `line` is blank for pi: Rust's `str::trim(line).is_empty()`, i.e.
// only Unicode White_Space (U+0009-U+000D, U+0020, U+0085, U+00A0, U+1680,
// U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). `line` must be
// valid UTF-8 (the empty line is blank).
bool IsPiBlankLine(std::string_view line);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_PI_FRAME_H_
