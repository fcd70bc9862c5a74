// CRC-32C (Castagnoli), as every row's `crc32c` field. Backed by ISA-L.
// Check value: Crc32c("123456789") == 0xE3069283.
#ifndef LOGDEX_INDEX_CRC32C_H_
#define LOGDEX_INDEX_CRC32C_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace logdex::index {

// Returns the CRC-32C of data[0, n) extended from `crc`, the CRC of the bytes
// before them (0 for none): Crc32cExtend(Crc32c(a), b) == Crc32c(a + b).
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);

inline uint32_t Crc32c(std::string_view bytes) {
  return Crc32cExtend(0, bytes.data(), bytes.size());
}

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_CRC32C_H_
