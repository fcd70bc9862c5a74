// From frames to rows (SPEC §2): which source a file is, which frames are
// valid, pi's checks in order, and which fields each source reads.
#include "index/row_maker.h"

#include <cctype>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "index/crc32c.h"
#include "index/json_string.h"
#include "index/row_format.h"
#include "index/sha256.h"

namespace logdex::index {
namespace {

std::string Hex8(uint32_t crc) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08X", crc);
  return buf;
}

// A pi frame: each field is raw JSON text; an empty string leaves the member
// out. payloadSha256 and payloadBytes default to the right values for payload.
struct Pi {
  std::string schema = R"("pi.session_store_v2.segment_frame.v1")";
  std::string segmentSeq = "1";
  std::string frameSeq = "1";
  std::string entrySeq = "1";
  std::string entryId = R"("e1")";
  std::string parentEntryId = R"("e0")";
  std::string entryType = R"("message")";
  std::string timestamp = R"("2026-01-28T10:00:00Z")";
  std::string payloadSha256 = "";  // default: lowercase hex SHA-256 of payload
  std::string payloadBytes = "";   // default: payload.size()
  std::string payload = R"({"role":"user","content":"hi"})";
  std::string payload_separator = ":";  // what sits between "payload" and its value
};

std::string PiLine(const Pi& pi) {
  Sha256 sha;
  const std::string hash =
      pi.payloadSha256.empty() ? "\"" + sha.HexDigest(pi.payload) + "\"" : pi.payloadSha256;
  const std::string bytes =
      pi.payloadBytes.empty() ? std::to_string(pi.payload.size()) : pi.payloadBytes;
  std::string line = "{";
  auto member = [&](std::string_view key, std::string_view value, std::string_view sep = ":") {
    if (value.empty()) return;
    if (line.size() > 1) line += ",";
    line += "\"" + std::string(key) + "\"" + std::string(sep) + std::string(value);
  };
  member("schema", pi.schema);
  member("segmentSeq", pi.segmentSeq);
  member("frameSeq", pi.frameSeq);
  member("entrySeq", pi.entrySeq);
  member("entryId", pi.entryId);
  member("parentEntryId", pi.parentEntryId);
  member("entryType", pi.entryType);
  member("timestamp", pi.timestamp);
  member("payloadSha256", hash);
  member("payloadBytes", bytes);
  member("payload", pi.payload, pi.payload_separator);
  return line + "}";
}

constexpr std::string_view kSegment = "x/s1.v2/segments/0000000000000001.seg";
// What every active row of a valid default Pi{} frame in kSegment says.
constexpr std::string_view kActivePiRow =
    R"({"source":"pi","state":"active","entryType":"message","entryId":"e1","parentEntryId":"e0","sessionId":"s1","timestamp":"2026-01-28T10:00:00Z","entrySeq":1})";

class RowMakerTest : public ::testing::Test {
 protected:
  // Feeds `lines` (each given a '\n') to one RowMaker for `path`, as
  // consecutive frames of one file, and returns the rows exactly as AppendRow
  // renders them.
  std::vector<std::string> FullRows(std::string_view path, const std::vector<std::string>& lines) {
    std::string buf;
    for (const std::string& l : lines) buf += l + "\n";
    buf.append(kJsonPadding, 'x');  // MakeRow may read this far past a frame
    std::string file_literal;
    AppendJsonString(path, &file_literal);
    RowMaker maker(path);
    std::vector<std::string> rows;
    size_t offset = 0;
    for (const std::string& l : lines) {
      std::string_view frame = std::string_view(buf).substr(offset, l.size() + 1);
      std::string row;
      AppendRow(file_literal, maker.MakeRow(offset, frame, tools_), &row);
      rows.push_back(row);
      offset += frame.size();
    }
    return rows;
  }

  // Like FullRows, but checks each row's leading file, byteOffset, byteLength
  // and crc32c against its frame here and leaves them out of the result, so
  // tests can state the part that is about sources and fields:
  //   {"source":"claude","state":"active","entryType":"user"}
  std::vector<std::string> Rows(std::string_view path, const std::vector<std::string>& lines) {
    std::vector<std::string> rows = FullRows(path, lines);
    std::string file_literal;
    AppendJsonString(path, &file_literal);
    size_t offset = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string frame = lines[i] + "\n";
      const std::string prefix = "{\"file\":" + file_literal +
                                 ",\"byteOffset\":" + std::to_string(offset) +
                                 ",\"byteLength\":" + std::to_string(frame.size()) +
                                 ",\"crc32c\":\"" + Hex8(Crc32c(frame)) + "\",";
      std::string& row = rows[i];
      if (row.rfind(prefix, 0) == 0 && row.size() > prefix.size() && row.back() == '\n') {
        row = "{" + row.substr(prefix.size(), row.size() - prefix.size() - 1);
      } else {
        ADD_FAILURE() << "row " << i << " does not start with " << prefix
                      << " and end in a newline: " << row;
      }
      offset += frame.size();
    }
    return rows;
  }

  std::string Row(std::string_view path, const std::string& line) {
    std::vector<std::string> rows = Rows(path, {line});
    return rows.empty() ? "" : rows[0];
  }

  FrameTools tools_;
};

using Strings = std::vector<std::string>;

// ---- claude ----

