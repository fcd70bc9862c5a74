// Test helpers for pi session stores: PI_FORMAT §8's worked example (a
// segment of two frames and the two offsets.jsonl rows pi's rebuild writes
// for it, computed independently of logdex), and the verbs that make up
// other stores: a segment's file name and a frame line.
#ifndef LOGDEX_TESTS_UNIT_PI_FIXTURES_H_
#define LOGDEX_TESTS_UNIT_PI_FIXTURES_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "index/sha256.h"

namespace logdex::testing::pi {

// PI_FORMAT §8: segments/0000000000000001.seg is kFrame1 + kFrame2 (861
// bytes); index/offsets.jsonl is kRow1 + kRow2.
inline constexpr std::string_view kFrame1 =
    R"({"schema":"pi.session_store_v2.segment_frame.v1","segmentSeq":1,"frameSeq":1,"entrySeq":1,"entryId":"a1b2c3d4","entryType":"message","timestamp":"2026-02-15T18:10:00.125Z","payloadSha256":"9d936797b52f746b03b8840097ddadca1fb298666cc196aded0dab44922da5bd","payloadBytes":143,"payload":{"id":"a1b2c3d4","message":{"content":"hello","role":"user","timestamp":1771179000123},"timestamp":"2026-02-15T18:10:00.123Z","type":"message"}})"
    "\n";
inline constexpr std::string_view kFrame2 =
    R"({"schema":"pi.session_store_v2.segment_frame.v1","segmentSeq":1,"frameSeq":2,"entrySeq":2,"entryId":"e5f6a7b8","parentEntryId":"a1b2c3d4","entryType":"session_info","timestamp":"2026-02-15T18:10:01.002Z","payloadSha256":"877c239b2b9d7fe0ca9b299fab39f1dbe26242225be56d02e38c52f7ffd60429","payloadBytes":114,"payload":{"id":"e5f6a7b8","name":"demo","parentId":"a1b2c3d4","timestamp":"2026-02-15T18:10:01.000Z","type":"session_info"}})"
    "\n";
inline constexpr std::string_view kRow1 =
    R"({"schema":"pi.session_store_v2.offset_index.v1","entrySeq":1,"entryId":"a1b2c3d4","segmentSeq":1,"frameSeq":1,"byteOffset":0,"byteLength":429,"crc32c":"50A42863","state":"active"})"
    "\n";
inline constexpr std::string_view kRow2 =
    R"({"schema":"pi.session_store_v2.offset_index.v1","entrySeq":2,"entryId":"e5f6a7b8","segmentSeq":1,"frameSeq":2,"byteOffset":429,"byteLength":432,"crc32c":"638DCC43","state":"active"})"
    "\n";

// The name pi gives segment n: "0000000000000007.seg".
inline std::string SegName(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llu.seg", static_cast<unsigned long long>(n));
  return buf;
}

// A frame line as pi writes it, without its '\n'. `id` is raw JSON text (""
// for "e<entry>"); payloadSha256 and payloadBytes are those of `payload`
// (pi's rebuild checks neither, logdex's own index does).
inline std::string Frame(uint64_t seg, uint64_t frame, uint64_t entry, std::string_view id = "",
                         std::string_view payload = R"({"n":1})") {
  const std::string id_json = id.empty() ? "\"e" + std::to_string(entry) + "\"" : std::string(id);
  index::Sha256 sha;
  return R"({"schema":"pi.session_store_v2.segment_frame.v1","segmentSeq":)" + std::to_string(seg) +
         R"(,"frameSeq":)" + std::to_string(frame) + R"(,"entrySeq":)" + std::to_string(entry) +
         R"(,"entryId":)" + id_json +
         R"(,"entryType":"message","timestamp":"2026-02-15T18:10:00.125Z","payloadSha256":")" +
         sha.HexDigest(payload) + R"(","payloadBytes":)" + std::to_string(payload.size()) +
         R"(,"payload":)" + std::string(payload) + "}";
}

}  // namespace logdex::testing::pi

#endif  // LOGDEX_TESTS_UNIT_PI_FIXTURES_H_
