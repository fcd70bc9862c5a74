// A tiny log dir with one file of each source, a torn tail, a blank line, a
// corrupt frame and files that are not logs, and its canonical index written
// by hand from SPEC §2-4. CRCs were computed independently (python3, bitwise
// CRC-32C) so a wrong CRC in the library shows here.
#ifndef LOGDEX_TESTS_UNIT_TINY_LOG_DIR_H_
#define LOGDEX_TESTS_UNIT_TINY_LOG_DIR_H_

#include <string>
#include <string_view>

#include "temp_dir.h"

namespace logdex::testing {

// sha256("{}") = 44136fa3...; the second pi frame lies about payloadBytes.
inline constexpr std::string_view kTinyPiFrame =
    R"({"schema":"pi.session_store_v2.segment_frame.v1","segmentSeq":1,"frameSeq":1,"entrySeq":1,"entryId":"e1","entryType":"message","timestamp":"2026-01-28T10:00:00Z","payloadSha256":"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","payloadBytes":2,"payload":{}})"
    "\n";

inline void WriteTinyLogDir(const TempDir& dir) {
  dir.Write("a.jsonl", "{\"type\":\"x\",\"id\":\"1\"}\nnot json\n{\"id\":\"2\"");  // torn tail: 9 bytes
  dir.Write("proj/s.jsonl",
            R"({"type":"user","uuid":"u1","sessionId":"s-1","timestamp":"2026-01-28T10:00:00Z"})"
            "\n\n"
            R"({"type":"assistant","uuid":"u2","parentUuid":"u1","sessionId":"s-1"})"
            "\n");
  dir.Write("codex/r.jsonl",
            R"({"type":"session_meta","payload":{"id":"c1"}})"
            "\n"
            R"({"type":"turn","timestamp":"t"})"
            "\n");
  std::string bad(kTinyPiFrame);
  bad.replace(bad.find("\"payloadBytes\":2"), 16, "\"payloadBytes\":3");
  dir.Write("s1.v2/segments/0000000000000001.seg", std::string(kTinyPiFrame) + bad);
  dir.Write("index.ndjson", "{\"hidden\":\"by the virtual index\"}\n");
  dir.Write("notes.txt", "{\"type\":\"not a log\"}\n");
}

inline constexpr uint64_t kTinyLogBytes = 40 + 151 + 78 + 552;

inline constexpr std::string_view kTinyIndex =
    R"({"file":"a.jsonl","byteOffset":0,"byteLength":22,"crc32c":"14723AF7","source":"jsonl","state":"active","entryType":"x","entryId":"1"})"
    "\n"
    R"({"file":"a.jsonl","byteOffset":22,"byteLength":9,"crc32c":"44805890","source":"jsonl","state":"corrupt","error":"json"})"
    "\n"
    R"({"file":"codex/r.jsonl","byteOffset":0,"byteLength":46,"crc32c":"64A9DDC8","source":"codex","state":"active","entryType":"session_meta","sessionId":"c1"})"
    "\n"
    R"({"file":"codex/r.jsonl","byteOffset":46,"byteLength":32,"crc32c":"F49096DA","source":"codex","state":"active","entryType":"turn","sessionId":"c1","timestamp":"t"})"
    "\n"
    R"({"file":"proj/s.jsonl","byteOffset":0,"byteLength":81,"crc32c":"C27BFAE0","source":"claude","state":"active","entryType":"user","entryId":"u1","sessionId":"s-1","timestamp":"2026-01-28T10:00:00Z"})"
    "\n"
    R"({"file":"proj/s.jsonl","byteOffset":82,"byteLength":69,"crc32c":"00A76BAB","source":"claude","state":"active","entryType":"assistant","entryId":"u2","parentEntryId":"u1","sessionId":"s-1"})"
    "\n"
    R"({"file":"s1.v2/segments/0000000000000001.seg","byteOffset":0,"byteLength":276,"crc32c":"F8FB95AD","source":"pi","state":"active","entryType":"message","entryId":"e1","sessionId":"s1","timestamp":"2026-01-28T10:00:00Z","entrySeq":1})"
    "\n"
    R"({"file":"s1.v2/segments/0000000000000001.seg","byteOffset":276,"byteLength":276,"crc32c":"0AF79853","source":"pi","state":"corrupt","error":"payload_bytes"})"
    "\n";

}  // namespace logdex::testing

#endif  // LOGDEX_TESTS_UNIT_TINY_LOG_DIR_H_
