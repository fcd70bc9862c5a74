#include "index/crc32c.h"

#include <isa-l/crc.h>

namespace logdex::index {

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n) {
  // ISA-L works on the raw register: pre- and post-inverted here. It takes an
  // int length, so feed it in pieces below 2 GiB.
  uint32_t state = crc ^ 0xFFFFFFFFu;
  const auto* p = static_cast<const unsigned char*>(data);
  constexpr size_t kPiece = size_t{1} << 30;
  while (n > 0) {
    const size_t len = n < kPiece ? n : kPiece;
    state = crc32_iscsi(const_cast<unsigned char*>(p), static_cast<int>(len), state);
    p += len;
    n -= len;
  }
  return state ^ 0xFFFFFFFFu;
}

}  // namespace logdex::index