TEST_F(RowMakerTest, ClaudeIsDetectedBySessionId) {
  EXPECT_EQ(Row("p/a.jsonl", R"({"type":"user","sessionId":"s-1"})"),
            R"({"source":"claude","state":"active","entryType":"user","sessionId":"s-1"})");
}

TEST_F(RowMakerTest, ClaudeIsDetectedByUuid) {
  EXPECT_EQ(Row("p/a.jsonl", R"({"uuid":"u1","type":"assistant"})"),
            R"({"source":"claude","state":"active","entryType":"assistant","entryId":"u1"})");
}

TEST_F(RowMakerTest, ClaudeIsDetectedByLeafUuid) {
  EXPECT_EQ(Row("p/a.jsonl", R"({"type":"summary","summary":"Fix it","leafUuid":"u9"})"),
            R"({"source":"claude","state":"active","entryType":"summary"})");
}

TEST_F(RowMakerTest, ClaudeIsDetectedByANullValuedMember) {
  EXPECT_EQ(Row("a.jsonl", R"({"sessionId":null})"), R"({"source":"claude","state":"active"})");
  EXPECT_EQ(Row("a.jsonl", R"({"uuid":null,"id":"i"})"), R"({"source":"claude","state":"active"})");
  EXPECT_EQ(Row("a.jsonl", R"({"leafUuid":null})"), R"({"source":"claude","state":"active"})");
}

TEST_F(RowMakerTest, ClaudeReadsUuidParentUuidTypeSessionIdAndTimestamp) {
  EXPECT_EQ(
      Row("a.jsonl",
          R"({"parentUuid":"u0","isSidechain":false,"type":"user","message":{"role":"user","content":"hi"},"uuid":"u1","timestamp":"2026-01-28T10:00:00.123Z","sessionId":"s-1","id":"not-this","parentId":"nor-this"})"),
      R"({"source":"claude","state":"active","entryType":"user","entryId":"u1","parentEntryId":"u0","sessionId":"s-1","timestamp":"2026-01-28T10:00:00.123Z"})");
}

TEST_F(RowMakerTest, ClaudeNullParentUuidIsLeftOut) {
  EXPECT_EQ(Row("a.jsonl", R"({"parentUuid":null,"uuid":"u1","sessionId":"s"})"),
            R"({"source":"claude","state":"active","entryId":"u1","sessionId":"s"})");
}

// ---- codex ----

TEST_F(RowMakerTest, CodexIsDetectedBySessionMetaAndItsPayloadIdIsEveryRowsSessionId) {
  EXPECT_EQ(
      Rows("c/rollout.jsonl",
           {R"({"timestamp":"2026-01-28T10:00:00.000Z","type":"session_meta","payload":{"id":"0199-aa","cwd":"/w"}})",
            R"({"timestamp":"2026-01-28T10:00:01.000Z","type":"response_item","payload":{"id":"other","type":"message"}})",
            R"({"type":"event_msg","id":"top-id","parentId":"p","sessionId":"not-this"})"}),
      (Strings{
          R"({"source":"codex","state":"active","entryType":"session_meta","sessionId":"0199-aa","timestamp":"2026-01-28T10:00:00.000Z"})",
          R"({"source":"codex","state":"active","entryType":"response_item","sessionId":"0199-aa","timestamp":"2026-01-28T10:00:01.000Z"})",
          R"({"source":"codex","state":"active","entryType":"event_msg","sessionId":"0199-aa"})"}));
}

TEST_F(RowMakerTest, CodexWithoutPayloadIdHasNoSessionId) {
  EXPECT_EQ(Rows("c.jsonl", {R"({"type":"session_meta","payload":{"cwd":"/w"}})",
                             R"({"type":"turn"})"}),
            (Strings{R"({"source":"codex","state":"active","entryType":"session_meta"})",
                     R"({"source":"codex","state":"active","entryType":"turn"})"}));
  EXPECT_EQ(Row("c.jsonl", R"({"type":"session_meta"})"),
            R"({"source":"codex","state":"active","entryType":"session_meta"})");
}

TEST_F(RowMakerTest, CodexPayloadIdOfTheWrongTypeGivesNoSessionId) {
  EXPECT_EQ(Row("c.jsonl", R"({"type":"session_meta","payload":{"id":5}})"),
            R"({"source":"codex","state":"active","entryType":"session_meta"})");
  EXPECT_EQ(Row("c.jsonl", R"({"type":"session_meta","payload":"id"})"),
            R"({"source":"codex","state":"active","entryType":"session_meta"})");
}

TEST_F(RowMakerTest, CodexSessionIdComesOnlyFromTheFirstFrame) {
  EXPECT_EQ(Rows("c.jsonl", {R"({"type":"session_meta","payload":{}})",
                             R"({"type":"session_meta","payload":{"id":"late"}})"}),
            (Strings{R"({"source":"codex","state":"active","entryType":"session_meta"})",
                     R"({"source":"codex","state":"active","entryType":"session_meta"})"}));
}

TEST_F(RowMakerTest, CodexWinsOverClaudeMembersInTheSameFrame) {
  EXPECT_EQ(Row("c.jsonl", R"({"type":"session_meta","sessionId":"s","uuid":"u","payload":{"id":"p"}})"),
            R"({"source":"codex","state":"active","entryType":"session_meta","sessionId":"p"})");
}

