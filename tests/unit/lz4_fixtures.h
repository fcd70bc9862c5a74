// Test helpers for compressed logs: LZ4 frames made with liblz4's own
// compressor (every frame option the reader must handle), and hand-made
// skippable frames and damage.
#ifndef LOGDEX_TESTS_UNIT_LZ4_FIXTURES_H_
#define LOGDEX_TESTS_UNIT_LZ4_FIXTURES_H_

#include <lz4frame.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace logdex::testing {

struct Lz4Options {
  bool linked = false;
  LZ4F_blockSizeID_t block_size = LZ4F_max64KB;
  bool block_checksum = false;
  bool content_checksum = true;
  bool content_size = false;
};

// One LZ4 frame of `data`, fed to the compressor in pieces of `feed` bytes.
inline std::string Lz4Frame(std::string_view data, const Lz4Options& o = {}) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockMode = o.linked ? LZ4F_blockLinked : LZ4F_blockIndependent;
  prefs.frameInfo.blockSizeID = o.block_size;
  prefs.frameInfo.blockChecksumFlag = o.block_checksum ? LZ4F_blockChecksumEnabled : LZ4F_noBlockChecksum;
  prefs.frameInfo.contentChecksumFlag = o.content_checksum ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum;
  prefs.frameInfo.contentSize = o.content_size ? data.size() : 0;
  std::string out(LZ4F_compressFrameBound(data.size(), &prefs), '\0');
  const size_t n = LZ4F_compressFrame(out.data(), out.size(), data.data(), data.size(), &prefs);
  EXPECT_FALSE(LZ4F_isError(n)) << LZ4F_getErrorName(n);
  out.resize(LZ4F_isError(n) ? 0 : n);
  return out;
}

// A skippable frame holding `payload`.
inline std::string SkippableFrame(std::string_view payload, uint32_t magic = 0x184D2A5A) {
  std::string out;
  for (int i = 0; i < 4; ++i) out += static_cast<char>((magic >> (8 * i)) & 0xFF);
  const uint32_t n = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) out += static_cast<char>((n >> (8 * i)) & 0xFF);
  out += payload;
  return out;
}

// JSON lines that compress, but not to nothing: `bytes` long or a little more.
inline std::string LogLines(size_t bytes, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  std::string out;
  for (uint64_t i = 0; out.size() < bytes; ++i) {
    out += "{\"type\":\"user\",\"id\":\"e" + std::to_string(i) + "\",\"n\":" + std::to_string(rng()) +
           ",\"text\":\"" + std::string(rng() % 200, static_cast<char>('a' + rng() % 26)) + "\"}\n";
  }
  return out;
}

}  // namespace logdex::testing

#endif  // LOGDEX_TESTS_UNIT_LZ4_FIXTURES_H_
