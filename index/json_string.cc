#include "index/json_string.h"

#include <cstdint>
#include <cstring>

namespace logdex::index {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads the 4 hex digits after "\u" at body[i]; -1 if malformed.
int32_t ReadU16(std::string_view body, size_t i) {
  if (i + 6 > body.size() || body[i] != '\\' || body[i + 1] != 'u') return -1;
  int32_t v = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    const int h = HexValue(body[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// Code points up to U+10FFFF, surrogates included (giving WTF-8).
void AppendCodePoint(uint32_t cp, std::string* out) {
  char b[4];
  size_t n;
  if (cp < 0x80) {
    b[0] = static_cast<char>(cp);
    n = 1;
  } else if (cp < 0x800) {
    b[0] = static_cast<char>(0xC0 | (cp >> 6));
    b[1] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    b[0] = static_cast<char>(0xE0 | (cp >> 12));
    b[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    b[2] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    b[0] = static_cast<char>(0xF0 | (cp >> 18));
    b[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    b[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    b[3] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 4;
  }
  out->append(b, n);
}

// Bytes that AppendJsonString copies without a look: printable ASCII but
// '"' and '\\', and UTF-8 lead/continuation bytes other than 0xED (which may
// start an unpaired surrogate).
struct PlainTable {
  bool plain[256];
  constexpr PlainTable() : plain() {
    for (int c = 0; c < 256; ++c) plain[c] = c >= 0x20 && c != '"' && c != '\\' && c != 0xED;
  }
};
constexpr PlainTable kPlain;

}  // namespace

bool DecodeJsonString(std::string_view body, std::string* out) {
  size_t i = 0;
  while (i < body.size()) {
    const void* bs = std::memchr(body.data() + i, '\\', body.size() - i);
    const size_t stop = bs ? static_cast<size_t>(static_cast<const char*>(bs) - body.data())
                           : body.size();
    out->append(body.data() + i, stop - i);
    i = stop;
    if (i >= body.size()) break;
    if (i + 1 >= body.size()) return false;
    const char e = body[i + 1];
    switch (e) {
      case '"': out->push_back('"'); i += 2; continue;
      case '\\': out->push_back('\\'); i += 2; continue;
      case '/': out->push_back('/'); i += 2; continue;
      case 'b': out->push_back('\b'); i += 2; continue;
      case 'f': out->push_back('\f'); i += 2; continue;
      case 'n': out->push_back('\n'); i += 2; continue;
      case 'r': out->push_back('\r'); i += 2; continue;
      case 't': out->push_back('\t'); i += 2; continue;
      case 'u': break;
      default: return false;
    }
    const int32_t u = ReadU16(body, i);
    if (u < 0) return false;
    i += 6;
    if (u >= 0xD800 && u <= 0xDBFF) {
      const int32_t lo = ReadU16(body, i);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        AppendCodePoint(0x10000 + ((static_cast<uint32_t>(u) - 0xD800) << 10) +
                            (static_cast<uint32_t>(lo) - 0xDC00),
                        out);
        i += 6;
        continue;
      }
    }
    AppendCodePoint(static_cast<uint32_t>(u), out);
  }
  return true;
}

void AppendJsonString(std::string_view text, std::string* out) {
  // Room for the worst case, written in place, then cut to what was written.
  const size_t old = out->size();
  out->resize(old + kMaxJsonStringGrowth * text.size() + 2);
  char* end = WriteJsonString(text, out->data() + old);
  out->resize(static_cast<size_t>(end - out->data()));
}

char* WriteJsonString(std::string_view text, char* p) {
  static constexpr char kHex[] = "0123456789abcdef";
  *p++ = '"';
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && kPlain.plain[s[j]]) ++j;
    std::memcpy(p, text.data() + i, j - i);
    p += j - i;
    if (j >= n) break;
    const unsigned char c = s[j];
    i = j + 1;
    char two = 0;
    switch (c) {
      case '"': two = '"'; break;
      case '\\': two = '\\'; break;
      case '\b': two = 'b'; break;
      case '\f': two = 'f'; break;
      case '\n': two = 'n'; break;
      case '\r': two = 'r'; break;
      case '\t': two = 't'; break;
      default: break;
    }
    if (two != 0) {
      *p++ = '\\';
      *p++ = two;
      continue;
    }
    if (c < 0x20) {
      const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      std::memcpy(p, esc, 6);
      p += 6;
      continue;
    }
    // c == 0xED: an unpaired surrogate (ED A0..BF xx) or an ordinary
    // U+D000..U+D7FF character (ED 80..9F xx).
    if (j + 2 < n && s[j + 1] >= 0xA0 && s[j + 1] <= 0xBF) {
      const uint32_t cp = ((c & 0x0Fu) << 12) | ((s[j + 1] & 0x3Fu) << 6) | (s[j + 2] & 0x3Fu);
      const char esc[6] = {'\\', 'u', kHex[(cp >> 12) & 15], kHex[(cp >> 8) & 15],
                           kHex[(cp >> 4) & 15], kHex[cp & 15]};
      std::memcpy(p, esc, 6);
      p += 6;
      i = j + 3;
      continue;
    }
    *p++ = static_cast<char>(c);
  }
  *p++ = '"';
  return p;
}

size_t JsonStringLength(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t len = 2;  // the quotes
  for (size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    if (kPlain.plain[c]) {
      ++len;
      ++i;
    } else if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
               c == '\t') {
      len += 2;
      ++i;
    } else if (c < 0x20) {
      len += 6;
      ++i;
    } else if (i + 2 < n && s[i + 1] >= 0xA0 && s[i + 1] <= 0xBF) {  // unpaired surrogate
      len += 6;
      i += 3;
    } else {
      ++len;
      ++i;
    }
  }
  return len;
}

}  // namespace logdex::index