TEST_F(RowMakerTest, CodexPayloadIdIsDecoded) {
  EXPECT_EQ(Row("c.jsonl", R"({"type":"session_meta","payload":{"i\u0064":"a\/b"}})"),
            R"({"source":"codex","state":"active","entryType":"session_meta","sessionId":"a/b"})");
}

TEST_F(RowMakerTest, CodexPayloadIsReadThroughWhitespaceAndItsFirstOccurrence) {
  EXPECT_EQ(Row("c.jsonl", R"({"type":"session_meta", "payload" : { "cwd" : "/w" , "id" : "p1" } ,"payload":{"id":"p2"}})"),
            R"({"source":"codex","state":"active","entryType":"session_meta","sessionId":"p1"})");
}

// ---- jsonl ----

TEST_F(RowMakerTest, JsonlReadsIdParentIdTypeAndTimestamp) {
  EXPECT_EQ(Row("j.ndjson", R"({"id":"i1","parentId":"i0","type":"t","timestamp":"now","uuid2":"x"})"),
            R"({"source":"jsonl","state":"active","entryType":"t","entryId":"i1","parentEntryId":"i0","timestamp":"now"})");
}

// A first frame with sessionId would make the file claude; a later one is read.
TEST_F(RowMakerTest, JsonlReadsSessionIdOfLaterFrames) {
  EXPECT_EQ(Rows("j.ndjson", {R"({"type":"start"})",
                              R"({"id":"i1","parentId":"i0","type":"t","sessionId":"s","timestamp":"now"})"}),
            (Strings{R"({"source":"jsonl","state":"active","entryType":"start"})",
                     R"({"source":"jsonl","state":"active","entryType":"t","entryId":"i1","parentEntryId":"i0","sessionId":"s","timestamp":"now"})"}));
}

TEST_F(RowMakerTest, JsonlFrameWithNoKnownFieldsHasOnlyTheRequiredKeys) {
  EXPECT_EQ(Row("j.jsonl", R"({"level":"info","msg":"started"})"),
            R"({"source":"jsonl","state":"active"})");
  EXPECT_EQ(Row("j.jsonl", "{}"), R"({"source":"jsonl","state":"active"})");
}

TEST_F(RowMakerTest, JsonlDoesNotReadEntrySeq) {
  EXPECT_EQ(Row("j.jsonl", R"({"entrySeq":5,"entryId":"e"})"),
            R"({"source":"jsonl","state":"active"})");
}

// ---- deciding the source ----

TEST_F(RowMakerTest, SourceIsDecidedByTheFirstValidFrame) {
  EXPECT_EQ(Rows("a.jsonl", {R"({"broken":)", R"({"uuid":"u1"})", R"({"id":"i"})"}),
            (Strings{R"({"source":"jsonl","state":"corrupt","error":"json"})",
                     R"({"source":"claude","state":"active","entryId":"u1"})",
                     R"({"source":"claude","state":"active"})"}));
}

TEST_F(RowMakerTest, SourceNeverChangesOnceDecided) {
  EXPECT_EQ(Rows("a.jsonl", {R"({"id":"i1"})", R"({"uuid":"u1","id":"i2"})",
                             R"({"type":"session_meta","payload":{"id":"p"}})"}),
            (Strings{R"({"source":"jsonl","state":"active","entryId":"i1"})",
                     R"({"source":"jsonl","state":"active","entryId":"i2"})",
                     R"({"source":"jsonl","state":"active","entryType":"session_meta"})"}));
}

TEST_F(RowMakerTest, SourceIsUndecidedUntilAValidFrame) {
  RowMaker maker("a.jsonl");
  EXPECT_EQ(maker.source(), std::nullopt);
  std::string buf = "nope\n{\"sessionId\":\"s\"}\n" + std::string(kJsonPadding, 'x');
  maker.MakeRow(0, std::string_view(buf).substr(0, 5), tools_);
  EXPECT_EQ(maker.source(), std::nullopt);
  maker.MakeRow(5, std::string_view(buf).substr(5, 18), tools_);
  EXPECT_EQ(maker.source(), Source::kClaude);
}

TEST_F(RowMakerTest, CorruptRowsAfterTheDecisionCarryTheDecidedSource) {
  EXPECT_EQ(Rows("a.jsonl", {R"({"sessionId":"s","type":"user"})", R"({"sessionId":"s",)"}),
            (Strings{R"({"source":"claude","state":"active","entryType":"user","sessionId":"s"})",
                     R"({"source":"claude","state":"corrupt","error":"json"})"}));
}

TEST_F(RowMakerTest, OversizedFirstFrameDoesNotDecideTheSource) {
  RowMaker maker("a.jsonl");
  std::string row;
  AppendRow("\"a.jsonl\"", maker.MakeOversizedRow(0, kMaxFrameBytes + 1, 0x0000ABCDu), &row);
  EXPECT_EQ(
      row,
      R"({"file":"a.jsonl","byteOffset":0,"byteLength":104857601,"crc32c":"0000ABCD","source":"jsonl","state":"corrupt","error":"oversized"})"
      "\n");
  EXPECT_EQ(maker.source(), std::nullopt);
}

