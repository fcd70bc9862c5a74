// Full validation of one frame as a JSON object (SPEC §2 "valid frame").
//
// A frame body is valid when it is exactly one RFC 8259 value, an object, in
// valid UTF-8, nested at most kMaxJsonDepth deep. Numbers of any magnitude and
// \u escapes of unpaired surrogates are valid; a byte-order mark is not.
//
// simdjson's DOM parser validates everything in one fast pass but refuses a
// few texts the contract accepts (unpaired surrogates, huge numbers, exactly
// 1024 levels). So a text simdjson accepts is valid, and one it refuses is
// judged again by StrictJsonObject(), an exact but slower checker. Corrupt
// lines are rare, so the slow path costs little. Texts over 8 MiB go to the
// exact checker alone: it allocates nothing and keeps no stack per level,
// while simdjson's index and tape would cost several bytes per text byte.
#ifndef LOGDEX_INDEX_JSON_VALIDATOR_H_
#define LOGDEX_INDEX_JSON_VALIDATOR_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace logdex::index {

inline constexpr int kMaxJsonDepth = 1024;
// Readable bytes JsonValidator::IsObject needs after the text it checks.
inline constexpr size_t kJsonPadding = 64;

// The exact checker: true if `text` is one valid JSON object per the
// contract. Needs no padding.
bool StrictJsonObject(std::string_view text);

// Holds one reusable simdjson parser; use one per thread.
class JsonValidator {
 public:
  JsonValidator();
  ~JsonValidator();
  JsonValidator(const JsonValidator&) = delete;
  JsonValidator& operator=(const JsonValidator&) = delete;

  // Same answer as StrictJsonObject(text). text.data()+text.size() must be
  // followed by at least kJsonPadding readable bytes.
  bool IsObject(std::string_view text);

  // After IsObject() accepted a text through simdjson: sets out[i] to the
  // value of the first top-level member named names[i] when that value is a
  // string (decoded; valid until the next IsObject call), and returns true.
  // Returns false, setting nothing, when the exact checker accepted the text
  // instead; the caller then reads the raw text (json_members.h).
  bool FirstStringMembers(std::span<const std::string_view> names,
                          std::span<std::optional<std::string_view>> out);

  // After IsObject() accepted a text through simdjson: the number of its
  // top-level members (for MemberIterator, json_members.h); nullopt when the
  // exact checker accepted it instead, or the count is too large to be exact.
  std::optional<size_t> MemberCount() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_JSON_VALIDATOR_H_
