// Strict UTF-8 (RFC 3629): no overlong forms, no encoded surrogates, nothing
// above U+10FFFF. Used for frame text and for log file paths.
#ifndef LOGDEX_INDEX_UTF8_H_
#define LOGDEX_INDEX_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace logdex::index {

// p points at a byte >= 0x80: advances p past one valid multi-byte sequence,
// or returns false.
inline bool SkipUtf8Sequence(const unsigned char*& p, const unsigned char* end) {
  auto cont = [](unsigned char c) { return (c & 0xC0) == 0x80; };
  const unsigned char c = *p;
  const ptrdiff_t left = end - p;
  if (c >= 0xC2 && c <= 0xDF) {
    if (left < 2 || !cont(p[1])) return false;
    p += 2;
    return true;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !cont(p[1]) || !cont(p[2])) return false;
    if (c == 0xE0 && p[1] < 0xA0) return false;  // overlong
    if (c == 0xED && p[1] > 0x9F) return false;  // surrogate
    p += 3;
    return true;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !cont(p[1]) || !cont(p[2]) || !cont(p[3])) return false;
    if (c == 0xF0 && p[1] < 0x90) return false;  // overlong
    if (c == 0xF4 && p[1] > 0x8F) return false;  // above U+10FFFF
    p += 4;
    return true;
  }
  return false;
}

inline bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    if (*p < 0x80) {
      ++p;
    } else if (!SkipUtf8Sequence(p, end)) {
      return false;
    }
  }
  return true;
}

// `s` with every byte that does not start a valid sequence replaced by
// U+FFFD: what reports (status.json, verify --json) show for paths that are
// not UTF-8.
inline std::string ReplaceInvalidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char* start = p;
    if (*p < 0x80) {
      ++p;
    } else if (!SkipUtf8Sequence(p, end)) {
      out += "\xEF\xBF\xBD";
      ++p;
      continue;
    }
    out.append(reinterpret_cast<const char*>(start), static_cast<size_t>(p - start));
  }
  return out;
}

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_UTF8_H_
