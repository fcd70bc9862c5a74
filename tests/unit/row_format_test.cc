// The exact bytes of a row of index.ndjson (SPEC §3).
#include "index/row_format.h"

#include <iterator>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "index/json_string.h"
#include "index/row.h"

namespace logdex::index {
namespace {

// Verbs: a file literal as the store keeps it, and a row rendered alone.
std::string Literal(std::string_view path) {
  std::string lit;
  AppendJsonString(path, &lit);
  return lit;
}

std::string Render(std::string_view path, const RowView& row) {
  std::string out;
  AppendRow(Literal(path), row, &out);
  return out;
}

RowView Active(uint64_t offset, uint64_t length, uint32_t crc, Source source) {
  RowView r;
  r.byte_offset = offset;
  r.byte_length = length;
  r.crc32c = crc;
  r.source = source;
  return r;
}

RowView Corrupt(uint64_t offset, uint64_t length, uint32_t crc, Source source, FrameError e) {
  RowView r = Active(offset, length, crc, source);
  r.error = e;
  return r;
}

TEST(RowFormat, SpecExampleRowIsRenderedExactly) {
  RowView r = Active(0, 312, 0x1F0C7A2B, Source::kClaude);
  r.entry_type = "user";
  r.entry_id = "u1";
  r.session_id = "s-1";
  r.timestamp = "2026-01-28T10:00:00Z";
  EXPECT_EQ(
      Render("proj/a.jsonl", r),
      R"({"file":"proj/a.jsonl","byteOffset":0,"byteLength":312,"crc32c":"1F0C7A2B","source":"claude","state":"active","entryType":"user","entryId":"u1","sessionId":"s-1","timestamp":"2026-01-28T10:00:00Z"})"
      "\n");
}

TEST(RowFormat, ActiveRowWithEveryFieldHasThemAllInOrder) {
  RowView r = Active(1234, 567, 0x89ABCDEF, Source::kPi);
  r.entry_type = "message";
  r.entry_id = "e2";
  r.parent_entry_id = "e1";
  r.session_id = "s1";
  r.timestamp = "2026-01-28T10:00:00.000Z";
  r.entry_seq = 42;
  EXPECT_EQ(
      Render("s1.v2/segments/0000000000000001.seg", r),
      R"({"file":"s1.v2/segments/0000000000000001.seg","byteOffset":1234,"byteLength":567,"crc32c":"89ABCDEF","source":"pi","state":"active","entryType":"message","entryId":"e2","parentEntryId":"e1","sessionId":"s1","timestamp":"2026-01-28T10:00:00.000Z","entrySeq":42})"
      "\n");
}

TEST(RowFormat, ActiveRowWithoutOptionalFieldsHasOnlyTheRequiredKeys) {
  EXPECT_EQ(
      Render("a.jsonl", Active(0, 3, 0x12345678, Source::kJsonl)),
      R"({"file":"a.jsonl","byteOffset":0,"byteLength":3,"crc32c":"12345678","source":"jsonl","state":"active"})"
      "\n");
}

TEST(RowFormat, AbsentFieldsAreLeftOutWithoutGaps) {
  RowView r = Active(10, 20, 0xA, Source::kCodex);
  r.entry_type = "turn";
  r.session_id = "x";
  EXPECT_EQ(
      Render("c.jsonl", r),
      R"({"file":"c.jsonl","byteOffset":10,"byteLength":20,"crc32c":"0000000A","source":"codex","state":"active","entryType":"turn","sessionId":"x"})"
      "\n");
  RowView p = Active(0, 1, 0, Source::kClaude);
  p.parent_entry_id = "p";
  p.timestamp = "t";
  EXPECT_EQ(
      Render("c.jsonl", p),
      R"({"file":"c.jsonl","byteOffset":0,"byteLength":1,"crc32c":"00000000","source":"claude","state":"active","parentEntryId":"p","timestamp":"t"})"
      "\n");
}

TEST(RowFormat, EmptyStringFieldsArePresent) {
  RowView r = Active(0, 3, 1, Source::kJsonl);
  r.entry_id = "";
  EXPECT_EQ(
      Render("a.jsonl", r),
      R"({"file":"a.jsonl","byteOffset":0,"byteLength":3,"crc32c":"00000001","source":"jsonl","state":"active","entryId":""})"
      "\n");
}

TEST(RowFormat, EntrySeqAloneFollowsState) {
  RowView r = Active(0, 3, 1, Source::kPi);
  r.entry_seq = 0;
  EXPECT_EQ(
      Render("a.seg", r),
      R"({"file":"a.seg","byteOffset":0,"byteLength":3,"crc32c":"00000001","source":"pi","state":"active","entrySeq":0})"
      "\n");
}

TEST(RowFormat, LargestIntegersArePlainDecimal) {
  RowView r = Active(18446744073709551615ull, 104857600, 0xFFFFFFFF, Source::kPi);
  r.entry_seq = 18446744073709551615ull;
  EXPECT_EQ(
      Render("a.seg", r),
      R"({"file":"a.seg","byteOffset":18446744073709551615,"byteLength":104857600,"crc32c":"FFFFFFFF","source":"pi","state":"active","entrySeq":18446744073709551615})"
      "\n");
}

TEST(RowFormat, CrcIsEightUppercaseHexDigitsWithLeadingZeros) {
  struct Case {
    uint32_t crc;
    std::string_view hex;
  } cases[] = {{0, "00000000"},          {0xA, "0000000A"},       {0xABC, "00000ABC"},
               {0x0F0F0F0, "00F0F0F0"}, {0xDEADBEEF, "DEADBEEF"}, {0xE3069283, "E3069283"}};
  for (const Case& c : cases) {
    EXPECT_EQ(Render("a.jsonl", Active(0, 3, c.crc, Source::kJsonl)),
              R"({"file":"a.jsonl","byteOffset":0,"byteLength":3,"crc32c":")" + std::string(c.hex) +
                  R"(","source":"jsonl","state":"active"})"
                  "\n");
  }
}

