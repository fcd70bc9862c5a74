// JSON string literals: decoding what a log wrote, encoding what a row shows.
//
// Decoded text is WTF-8: UTF-8, plus unpaired surrogates (which real agent logs
// contain as \udXXX escapes) as their 3-byte generalized-UTF-8 form ED A0..BF
// xx. Valid UTF-8 never holds those bytes, so the encoder can tell them apart
// and write them back as \udxxx (SPEC §3).
#ifndef LOGDEX_INDEX_JSON_STRING_H_
#define LOGDEX_INDEX_JSON_STRING_H_

#include <string>
#include <string_view>

namespace logdex::index {

// Decodes the body of a JSON string literal (the bytes between its quotes,
// escapes intact) into WTF-8, appending to *out. The body must come from a
// validated JSON text; returns false on a malformed escape anyway.
// A \uD8xx\uDCxx pair decodes to one code point; any other surrogate stays
// unpaired.
bool DecodeJsonString(std::string_view body, std::string* out);

// Appends `text` (WTF-8) as a quoted JSON string with minimal escaping:
// `"` and `\`, U+0000..U+001F as \b \f \n \r \t or \u00xx, unpaired
// surrogates as \udxxx (lowercase hex), everything else literal.
void AppendJsonString(std::string_view text, std::string* out);

// The same bytes written at `p`, which has room for at least
// kMaxJsonStringGrowth * text.size() + 2 bytes; returns the end of them.
inline constexpr size_t kMaxJsonStringGrowth = 6;
char* WriteJsonString(std::string_view text, char* p);

// The number of bytes AppendJsonString(text) appends, without writing them.
size_t JsonStringLength(std::string_view text);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_JSON_STRING_H_
