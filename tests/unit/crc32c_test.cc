// CRC-32C (Castagnoli): the checksum every row carries (SPEC §3).
#include "index/crc32c.h"

#include <string>

#include "gtest/gtest.h"

namespace logdex::index {
namespace {

TEST(Crc32c, CheckValueOf123456789IsE3069283) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
}

TEST(Crc32c, EmptyInputIsZero) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32cExtend(0, nullptr, 0), 0u);
}

TEST(Crc32c, ExtendingByNothingKeepsTheCrc) {
  const uint32_t crc = Crc32c("hello");
  EXPECT_EQ(Crc32cExtend(crc, "", 0), crc);
}

// Known vectors from RFC 3720 (iSCSI) B.4.
TEST(Crc32c, ThirtyTwoZeroBytesMatchRfc3720) {
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
}

TEST(Crc32c, ThirtyTwoOnesBytesMatchRfc3720) {
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
}

TEST(Crc32c, AFrameLineHasItsIndependentlyComputedCrc) {
  // python3: crc32c(b'{"type":"user"}\n') with the bitwise reference.
  EXPECT_EQ(Crc32c("{\"type\":\"user\"}\n"), 0x7B6AA93Au);
}

TEST(Crc32c, ExtendComposesAtEverySplitPoint) {
  const std::string data = "The quick brown fox jumps over the lazy dog\n";
  const uint32_t whole = Crc32c(data);
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    const std::string a = data.substr(0, cut), b = data.substr(cut);
    EXPECT_EQ(Crc32cExtend(Crc32c(a), b.data(), b.size()), whole) << "cut at " << cut;
  }
}

TEST(Crc32c, ExtendComposesAcrossALargeBuffer) {
  std::string big(5 * 1024 * 1024 + 7, '\0');
  uint32_t x = 12345;
  for (char& c : big) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  const uint32_t whole = Crc32c(big);
  // Pieces of awkward sizes, fed one after another.
  uint32_t crc = 0;
  size_t pos = 0, piece = 1;
  while (pos < big.size()) {
    const size_t n = std::min(piece, big.size() - pos);
    crc = Crc32cExtend(crc, big.data() + pos, n);
    pos += n;
    piece = piece * 3 + 1;
  }
  EXPECT_EQ(crc, whole);
  // And one split in the middle.
  const size_t half = big.size() / 2 + 3;
  EXPECT_EQ(Crc32cExtend(Crc32c(std::string_view(big).substr(0, half)), big.data() + half,
                         big.size() - half),
            whole);
}

}  // namespace
}  // namespace logdex::index
