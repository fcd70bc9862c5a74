// The LZ4 frame format as logdex reads it: constants only. The grammar, a
// worked example and the reasons are in lz4_format.md beside this file.
// Decoding itself is liblz4's (lz4frame.h); logdex parses only the framing
// it needs to find blocks: magic numbers, the 4-byte block headers and the
// sizes of the optional checksums.
#ifndef LOGDEX_INDEX_LZ4_FORMAT_H_
#define LOGDEX_INDEX_LZ4_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace logdex::index::lz4_format {

// A backing file NAME + kSuffix is shown as NAME (SPEC §7).
inline constexpr std::string_view kSuffix = ".lz4";

inline constexpr uint32_t kFrameMagic = 0x184D2204;          // little-endian on disk
inline constexpr uint32_t kSkippableMagicMask = 0xFFFFFFF0;  // 0x184D2A50..0x184D2A5F
inline constexpr uint32_t kSkippableMagic = 0x184D2A50;
inline constexpr uint32_t kLegacyMagic = 0x184C2102;         // `lz4 -l`; not supported

inline constexpr size_t kMagicBytes = 4;
inline constexpr size_t kSkippableHeaderBytes = 8;  // magic + 4-byte length
inline constexpr size_t kMaxHeaderBytes = 19;       // LZ4F_HEADER_SIZE_MAX
inline constexpr size_t kBlockHeaderBytes = 4;      // size | 0x80000000 when stored
inline constexpr uint32_t kBlockStoredFlag = 0x80000000u;
inline constexpr size_t kChecksumBytes = 4;         // block and content checksums (xxh32)

// Linked blocks may refer back this far into the bytes before them.
inline constexpr size_t kWindowBytes = 64 * 1024;

// Largest block a frame may declare (blockSizeID 7).
inline constexpr size_t kMaxBlockBytes = 4 * 1024 * 1024;

}  // namespace logdex::index::lz4_format

#endif  // LOGDEX_INDEX_LZ4_FORMAT_H_