TEST_F(RowMakerTest, OversizedRowAfterTheDecisionCarriesTheDecidedSource) {
  RowMaker maker("a.jsonl");
  std::string buf = "{\"uuid\":\"u\"}\n" + std::string(kJsonPadding, 'x');
  maker.MakeRow(0, std::string_view(buf).substr(0, 13), tools_);
  std::string row;
  AppendRow("\"a.jsonl\"", maker.MakeOversizedRow(13, 200000000, 0xFFFFFFFFu), &row);
  EXPECT_EQ(
      row,
      R"({"file":"a.jsonl","byteOffset":13,"byteLength":200000000,"crc32c":"FFFFFFFF","source":"claude","state":"corrupt","error":"oversized"})"
      "\n");
}

// ---- reading fields ----

TEST_F(RowMakerTest, FieldsOfTheWrongTypeAreLeftOut) {
  EXPECT_EQ(Row("a.jsonl",
                R"({"uuid":null,"type":5,"parentUuid":["p"],"sessionId":{"id":"s"},"timestamp":1769594400})"),
            R"({"source":"claude","state":"active"})");
  EXPECT_EQ(Row("j.jsonl", R"({"id":1,"type":true,"parentId":null,"timestamp":"t"})"),
            R"({"source":"jsonl","state":"active","timestamp":"t"})");
}

TEST_F(RowMakerTest, WithDuplicateKeysTheFirstOccurrenceCounts) {
  EXPECT_EQ(Row("j.jsonl", R"({"type":"first","id":"i","type":"second"})"),
            R"({"source":"jsonl","state":"active","entryType":"first","entryId":"i"})");
}

TEST_F(RowMakerTest, FirstOccurrenceCountsEvenWhenItIsNull) {
  EXPECT_EQ(Row("j.jsonl", R"({"type":null,"type":"second"})"),
            R"({"source":"jsonl","state":"active"})");
}

TEST_F(RowMakerTest, DuplicateTypeDecidesCodexByItsFirstOccurrence) {
  EXPECT_EQ(Row("j.jsonl", R"({"type":"x","type":"session_meta","payload":{"id":"p"}})"),
            R"({"source":"jsonl","state":"active","entryType":"x"})");
}

TEST_F(RowMakerTest, EscapedKeyNamesMatch) {
  EXPECT_EQ(Row("a.jsonl", R"({"typ\u0065":"user","\u0073essionId":"s","uu\u0069d":"u"})"),
            R"({"source":"claude","state":"active","entryType":"user","entryId":"u","sessionId":"s"})");
  EXPECT_EQ(Row("c.jsonl", R"({"\u0074ype":"session_m\u0065ta"})"),
            R"({"source":"codex","state":"active","entryType":"session_meta"})");
}

TEST_F(RowMakerTest, StringValuesAreReencodedMinimally) {
  EXPECT_EQ(
      Row("j.jsonl",
          R"({"type":"a\/b\u00e9\u20AC","id":"q\"b\\s\uD800x\udc00","parentId":"\ud83d\ude00\u0001\u001F\u0008","timestamp":"\t\n"})"),
      "{\"source\":\"jsonl\",\"state\":\"active\",\"entryType\":\"a/b\xC3\xA9\xE2\x82\xAC\","
      "\"entryId\":\"q\\\"b\\\\s\\ud800x\\udc00\",\"parentEntryId\":\"\xF0\x9F\x98\x80\\u0001\\u001f\\b\","
      "\"timestamp\":\"\\t\\n\"}");
}

TEST_F(RowMakerTest, LiteralUtf8ValuesStayLiteral) {
  EXPECT_EQ(Row("j.jsonl", "{\"type\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\"}"),
            "{\"source\":\"jsonl\",\"state\":\"active\",\"entryType\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\"}");
}

TEST_F(RowMakerTest, EmptyStringValuesAreKept) {
  EXPECT_EQ(Row("j.jsonl", R"({"type":"","id":""})"),
            R"({"source":"jsonl","state":"active","entryType":"","entryId":""})");
}

TEST_F(RowMakerTest, NestedMembersAreNotTopLevelFields) {
  EXPECT_EQ(Row("j.jsonl", R"({"message":{"type":"inner","sessionId":"s"},"data":[{"uuid":"u"}]})"),
            R"({"source":"jsonl","state":"active"})");
}

// ---- validity of a frame ----

TEST_F(RowMakerTest, CorruptRowHasOnlyTheRequiredKeysAndError) {
  EXPECT_EQ(FullRows("j.jsonl", {R"({"type":"user","uuid":"u1","sessionId":"s"} trailing)"}),
            Strings{R"({"file":"j.jsonl","byteOffset":0,"byteLength":53,"crc32c":")" +
                    Hex8(Crc32c(R"({"type":"user","uuid":"u1","sessionId":"s"} trailing)"
                                "\n")) +
                    R"(","source":"jsonl","state":"corrupt","error":"json"})"
                    "\n"});
}

TEST_F(RowMakerTest, NonObjectsAndGarbageAreCorruptJson) {
  EXPECT_EQ(Rows("j.jsonl", {"[1,2]", R"("str")", "42", "hello", "\v", "{\"a\":1}{}"}),
            (Strings(6, R"({"source":"jsonl","state":"corrupt","error":"json"})")));
}