TEST(RowFormat, EachSourceHasItsName) {
  EXPECT_EQ(SourceName(Source::kPi), "pi");
  EXPECT_EQ(SourceName(Source::kCodex), "codex");
  EXPECT_EQ(SourceName(Source::kClaude), "claude");
  EXPECT_EQ(SourceName(Source::kJsonl), "jsonl");
}

TEST(RowFormat, EachFrameErrorHasItsName) {
  EXPECT_EQ(FrameErrorName(FrameError::kJson), "json");
  EXPECT_EQ(FrameErrorName(FrameError::kOversized), "oversized");
  EXPECT_EQ(FrameErrorName(FrameError::kSchema), "schema");
  EXPECT_EQ(FrameErrorName(FrameError::kPayloadHash), "payload_hash");
  EXPECT_EQ(FrameErrorName(FrameError::kPayloadBytes), "payload_bytes");
}

TEST(RowFormat, CorruptJsonRow) {
  EXPECT_EQ(
      Render("a.jsonl", Corrupt(5, 6, 0x7, Source::kJsonl, FrameError::kJson)),
      R"({"file":"a.jsonl","byteOffset":5,"byteLength":6,"crc32c":"00000007","source":"jsonl","state":"corrupt","error":"json"})"
      "\n");
}

TEST(RowFormat, CorruptOversizedRow) {
  EXPECT_EQ(
      Render("a.jsonl", Corrupt(0, 104857601, 0xC0FFEE, Source::kClaude, FrameError::kOversized)),
      R"({"file":"a.jsonl","byteOffset":0,"byteLength":104857601,"crc32c":"00C0FFEE","source":"claude","state":"corrupt","error":"oversized"})"
      "\n");
}

TEST(RowFormat, CorruptSchemaRow) {
  EXPECT_EQ(
      Render("s/segments/1.seg", Corrupt(9, 10, 0x1, Source::kPi, FrameError::kSchema)),
      R"({"file":"s/segments/1.seg","byteOffset":9,"byteLength":10,"crc32c":"00000001","source":"pi","state":"corrupt","error":"schema"})"
      "\n");
}

