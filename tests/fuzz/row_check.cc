#include "tests/fuzz/row_check.h"

#include <simdjson.h>

#include <array>

#include "tests/fuzz/fuzz_support.h"

namespace logdex::fuzz {
namespace {

constexpr std::array<std::string_view, 13> kKeyOrder = {
    "file",      "byteOffset", "byteLength",    "crc32c",    "source",    "state",   "error",
    "entryType", "entryId",    "parentEntryId", "sessionId", "timestamp", "entrySeq"};

// `row` with every \ud800-\udfff escape (a lone surrogate, high or low: SPEC §3 writes paired
// ones as UTF-8) replaced by \ufffd, escape-aware, so simdjson can read the rest of it.
std::string WithoutLoneSurrogates(std::string_view row) {
  std::string out(row);
  bool in_string = false;
  for (size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    if (!in_string) {
      if (c == '"') in_string = true;
      continue;
    }
    if (c == '"') {
      in_string = false;
    } else if (c == '\\' && i + 1 < out.size()) {
      if (out[i + 1] == 'u' && i + 5 < out.size() && out[i + 2] == 'd' &&
          std::string_view("89abcdef").find(out[i + 3]) != std::string_view::npos) {
        out.replace(i + 2, 4, "fffd");
        i += 5;
      } else {
        ++i;  // skip the escaped character
      }
    }
  }
  return out;
}

// True if no byte outside a string is JSON whitespace.
bool IsCompact(std::string_view text) {
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      return false;
    }
  }
  return true;
}

std::string Str(std::string_view s) { return std::string(s); }

}  // namespace

ParsedRow CheckRow(std::string_view row) {
  const std::string text(row);
  FUZZ_CHECK(!row.empty() && row.back() == '\n', "row does not end in \\n: " + text);
  FUZZ_CHECK(row.find('\n') == row.size() - 1, "row holds a raw \\n: " + text);
  std::string_view body = row.substr(0, row.size() - 1);
  FUZZ_CHECK(!body.empty() && body.front() == '{' && body.back() == '}', "not an object: " + text);
  FUZZ_CHECK(IsCompact(body), "whitespace outside strings: " + text);
  const std::string readable = WithoutLoneSurrogates(body);

  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  const auto err = parser.parse(readable).get(doc);
  FUZZ_CHECK(!err, std::string("simdjson refuses the row (") + simdjson::error_message(err) +
                       "): " + text);
  simdjson::dom::object obj;
  FUZZ_CHECK(!doc.get_object().get(obj), "row is not an object: " + text);

  ParsedRow out;
  size_t next_key = 0;
  bool has[kKeyOrder.size()] = {};
  for (auto field : obj) {
    const std::string_view key = field.key;
    size_t k = next_key;
    while (k < kKeyOrder.size() && kKeyOrder[k] != key) ++k;
    FUZZ_CHECK(k < kKeyOrder.size(), "key '" + Str(key) + "' unknown or out of order: " + text);
    has[k] = true;
    next_key = k + 1;
    const simdjson::dom::element v = field.value;
    if (key == "byteOffset" || key == "byteLength" || key == "entrySeq") {
      uint64_t n = 0;
      FUZZ_CHECK(!v.get_uint64().get(n), "not an unsigned integer: " + Str(key) + " in " + text);
      if (key == "byteOffset") out.byte_offset = n;
      if (key == "byteLength") out.byte_length = n;
      if (key == "entrySeq") out.entry_seq = n;
      continue;
    }
    std::string_view s;
    FUZZ_CHECK(!v.get_string().get(s), "not a string: " + Str(key) + " in " + text);
    if (key == "file") out.file = Str(s);
    if (key == "crc32c") {
      FUZZ_CHECK(s.size() == 8 && s.find_first_not_of("0123456789ABCDEF") == s.npos,
                 "crc32c not 8 uppercase hex digits: " + text);
      out.crc32c = static_cast<uint32_t>(std::stoul(Str(s), nullptr, 16));
    }
    if (key == "source") out.source = Str(s);
    if (key == "state") out.state = Str(s);
    if (key == "error") out.error = Str(s);
    if (key == "entryType") out.entry_type = Str(s);
    if (key == "entryId") out.entry_id = Str(s);
    if (key == "parentEntryId") out.parent_entry_id = Str(s);
    if (key == "sessionId") out.session_id = Str(s);
    if (key == "timestamp") out.timestamp = Str(s);
  }
  for (size_t k = 0; k < 6; ++k) {
    FUZZ_CHECK(has[k], "required key missing: " + Str(kKeyOrder[k]) + " in " + text);
  }
  FUZZ_CHECK(out.source == "pi" || out.source == "codex" || out.source == "claude" ||
                 out.source == "jsonl",
             "bad source: " + text);
  FUZZ_CHECK(out.state == "active" || out.state == "corrupt", "bad state: " + text);
  if (out.state == "corrupt") {
    FUZZ_CHECK(out.error.has_value(), "corrupt row without error: " + text);
    const std::string& e = *out.error;
    FUZZ_CHECK(e == "json" || e == "oversized" || e == "schema" || e == "payload_hash" ||
                   e == "payload_bytes",
               "bad error: " + text);
    for (size_t k = 7; k < kKeyOrder.size(); ++k) {
      FUZZ_CHECK(!has[k], "corrupt row carries " + Str(kKeyOrder[k]) + ": " + text);
    }
  } else {
    FUZZ_CHECK(!out.error.has_value(), "active row with error: " + text);
  }
  return out;
}

}  // namespace logdex::fuzz