TEST_F(RowMakerTest, InvalidUtf8IsCorruptJson) {
  EXPECT_EQ(Row("j.jsonl", "{\"type\":\"\xff\"}"),
            R"({"source":"jsonl","state":"corrupt","error":"json"})");
  EXPECT_EQ(Row("j.jsonl", "{\"type\":\"\xED\xA0\x80\"}"),
            R"({"source":"jsonl","state":"corrupt","error":"json"})");
}

TEST_F(RowMakerTest, ByteOrderMarkMakesAFrameCorrupt) {
  EXPECT_EQ(Row("j.jsonl", "\xEF\xBB\xBF{\"type\":\"x\"}"),
            R"({"source":"jsonl","state":"corrupt","error":"json"})");
}

TEST_F(RowMakerTest, NestingBeyond1024IsCorruptJson) {
  const std::string ok = "{\"type\":\"t\",\"a\":" + std::string(1023, '[') + std::string(1023, ']') + "}";
  const std::string deep = "{\"type\":\"t\",\"a\":" + std::string(1024, '[') + std::string(1024, ']') + "}";
  EXPECT_EQ(Rows("j.jsonl", {ok, deep}),
            (Strings{R"({"source":"jsonl","state":"active","entryType":"t"})",
                     R"({"source":"jsonl","state":"corrupt","error":"json"})"}));
}

TEST_F(RowMakerTest, EscapedUnpairedSurrogatesAndHugeNumbersAreValid) {
  EXPECT_EQ(Row("j.jsonl", R"({"type":"\udead","n":1e400,"m":-0})"),
            R"({"source":"jsonl","state":"active","entryType":"\udead"})");
}

TEST_F(RowMakerTest, WhitespaceAroundTheObjectIsValid) {
  EXPECT_EQ(Row("j.jsonl", " \t{ \"type\" : \"t\" }\t "),
            R"({"source":"jsonl","state":"active","entryType":"t"})");
}

TEST_F(RowMakerTest, CrlfFrameIsValidAndItsCrcCoversTheCarriageReturn) {
  // python3: crc32c(b'{"type":"x"}\r\n') == 0x68290A97 (bitwise reference).
  EXPECT_EQ(FullRows("w.jsonl", {"{\"type\":\"x\"}\r", "{\"type\":\"x\"}"}),
            (Strings{
                R"({"file":"w.jsonl","byteOffset":0,"byteLength":14,"crc32c":"68290A97","source":"jsonl","state":"active","entryType":"x"})"
                "\n",
                R"({"file":"w.jsonl","byteOffset":14,"byteLength":13,"crc32c":"476149BB","source":"jsonl","state":"active","entryType":"x"})"
                "\n"}));
}

TEST_F(RowMakerTest, ClaudeFrameRendersAsTheSpecExample) {
  // SPEC §3's example row, for a frame padded to its 312 bytes; the CRC is of
  // this frame (python3, bitwise reference), not the example's made-up one.
  const std::string frame =
      R"({"type":"user","uuid":"u1","sessionId":"s-1","timestamp":"2026-01-28T10:00:00Z","message":{"role":"user","content":")" +
      std::string(192, 'x') + R"("}})";
  EXPECT_EQ(
      FullRows("proj/a.jsonl", {frame}),
      Strings{
          R"({"file":"proj/a.jsonl","byteOffset":0,"byteLength":312,"crc32c":"F348BFA0","source":"claude","state":"active","entryType":"user","entryId":"u1","sessionId":"s-1","timestamp":"2026-01-28T10:00:00Z"})"
          "\n"});
}

TEST_F(RowMakerTest, FileNameIsRenderedAsAJsonString) {
  EXPECT_EQ(FullRows("d/q\"\xC3\xA9\n.jsonl", {"{}"}),
            Strings{"{\"file\":\"d/q\\\"\xC3\xA9\\n.jsonl\",\"byteOffset\":0,\"byteLength\":3,"
                    "\"crc32c\":\"" + Hex8(Crc32c("{}\n")) +
                    "\",\"source\":\"jsonl\",\"state\":\"active\"}\n"});
}

// ---- resuming a file scanned before ----

TEST_F(RowMakerTest, RestoredSourceAppliesToLaterFrames) {
  RowMaker maker("a.jsonl");
  maker.Restore(Source::kClaude, std::nullopt);
  EXPECT_EQ(maker.source(), Source::kClaude);
  const std::string frame = R"({"id":"i","uuid":"u"})" "\n";
  const std::string buf = frame + std::string(kJsonPadding, 'x');
  std::string row;
  AppendRow("\"a.jsonl\"", maker.MakeRow(100, std::string_view(buf).substr(0, frame.size()), tools_),
            &row);
  EXPECT_EQ(row, R"({"file":"a.jsonl","byteOffset":100,"byteLength":22,"crc32c":")" +
                     Hex8(Crc32c(frame)) +
                     R"(","source":"claude","state":"active","entryId":"u"})"
                     "\n");
}

TEST_F(RowMakerTest, RestoredCodexSessionAppliesToLaterFrames) {
  RowMaker maker("c.jsonl");
  maker.Restore(Source::kCodex, std::string("p1"));
  std::string buf = "{\"type\":\"turn\"}\n" + std::string(kJsonPadding, 'x');
  const RowView& row = maker.MakeRow(0, std::string_view(buf).substr(0, 16), tools_);
  EXPECT_EQ(row.source, Source::kCodex);
  EXPECT_EQ(row.session_id, std::optional<std::string_view>("p1"));
}