TEST(RowFormat, CorruptPayloadHashRow) {
  EXPECT_EQ(
      Render("s/segments/1.seg", Corrupt(9, 10, 0x1, Source::kPi, FrameError::kPayloadHash)),
      R"({"file":"s/segments/1.seg","byteOffset":9,"byteLength":10,"crc32c":"00000001","source":"pi","state":"corrupt","error":"payload_hash"})"
      "\n");
}

TEST(RowFormat, CorruptPayloadBytesRow) {
  EXPECT_EQ(
      Render("s/segments/1.seg", Corrupt(9, 10, 0x1, Source::kPi, FrameError::kPayloadBytes)),
      R"({"file":"s/segments/1.seg","byteOffset":9,"byteLength":10,"crc32c":"00000001","source":"pi","state":"corrupt","error":"payload_bytes"})"
      "\n");
}

TEST(RowFormat, CorruptRowCarriesNoOptionalFieldEvenIfTheViewHasThem) {
  RowView r = Corrupt(0, 3, 0x3, Source::kPi, FrameError::kSchema);
  r.entry_type = "t";
  r.entry_id = "i";
  r.parent_entry_id = "p";
  r.session_id = "s";
  r.timestamp = "ts";
  r.entry_seq = 1;
  EXPECT_EQ(
      Render("a.seg", r),
      R"({"file":"a.seg","byteOffset":0,"byteLength":3,"crc32c":"00000003","source":"pi","state":"corrupt","error":"schema"})"
      "\n");
}

TEST(RowFormat, FileNamesAreJsonStringsWithMinimalEscapes) {
  const RowView r = Active(0, 3, 0, Source::kJsonl);
  EXPECT_EQ(Render("we\"ird\\name.jsonl", r),
            R"({"file":"we\"ird\\name.jsonl","byteOffset":0,"byteLength":3,"crc32c":"00000000","source":"jsonl","state":"active"})"
            "\n");
  EXPECT_EQ(Render("line\nbreak\t.jsonl", r),
            R"({"file":"line\nbreak\t.jsonl","byteOffset":0,"byteLength":3,"crc32c":"00000000","source":"jsonl","state":"active"})"
            "\n");
  EXPECT_EQ(Render("d\x01/\x1f.jsonl", r),
            R"({"file":"d\u0001/\u001f.jsonl","byteOffset":0,"byteLength":3,"crc32c":"00000000","source":"jsonl","state":"active"})"
            "\n");
  EXPECT_EQ(Render("caf\xC3\xA9/\xF0\x9F\x98\x80.jsonl", r),
            "{\"file\":\"caf\xC3\xA9/\xF0\x9F\x98\x80.jsonl\",\"byteOffset\":0,\"byteLength\":3,"
            "\"crc32c\":\"00000000\",\"source\":\"jsonl\",\"state\":\"active\"}\n");
}

TEST(RowFormat, FieldValuesAreEscapedMinimally) {
  RowView r = Active(0, 3, 0, Source::kJsonl);
  r.entry_type = "a\"b\\c/d";
  r.entry_id = "\n\t\x1f";
  r.parent_entry_id = "\xED\xA0\x80";  // unpaired surrogate, WTF-8
  r.session_id = "\xC3\xA9";
  r.timestamp = std::string_view("\0", 1);
  EXPECT_EQ(Render("a.jsonl", r),
            "{\"file\":\"a.jsonl\",\"byteOffset\":0,\"byteLength\":3,\"crc32c\":\"00000000\","
            "\"source\":\"jsonl\",\"state\":\"active\",\"entryType\":\"a\\\"b\\\\c/d\","
            "\"entryId\":\"\\n\\t\\u001f\",\"parentEntryId\":\"\\ud800\",\"sessionId\":\"\xC3\xA9\","
            "\"timestamp\":\"\\u0000\"}\n");
}

