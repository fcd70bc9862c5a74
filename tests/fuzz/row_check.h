// Checks a rendered row of index.ndjson against SPEC §3 with simdjson (an independent reading of
// the row bytes, not the product's own parser).
#ifndef LOGDEX_TESTS_FUZZ_ROW_CHECK_H_
#define LOGDEX_TESTS_FUZZ_ROW_CHECK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace logdex::fuzz {

// What a row says, read back with simdjson.
struct ParsedRow {
  std::string file;
  uint64_t byte_offset = 0;
  uint64_t byte_length = 0;
  uint32_t crc32c = 0;
  std::string source;
  std::string state;
  std::optional<std::string> error;
  std::optional<std::string> entry_type, entry_id, parent_entry_id, session_id, timestamp;
  std::optional<uint64_t> entry_seq;
};

// Parses one row (its '\n' included) and checks its shape: one compact JSON object ending in
// exactly one '\n', keys a subsequence of SPEC §3's order, each of the right type, crc32c eight
// uppercase hex digits, state active or corrupt, a corrupt row carrying only `error` (one of
// SPEC §3's) among the optional keys, an active one no `error`. Aborts on any violation.
// Lone surrogates (high or low), which the row writes as \udxxx and simdjson refuses, are read
// as U+FFFD.
ParsedRow CheckRow(std::string_view row);

}  // namespace logdex::fuzz

#endif  // LOGDEX_TESTS_FUZZ_ROW_CHECK_H_