TEST_F(RowMakerTest, CodexSessionIsKeptForResuming) {
  RowMaker maker("c.jsonl");
  std::string buf = R"({"type":"session_meta","payload":{"id":"p9"}})" "\n" + std::string(kJsonPadding, 'x');
  maker.MakeRow(0, std::string_view(buf).substr(0, 46), tools_);
  EXPECT_EQ(maker.source(), Source::kCodex);
  EXPECT_EQ(maker.session(), std::optional<std::string>("p9"));
}

TEST_F(RowMakerTest, PiIgnoresARestoredSource) {
  RowMaker maker(kSegment);
  maker.Restore(Source::kJsonl, std::nullopt);
  EXPECT_EQ(maker.source(), Source::kPi);
}

// ---- pi: which files ----

TEST_F(RowMakerTest, SegmentFileInAV2StoreIsPiWithTheStoreNameAsSessionId) {
  EXPECT_EQ(Row(kSegment, PiLine({})), kActivePiRow);
}

TEST_F(RowMakerTest, StoreDirectoryWithoutV2KeepsItsWholeName) {
  EXPECT_EQ(Row("store/segments/0000000000000001.seg", PiLine({})),
            R"({"source":"pi","state":"active","entryType":"message","entryId":"e1","parentEntryId":"e0","sessionId":"store","timestamp":"2026-01-28T10:00:00Z","entrySeq":1})");
  EXPECT_EQ(Row("a/b.v2.x/segments/1.seg", PiLine({})),
            R"({"source":"pi","state":"active","entryType":"message","entryId":"e1","parentEntryId":"e0","sessionId":"b.v2.x","timestamp":"2026-01-28T10:00:00Z","entrySeq":1})");
}

TEST_F(RowMakerTest, SegmentsDirectoryAtTheLogDirRootGivesNoSessionId) {
  EXPECT_EQ(Row("segments/1.seg", PiLine({})),
            R"({"source":"pi","state":"active","entryType":"message","entryId":"e1","parentEntryId":"e0","timestamp":"2026-01-28T10:00:00Z","entrySeq":1})");
}

TEST_F(RowMakerTest, SegFileOutsideASegmentsDirectoryIsClassifiedByContent) {
  EXPECT_EQ(Row("x/s1.v2/1.seg", PiLine({})),
            R"({"source":"jsonl","state":"active","timestamp":"2026-01-28T10:00:00Z"})");
  EXPECT_EQ(Row("x/segments/sub/1.seg", R"({"uuid":"u"})"),
            R"({"source":"claude","state":"active","entryId":"u"})");
  EXPECT_EQ(Row("x/segment/1.seg", R"({"type":"t"})"),
            R"({"source":"jsonl","state":"active","entryType":"t"})");
}

TEST_F(RowMakerTest, NonSegFileInsideASegmentsDirectoryIsClassifiedByContent) {
  EXPECT_EQ(Row("x/s1.v2/segments/1.jsonl", PiLine({})),
            R"({"source":"jsonl","state":"active","timestamp":"2026-01-28T10:00:00Z"})");
}

TEST_F(RowMakerTest, PiSourceIsKnownBeforeAnyFrame) {
  RowMaker maker(kSegment);
  EXPECT_EQ(maker.source(), Source::kPi);
}

TEST_F(RowMakerTest, CorruptJsonInASegmentIsCorruptPi) {
  EXPECT_EQ(Row(kSegment, R"({"schema":)"), R"({"source":"pi","state":"corrupt","error":"json"})");
}

TEST_F(RowMakerTest, OversizedFrameInASegmentIsCorruptPi) {
  RowMaker maker(kSegment);
  std::string row;
  AppendRow("\"s.seg\"", maker.MakeOversizedRow(7, 104857601, 0x12345678u), &row);
  EXPECT_EQ(
      row,
      R"({"file":"s.seg","byteOffset":7,"byteLength":104857601,"crc32c":"12345678","source":"pi","state":"corrupt","error":"oversized"})"
      "\n");
}

// ---- pi: the checks, in order ----

constexpr std::string_view kSchemaError = R"({"source":"pi","state":"corrupt","error":"schema"})";
constexpr std::string_view kHashError = R"({"source":"pi","state":"corrupt","error":"payload_hash"})";
constexpr std::string_view kBytesError = R"({"source":"pi","state":"corrupt","error":"payload_bytes"})";

TEST_F(RowMakerTest, KnownSha256OfEmptyObjectMakesAValidPiFrame) {
  EXPECT_EQ(tools_.sha256.HexDigest("{}"),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  EXPECT_EQ(
      Row(kSegment,
          R"({"schema":"pi.session_store_v2.segment_frame.v1","segmentSeq":1,"frameSeq":1,"entrySeq":1,"entryId":"e1","parentEntryId":"e0","entryType":"message","timestamp":"2026-01-28T10:00:00Z","payloadSha256":"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","payloadBytes":2,"payload":{}})"),
      kActivePiRow);
}

TEST_F(RowMakerTest, PiWithWrongSchemaStringIsSchemaError) {
  EXPECT_EQ(Row(kSegment, PiLine({.schema = R"("pi.session_store_v2.segment_frame.v2")"})),
            kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.schema = R"("")"})), kSchemaError);
}