// AppendRow writes short rows through a stack buffer and long ones through
// std::string appends; a row's bytes must not depend on which.
TEST(RowFormat, RowsOfEveryLengthRenderTheSameWay) {
  const std::string_view pieces[] = {"a", "\"", "\n", std::string_view("\x01", 1),
                                     "\xed\xa0\x80", "\xC3\xA9", "\\"};
  for (size_t n : {0, 1, 50, 100, 250, 300, 400, 1000, 5000}) {
    std::string s;
    for (size_t i = 0; s.size() < n; ++i) s += pieces[i % std::size(pieces)];
    RowView r = Active(12345, 678, 0xABCDEF01u, Source::kClaude);
    r.entry_type = s;
    r.entry_id = s;
    r.parent_entry_id = s;
    r.session_id = s;
    r.timestamp = s;
    r.entry_seq = 42;
    std::string q;
    AppendJsonString(s, &q);
    const std::string want = "{\"file\":\"d/f.jsonl\",\"byteOffset\":12345,\"byteLength\":678,"
                             "\"crc32c\":\"ABCDEF01\",\"source\":\"claude\",\"state\":\"active\","
                             "\"entryType\":" + q + ",\"entryId\":" + q + ",\"parentEntryId\":" + q +
                             ",\"sessionId\":" + q + ",\"timestamp\":" + q + ",\"entrySeq\":42}\n";
    EXPECT_EQ(Render("d/f.jsonl", r), want) << "length " << n;
  }
}

TEST(JsonString, WriteJsonStringWritesWhatAppendJsonStringAppends) {
  for (const std::string_view s :
       {std::string_view(""), std::string_view("plain"), std::string_view("q\"b\\s/"),
        std::string_view("\x00\x1f\x7f", 3), std::string_view("\b\f\n\r\t"),
        std::string_view("\xed\xa0\x80x"), std::string_view("\xed\x9f\xbf"),
        std::string_view("\xed\xa0"), std::string_view("\xed")}) {
    std::string appended;
    AppendJsonString(s, &appended);
    std::string buf(kMaxJsonStringGrowth * s.size() + 2, '?');
    const char* end = WriteJsonString(s, buf.data());
    EXPECT_EQ(std::string_view(buf.data(), static_cast<size_t>(end - buf.data())), appended);
  }
}

TEST(RowFormat, RowsAreAppendedToWhatIsAlreadyThere) {
  std::string out = "previous\n";
  AppendRow("\"a.jsonl\"", Active(0, 3, 0, Source::kJsonl), &out);
  EXPECT_EQ(out,
            "previous\n"
            R"({"file":"a.jsonl","byteOffset":0,"byteLength":3,"crc32c":"00000000","source":"jsonl","state":"active"})"
            "\n");
}

}  // namespace
}  // namespace logdex::index

namespace logdex::index {
namespace {

// The store measures rows without rendering them; the two must agree on
// every shape of row, or range reads would be served from wrong offsets.
TEST(RowLength, EqualsTheBytesAppendRowWrites) {
  const std::string_view strings[] = {"", "plain", "q\"b\\s/", std::string_view("\x00\x1f\x7f", 3),
                                      "\b\f\n\r\t", "\xed\xa0\x80x", "\xed\x9f\xbf", "日本🚀",
                                      "\xed\xa0"};
  std::string literal;
  AppendJsonString("dir/new\nline \"f\".jsonl", &literal);
  for (const auto error : {FrameError::kNone, FrameError::kJson, FrameError::kPayloadBytes}) {
    for (const std::string_view s : strings) {
      RowView row;
      row.byte_offset = 1234567890123ull;
      row.byte_length = 9;
      row.source = Source::kPi;
      row.error = error;
      row.entry_type = s;
      row.entry_id = s;
      row.parent_entry_id = s;
      row.session_id = s;
      row.timestamp = s;
      row.entry_seq = 18446744073709551615ull;
      std::string text;
      AppendRow(literal, row, &text);
      EXPECT_EQ(RowLength(literal.size(), row), text.size()) << "string " << s;
      std::string quoted;
      AppendJsonString(s, &quoted);
      EXPECT_EQ(JsonStringLength(s), quoted.size());
    }
  }
}

}  // namespace
}  // namespace logdex::index
