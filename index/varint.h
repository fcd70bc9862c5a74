// LEB128 varints and zigzag signed integers: the one writer behind every
// compact in-memory or on-disk encoding here (row runs, the cache body,
// session frame lists).
#ifndef LOGDEX_INDEX_VARINT_H_
#define LOGDEX_INDEX_VARINT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace logdex::index {

// Appends v, 7 bits a byte, low bits first, high bit set on all but the last.
inline void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads a varint at *pos, advancing it. False (and *pos unchanged) when the
// bytes end first or the value does not fit 64 bits.
inline bool ReadVarint(std::string_view d, size_t* pos, uint64_t* v) {
  uint64_t value = 0;
  size_t p = *pos;
  for (int shift = 0; shift < 64 && p < d.size(); shift += 7) {
    const auto b = static_cast<uint8_t>(d[p++]);
    value |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (b < 0x80) {
      *pos = p;
      *v = value;
      return true;
    }
  }
  return false;
}

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

inline int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_VARINT_H_