TEST_F(RowMakerTest, PiWithMissingOrNonStringSchemaIsSchemaError) {
  EXPECT_EQ(Row(kSegment, PiLine({.schema = ""})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.schema = "null"})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.schema = "1"})), kSchemaError);
}

TEST_F(RowMakerTest, PiWithoutPayloadIsSchemaError) {
  std::string line = PiLine({});
  line = line.substr(0, line.find(",\"payload\":")) + "}";
  EXPECT_EQ(Row(kSegment, line), kSchemaError);
}

TEST_F(RowMakerTest, PiWithNullPayloadHashesTheNullText) {
  EXPECT_EQ(Row(kSegment, PiLine({.payload = "null"})), kActivePiRow);
}

TEST_F(RowMakerTest, PiEntrySeqMustBeAPlainNonNegativeInteger) {
  EXPECT_EQ(Row(kSegment, PiLine({.entrySeq = R"("1")"})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.entrySeq = "1.0"})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.entrySeq = "1e0"})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.entrySeq = "-1"})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.entrySeq = "18446744073709551616"})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.entrySeq = "null"})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.entrySeq = ""})), kSchemaError);
}

TEST_F(RowMakerTest, PiSegmentSeqFrameSeqAndPayloadBytesMustBeIntegers) {
  EXPECT_EQ(Row(kSegment, PiLine({.segmentSeq = ""})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.segmentSeq = "-1"})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.frameSeq = R"("1")"})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.frameSeq = "2.5"})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.payloadBytes = "30.0"})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.payloadBytes = R"("30")"})), kSchemaError);
}

TEST_F(RowMakerTest, PiStringFieldsMustBeStrings) {
  EXPECT_EQ(Row(kSegment, PiLine({.entryId = ""})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.entryId = "1"})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.entryType = "null"})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.timestamp = "1769594400"})), kSchemaError);
  EXPECT_EQ(Row(kSegment, PiLine({.payloadSha256 = "null"})), kSchemaError);
}

TEST_F(RowMakerTest, PiSchemaIsCheckedBeforeThePayload) {
  EXPECT_EQ(Row(kSegment, PiLine({.schema = R"("other")", .payloadSha256 = R"("00")",
                                  .payloadBytes = "1"})),
            kSchemaError);
}

TEST_F(RowMakerTest, PiPayloadHashMismatchIsPayloadHashError) {
  EXPECT_EQ(Row(kSegment, PiLine({.payloadSha256 =
                                      R"("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")"})),
            kHashError);
}

TEST_F(RowMakerTest, PiPayloadHashMustBeLowercaseHex) {
  Sha256 sha;
  std::string upper = sha.HexDigest(Pi{}.payload);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(Row(kSegment, PiLine({.payloadSha256 = "\"" + upper + "\""})), kHashError);
}

TEST_F(RowMakerTest, PiPayloadHashIsCheckedBeforePayloadBytes) {
  EXPECT_EQ(Row(kSegment, PiLine({.payloadSha256 = R"("abc")", .payloadBytes = "1"})), kHashError);
}

TEST_F(RowMakerTest, PiPayloadBytesMismatchIsPayloadBytesError) {
  EXPECT_EQ(Row(kSegment, PiLine({.payloadBytes = "29"})), kBytesError);  // payload is 30 bytes
  EXPECT_EQ(Row(kSegment, PiLine({.payloadBytes = "0"})), kBytesError);
}

TEST_F(RowMakerTest, PiPayloadHashCoversWhitespaceInsideThePayload) {
  const std::string spaced = R"({ "role" : "user" ,"content":"hi" })";
  EXPECT_EQ(Row(kSegment, PiLine({.payload = spaced})), kActivePiRow);
  Sha256 sha;
  const std::string compact_hash = "\"" + sha.HexDigest(R"({"role":"user","content":"hi"})") + "\"";
  EXPECT_EQ(Row(kSegment, PiLine({.payloadSha256 = compact_hash,
                                  .payloadBytes = std::to_string(spaced.size()),
                                  .payload = spaced})),
            kHashError);
}

TEST_F(RowMakerTest, PiPayloadHashExcludesWhitespaceAroundThePayload) {
  EXPECT_EQ(Row(kSegment, PiLine({.payload_separator = " :\t "}) + " "), kActivePiRow);
  // and the payload in the middle of the object, spaces on both sides
  Sha256 sha;
  const std::string payload = R"(["a",{"b":"\"}"}])";
  const std::string line =
      R"({"schema":"pi.session_store_v2.segment_frame.v1","payload" :  )" + payload +
      R"(  ,"segmentSeq":1,"frameSeq":1,"entrySeq":1,"entryId":"e1","parentEntryId":"e0","entryType":"message","timestamp":"2026-01-28T10:00:00Z","payloadSha256":")" +
      sha.HexDigest(payload) + R"(","payloadBytes":)" + std::to_string(payload.size()) + "}";
  EXPECT_EQ(Row(kSegment, line), kActivePiRow);
}

