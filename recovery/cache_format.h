// Constants of the index cache file (`index.cache`). The grammar, a worked
// example and the reasons are in cache_format.md; this header holds only the
// numbers both the writer and the reader must agree on.
#ifndef LOGDEX_RECOVERY_CACHE_FORMAT_H_
#define LOGDEX_RECOVERY_CACHE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace logdex::recovery {

// ---- Names in the cache dir ------------------------------------------------
inline constexpr std::string_view kCacheFileName = "index.cache";
// A damaged cache is renamed to kCacheFileName + kBadSuffix.
inline constexpr std::string_view kBadSuffix = ".bad";
// Temp files are kCacheFileName + kTempInfix + "<pid>.<counter>"; they are
// never read, only renamed into place or removed.
inline constexpr std::string_view kTempInfix = ".tmp.";
// Mode of a cache dir this process creates, and of the cache file.
inline constexpr unsigned kCacheDirMode = 0700;
inline constexpr unsigned kCacheFileMode = 0600;

// ---- Header (fixed size, little-endian) ------------------------------------
// The first 12 bytes (magic, version) keep their meaning in every version, so
// any reader can tell "another version" from "damaged".
inline constexpr std::string_view kMagic{"LOGDEXC\0", 8};
inline constexpr uint32_t kFormatVersion = 1;

inline constexpr size_t kMagicOffset = 0;
inline constexpr size_t kVersionOffset = 8;           // u32
inline constexpr size_t kFlagsOffset = 12;            // u32, 0 in version 1
inline constexpr size_t kLogDirIdOffset = 16;         // 32 raw bytes
inline constexpr size_t kLogDirIdSize = 32;
inline constexpr size_t kSourceMaskOffset = 48;       // u32, bit per index::Source
inline constexpr size_t kUncompressedSizeOffset = 52; // u64, serialized body
inline constexpr size_t kCompressedSizeOffset = 60;   // u64, LZ4 frame
inline constexpr size_t kBodyCrcOffset = 68;          // u32, CRC-32C of the LZ4 frame
inline constexpr size_t kHeaderCrcOffset = 72;        // u32, CRC-32C of bytes [0, 72)
inline constexpr size_t kHeaderSize = 76;

// Bits of the source mask that name a source (index::kSourceCount of them).
inline constexpr uint32_t kSourceMaskBits = 0x0F;

// ---- Body (after LZ4 decompression) ----------------------------------------
// Source byte of a file whose source is not decided yet.
inline constexpr uint8_t kSourceUndecided = 0xFF;

// ---- Sanity limits: checked before anything is allocated -------------------
// No cache body is believed to decompress to more than this.
inline constexpr uint64_t kMaxUncompressedSize = 64ull << 30;  // 64 GiB
// LZ4 cannot compress better than about 255:1; a declared ratio beyond this
// (plus slack for tiny bodies) is a lie.
inline constexpr uint64_t kMaxCompressionRatio = 256;
inline constexpr uint64_t kCompressionRatioSlack = 64 << 10;
// The smallest encodings, used to bound declared counts by the bytes left.
inline constexpr uint64_t kMinFileBytes = 9;        // 1-byte path, 1-byte varints, no session
inline constexpr uint64_t kMinRunBytes = 8;         // 1-byte varints, 1 data byte, 1 checkpoint
inline constexpr uint64_t kMinCheckpointBytes = 2;  // two 1-byte varints
// A varint is at most this long (a u64 in 7-bit groups).
inline constexpr int kMaxVarintBytes = 10;

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_CACHE_FORMAT_H_
