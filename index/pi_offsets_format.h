// Constants of pi's session store v2 as logdex reads it: segment frames in,
// offsets.jsonl rows out. The grammar, a worked example and every choice
// made where pi's sources leave room are in pi_offsets_format.md;
// pi_frame.cc parses frames, pi_offsets.cc writes rows.
#ifndef LOGDEX_INDEX_PI_OFFSETS_FORMAT_H_
#define LOGDEX_INDEX_PI_OFFSETS_FORMAT_H_

#include <array>
#include <cstdint>
#include <string_view>

namespace logdex::index::pi_format {

// Store layout (PI_FORMAT §1.2), relative to the store's directory. Each is
// a whole string literal, so data() is NUL-terminated and may be given to
// openat(2) as it is.
inline constexpr std::string_view kSegmentsDir = "segments";
inline constexpr std::string_view kIndexDir = "index";
inline constexpr std::string_view kOffsetsFile = "offsets.jsonl";        // inside kIndexDir
inline constexpr std::string_view kOffsetsPath = "index/offsets.jsonl";  // kIndexDir/kOffsetsFile
static_assert(kOffsetsPath.substr(0, kIndexDir.size()) == kIndexDir &&
              kOffsetsPath[kIndexDir.size()] == '/' &&
              kOffsetsPath.substr(kIndexDir.size() + 1) == kOffsetsFile);
static_assert(kSegmentsDir.data()[kSegmentsDir.size()] == '\0' &&
              kIndexDir.data()[kIndexDir.size()] == '\0' &&
              kOffsetsFile.data()[kOffsetsFile.size()] == '\0' &&
              kOffsetsPath.data()[kOffsetsPath.size()] == '\0');
inline constexpr std::string_view kSegmentExtension = ".seg";

inline constexpr std::string_view kSegmentFrameSchema = "pi.session_store_v2.segment_frame.v1";
inline constexpr std::string_view kOffsetIndexSchema = "pi.session_store_v2.offset_index.v1";
inline constexpr std::string_view kActiveState = "active";

// pi's bounded line read (MAX_FRAME_READ_BYTES): a line is at most this many
// bytes, its '\n' included.
inline constexpr uint64_t kMaxLineBytes = 104'857'600;  // 100 MiB

// Nesting allowed in a whole frame line (our limit, index/json_validator.h;
// serde_json itself does not limit a payload's depth).
inline constexpr int kMaxFrameDepth = 1024;

// The members of a SegmentFrame, in pi's serialization order. Every one is
// required but kParentEntryId (a string or null); no other key is allowed.
enum FrameKey {
  kSchema,
  kSegmentSeq,
  kFrameSeq,
  kEntrySeq,
  kEntryId,
  kParentEntryId,
  kEntryType,
  kTimestamp,
  kPayloadSha256,
  kPayloadBytes,
  kPayload,
  kFrameKeyCount,
};
inline constexpr std::array<std::string_view, kFrameKeyCount> kFrameKeys = {
    "schema",    "segmentSeq", "frameSeq",      "entrySeq",     "entryId", "parentEntryId",
    "entryType", "timestamp",  "payloadSha256", "payloadBytes", "payload"};

// The members of an offsets.jsonl row, in order; all always present.
inline constexpr std::array<std::string_view, 9> kRowKeys = {"schema",     "entrySeq", "entryId",
                                                             "segmentSeq", "frameSeq", "byteOffset",
                                                             "byteLength", "crc32c",   "state"};

}  // namespace logdex::index::pi_format

#endif  // LOGDEX_INDEX_PI_OFFSETS_FORMAT_H_