TEST_F(RowMakerTest, PiPayloadStringIsHashedWithItsQuotesAndEscapes) {
  EXPECT_EQ(Row(kSegment, PiLine({.payload = R"("caf\u00e9\n")"})), kActivePiRow);
  Sha256 sha;
  EXPECT_EQ(Row(kSegment, PiLine({.payloadSha256 = "\"" + sha.HexDigest("caf\xC3\xA9\n") + "\"",
                                  .payload = R"("caf\u00e9\n")"})),
            kHashError);
}

TEST_F(RowMakerTest, PiNullOrMissingParentEntryIdIsLeftOut) {
  const std::string no_parent =
      R"({"source":"pi","state":"active","entryType":"message","entryId":"e1","sessionId":"s1","timestamp":"2026-01-28T10:00:00Z","entrySeq":1})";
  EXPECT_EQ(Row(kSegment, PiLine({.parentEntryId = "null"})), no_parent);
  EXPECT_EQ(Row(kSegment, PiLine({.parentEntryId = ""})), no_parent);
}

TEST_F(RowMakerTest, PiParentEntryIdOfAnotherTypeIsLeftOutButTheFrameIsValid) {
  EXPECT_EQ(
      Row(kSegment, PiLine({.parentEntryId = "7"})),
      R"({"source":"pi","state":"active","entryType":"message","entryId":"e1","sessionId":"s1","timestamp":"2026-01-28T10:00:00Z","entrySeq":1})");
}

TEST_F(RowMakerTest, PiEntrySeqUpToTheLargestU64IsShown) {
  EXPECT_EQ(
      Row(kSegment, PiLine({.entrySeq = "18446744073709551615"})),
      R"({"source":"pi","state":"active","entryType":"message","entryId":"e1","parentEntryId":"e0","sessionId":"s1","timestamp":"2026-01-28T10:00:00Z","entrySeq":18446744073709551615})");
  EXPECT_EQ(
      Row(kSegment, PiLine({.entrySeq = "0"})),
      R"({"source":"pi","state":"active","entryType":"message","entryId":"e1","parentEntryId":"e0","sessionId":"s1","timestamp":"2026-01-28T10:00:00Z","entrySeq":0})");
}

TEST_F(RowMakerTest, PiFieldsAreReadFromPiNamesNotOtherSources) {
  // type/uuid/id/sessionId mean nothing in a pi frame; the session is the store's.
  std::string line = PiLine({});
  line = line.substr(0, line.size() - 1) +
         R"(,"type":"t","uuid":"u","id":"i","sessionId":"other","extra":[1,2]})";
  EXPECT_EQ(Row(kSegment, line), kActivePiRow);
}

TEST_F(RowMakerTest, PiDuplicateMembersCountTheirFirstOccurrence) {
  std::string line = PiLine({});
  line = line.substr(0, line.size() - 1) + R"(,"entryId":"later","payload":{"x":1}})";
  EXPECT_EQ(Row(kSegment, line), kActivePiRow);
}

TEST_F(RowMakerTest, PiStringFieldsAreComparedDecoded) {
  // schema and payloadSha256 are JSON strings: escapes decode before comparing.
  Sha256 sha;
  std::string escaped_hash = "\"";
  for (char c : sha.HexDigest(Pi{}.payload)) {  // every digit as \u00XX
    char esc[7];
    std::snprintf(esc, sizeof esc, "\\u%04X", static_cast<unsigned>(c));
    escaped_hash += esc;
  }
  escaped_hash += "\"";
  EXPECT_EQ(Row(kSegment, PiLine({.schema = R"("pi.session_store_v2\u002esegment_frame.v1")"})),
            kActivePiRow);
  EXPECT_EQ(Row(kSegment, PiLine({.payloadSha256 = escaped_hash})), kActivePiRow);
}

TEST_F(RowMakerTest, PiStoreNamedJustV2HasAnEmptySessionId) {
  EXPECT_EQ(
      Row(".v2/segments/1.seg", PiLine({})),
      R"({"source":"pi","state":"active","entryType":"message","entryId":"e1","parentEntryId":"e0","sessionId":"","timestamp":"2026-01-28T10:00:00Z","entrySeq":1})");
}

TEST_F(RowMakerTest, PiStoreNameLosesOnlyOneTrailingV2) {
  EXPECT_EQ(
      Row("a.v2.v2/segments/1.seg", PiLine({})),
      R"({"source":"pi","state":"active","entryType":"message","entryId":"e1","parentEntryId":"e0","sessionId":"a.v2","timestamp":"2026-01-28T10:00:00Z","entrySeq":1})");
}

TEST_F(RowMakerTest, PiFramesOfOneSegmentAreJudgedEachOnTheirOwn) {
  EXPECT_EQ(Rows(kSegment, {PiLine({}), "garbage", PiLine({.payloadBytes = "1"}),
                            PiLine({.schema = "7"}), PiLine({.entrySeq = "2"})}),
            (Strings{std::string(kActivePiRow),
                     R"({"source":"pi","state":"corrupt","error":"json"})",
                     std::string(kBytesError), std::string(kSchemaError),
                     R"({"source":"pi","state":"active","entryType":"message","entryId":"e1","parentEntryId":"e0","sessionId":"s1","timestamp":"2026-01-28T10:00:00Z","entrySeq":2})"}));
}

}  // namespace
}  // namespace logdex::index
