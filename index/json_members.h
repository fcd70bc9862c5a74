// Reading the top-level members of an object that has already been validated
// (json_validator.h). Gives each member's raw key and the exact bytes of its
// value, which pi's payload check hashes.
#ifndef LOGDEX_INDEX_JSON_MEMBERS_H_
#define LOGDEX_INDEX_JSON_MEMBERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace logdex::index {

struct JsonMember {
  std::string_view raw_key;    // key literal body, between the quotes, escapes intact
  std::string_view raw_value;  // value text, first byte to last, no whitespace around
};

// Iterates members of the object `text` (a *valid* JSON object, possibly with
// whitespace around it) in document order, duplicates included.
//
// With `member_count` (the object's number of members, as the validator's
// parse counted them), the last member's value is taken as everything up to
// the object's closing brace instead of being walked byte by byte: the same
// span for a valid object, found in constant time (pi frames end in a large
// payload).
class MemberIterator {
 public:
  explicit MemberIterator(std::string_view object_text,
                          std::optional<size_t> member_count = std::nullopt);
  // Fills *m with the next member; false after the last.
  bool Next(JsonMember* m);

 private:
  std::string_view text_;
  size_t pos_;
  size_t index_ = 0;                   // of the next member
  std::optional<size_t> last_member_;  // index of the last member, when known
};

// True if the raw key decodes to `name` (handles escaped keys like "typ\u0065").
bool KeyEquals(std::string_view raw_key, std::string_view name);

// A JSON string value: decodes it into *scratch and returns a view of the
// decoded text; nullopt if raw_value is not a string.
std::optional<std::string_view> StringValue(std::string_view raw_value, std::string* scratch);

// A non-negative integer below 2^64 written as plain digits (no sign, fraction
// or exponent); nullopt otherwise.
std::optional<uint64_t> UintValue(std::string_view raw_value);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_JSON_MEMBERS_H_
