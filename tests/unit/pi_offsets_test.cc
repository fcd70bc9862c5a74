// The bytes of an offsets.jsonl row (serde_json's compact form and string
// escaping, PI_FORMAT §3, §5.2, §6), the names of stops and actions, which
// file names are segments and in which order pi lists them (§1.3), and the
// worked example of §8 derived byte for byte from the fixture store in
// tests/data/pi/worked-example.
#include "index/pi_offsets.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "index/pi_offsets_format.h"
#include "pi_fixtures.h"
#include "temp_dir.h"

namespace logdex::index {
namespace {

std::string Render(const PiOffsetRow& row) {
  std::string out;
  AppendPiOffsetRow(row, &out);
  return out;
}

PiOffsetRow WorkedRow1() {
  PiOffsetRow r;
  r.entry_seq = 1;
  r.entry_id = "a1b2c3d4";
  r.segment_seq = 1;
  r.frame_seq = 1;
  r.byte_offset = 0;
  r.byte_length = 429;
  r.crc32c = 0x50A42863;
  return r;
}

// The entryId as a row shows it.
std::string RenderedId(std::string_view id) {
  PiOffsetRow r = WorkedRow1();
  r.entry_id = std::string(id);
  const std::string row = Render(r);
  const size_t from = row.find(",\"entryId\":") + 11;
  const size_t to = row.find(",\"segmentSeq\":");
  return row.substr(from, to - from);
}

using testing::ReadFile;

TEST(PiOffsetRowTest, ARowIsSerdesCompactFormInPisKeyOrder) {
  EXPECT_EQ(Render(WorkedRow1()), testing::pi::kRow1);  // PI_FORMAT §8
}

TEST(PiOffsetRowTest, TheRowKeysAreTheDocumentedOnes) {
  const std::string row = Render(WorkedRow1());
  size_t at = 0;
  for (std::string_view key : pi_format::kRowKeys) {
    const size_t found = row.find("\"" + std::string(key) + "\":", at);
    ASSERT_NE(found, std::string::npos) << key;
    at = found;
  }
}

TEST(PiOffsetRowTest, TheCrcIsEightUppercaseHexDigitsZeroPadded) {
  PiOffsetRow r = WorkedRow1();
  r.crc32c = 0x0A1B2C3D;
  EXPECT_NE(Render(r).find(R"("crc32c":"0A1B2C3D")"), std::string::npos);
  r.crc32c = 0;
  EXPECT_NE(Render(r).find(R"("crc32c":"00000000")"), std::string::npos);
  r.crc32c = 0xFFFFFFFF;
  EXPECT_NE(Render(r).find(R"("crc32c":"FFFFFFFF")"), std::string::npos);
}

TEST(PiOffsetRowTest, NumbersArePlainDecimal) {
  PiOffsetRow r = WorkedRow1();
  r.entry_seq = UINT64_MAX;
  r.segment_seq = 0;
  r.frame_seq = 10;
  r.byte_offset = 1234567890123;
  r.byte_length = 104857600;
  EXPECT_EQ(
      Render(r),
      R"({"schema":"pi.session_store_v2.offset_index.v1","entrySeq":18446744073709551615,"entryId":"a1b2c3d4","segmentSeq":0,"frameSeq":10,"byteOffset":1234567890123,"byteLength":104857600,"crc32c":"50A42863","state":"active"})"
      "\n");
}

TEST(PiOffsetRowTest, QuoteAndBackslashAreEscaped) {
  EXPECT_EQ(RenderedId("a\"b\\c"), R"("a\"b\\c")");
}

TEST(PiOffsetRowTest, ControlCharactersUseShortEscapesOrLowercaseU00xx) {
  EXPECT_EQ(RenderedId("\b\t\n\f\r"), R"("\b\t\n\f\r")");
  EXPECT_EQ(RenderedId(std::string("\x00\x01\x0b\x1b\x1f", 5)),
            R"("\u0000\u0001\u000b\u001b\u001f")");
}

TEST(PiOffsetRowTest, EverythingElseIsWrittenRaw) {
  // '/', DEL, non-ASCII, U+2028/U+2029 and emoji: no \/ and no \uXXXX.
  EXPECT_EQ(RenderedId("a/b"), "\"a/b\"");
  EXPECT_EQ(RenderedId("\x7F"), "\"\x7F\"");
  EXPECT_EQ(RenderedId("\xC3\xA9\xE2\x80\xA8\xE2\x80\xA9\xF0\x9F\x98\x80"),
            "\"\xC3\xA9\xE2\x80\xA8\xE2\x80\xA9\xF0\x9F\x98\x80\"");
  EXPECT_EQ(RenderedId("\xED\x9F\xBF"), "\"\xED\x9F\xBF\"");  // U+D7FF, just below the surrogates
}

TEST(PiStopNamesTest, StopReasonsHaveSnakeCaseNames) {
  EXPECT_EQ(PiStopReasonName(PiStopReason::kNone), "none");
  EXPECT_EQ(PiStopReasonName(PiStopReason::kTornTail), "torn_tail");
  EXPECT_EQ(PiStopReasonName(PiStopReason::kMissingNewline), "missing_newline");
  EXPECT_EQ(PiStopReasonName(PiStopReason::kBadFrame), "bad_frame");
  EXPECT_EQ(PiStopReasonName(PiStopReason::kCoordinates), "coordinates");
  EXPECT_EQ(PiStopReasonName(PiStopReason::kEntrySeq), "entry_seq");
  EXPECT_EQ(PiStopReasonName(PiStopReason::kOversized), "oversized");
  EXPECT_EQ(PiStopReasonName(PiStopReason::kInvalidUtf8), "invalid_utf8");
  EXPECT_EQ(PiStopReasonName(PiStopReason::kUnreadable), "unreadable");
}

TEST(PiStopNamesTest, ActionsHaveNames) {
  EXPECT_EQ(PiActionName(PiAction::kNone), "none");
  EXPECT_EQ(PiActionName(PiAction::kTruncate), "truncate");
  EXPECT_EQ(PiActionName(PiAction::kHeal), "heal");
  EXPECT_EQ(PiActionName(PiAction::kFail), "fail");
}

TEST(PiSegmentNameTest, ASegmentNameIsARustU64StemWithTheSegExtension) {
  const std::vector<std::pair<std::string, uint64_t>> good = {
      {"0000000000000001.seg", 1},
      {"7.seg", 7},
      {"+7.seg", 7},
      {"0000000000000000000000000007.seg", 7},
      {"0.seg", 0},
      {"18446744073709551615.seg", UINT64_MAX},
  };
  for (const auto& [name, want] : good) {
    uint64_t seq = 12345;
    EXPECT_TRUE(ParsePiSegmentName(name, &seq)) << name;
    EXPECT_EQ(seq, want) << name;
  }
}

TEST(PiSegmentNameTest, OtherNamesAreNotSegments) {
  for (const char* name :
       {"0000000000000001.seg.bak", "0000000000000001.seg.bak.1", "1.SEG", "1.seg ", " 1.seg",
        ".seg", "+.seg", "++1.seg", "-1.seg", "-0.seg", "1.2.seg", "0x1.seg",
        "18446744073709551616.seg", "99999999999999999999.seg", "1seg", "1.jsonl",
        "\xD9\xA1.seg" /* ARABIC-INDIC DIGIT ONE */, "1_000.seg", "1.seg/"}) {
    uint64_t seq;
    EXPECT_FALSE(ParsePiSegmentName(name, &seq)) << name;
  }
}

class PiSegmentListTest : public ::testing::Test {
 protected:
  std::vector<PiSegment> List() {
    const int fd = open(dir_.Path("segments").c_str(), O_RDONLY | O_DIRECTORY);
    EXPECT_GE(fd, 0);
    absl::StatusOr<std::vector<PiSegment>> got = ListPiSegments(fd);
    close(fd);
    EXPECT_TRUE(got.ok()) << got.status();
    return got.ok() ? *got : std::vector<PiSegment>();
  }
  static std::vector<std::string> Names(const std::vector<PiSegment>& segs) {
    std::vector<std::string> out;
    for (const PiSegment& s : segs) out.push_back(s.name);
    return out;
  }
  testing::TempDir dir_;
};

TEST_F(PiSegmentListTest, SegmentsAreListedByNumberNotByName) {
  for (const char* n : {"10.seg", "0000000000000008.seg", "7.seg", "+9.seg"})
    dir_.Write(std::string("segments/") + n, "");
  const std::vector<PiSegment> segs = List();
  EXPECT_EQ(Names(segs),
            (std::vector<std::string>{"7.seg", "0000000000000008.seg", "+9.seg", "10.seg"}));
  ASSERT_EQ(segs.size(), 4u);
  EXPECT_EQ(segs[0].seq, 7u);
  EXPECT_EQ(segs[3].seq, 10u);
}

TEST_F(PiSegmentListTest, EqualNumbersAreOrderedByName) {
  for (const char* n : {"7.seg", "0000000000000007.seg", "+7.seg"})
    dir_.Write(std::string("segments/") + n, "");
  EXPECT_EQ(Names(List()), (std::vector<std::string>{"+7.seg", "0000000000000007.seg", "7.seg"}));
}

TEST_F(PiSegmentListTest, BackupsAndOtherNamesAreSkipped) {
  for (const char* n :
       {"0000000000000001.seg", "0000000000000002.seg.bak", "0000000000000003.seg.bak.1",
        "notes.txt", "x.seg", "18446744073709551616.seg"}) {
    dir_.Write(std::string("segments/") + n, "");
  }
  EXPECT_EQ(Names(List()), (std::vector<std::string>{"0000000000000001.seg"}));
}

TEST_F(PiSegmentListTest, ADirectoryOrSymlinkWithASegmentNameIsListedAsPiListsIt) {
  dir_.MakeDir("segments/0000000000000002.seg");
  dir_.Symlink("0000000000000002.seg", "segments/0000000000000003.seg");
  dir_.Write("segments/0000000000000001.seg", "");
  EXPECT_EQ(Names(List()), (std::vector<std::string>{"0000000000000001.seg", "0000000000000002.seg",
                                                     "0000000000000003.seg"}));
}

TEST(PiWorkedExampleTest, TheWorkedExampleDerivesItsExpectedOffsetsByteForByte) {
  const std::string store = std::string(LOGDEX_TEST_DATA) + "/pi/worked-example";
  const int fd = open(store.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0) << store;
  absl::StatusOr<PiDerivedIndex> d = DerivePiOffsets(fd);
  close(fd);
  ASSERT_TRUE(d.ok()) << d.status();
  const std::string expected = ReadFile(store + "/index/offsets.jsonl");
  ASSERT_EQ(expected.size(), 362u);  // the fixture as PI_FORMAT §8 prints it
  EXPECT_EQ(d->bytes, expected);
  EXPECT_EQ(d->rows, 2u);
  EXPECT_EQ(d->stop.reason, PiStopReason::kNone);
  EXPECT_FALSE(d->stop.damage);
  EXPECT_EQ(d->end.segment_index, 0u);
  EXPECT_EQ(d->end.offset, 861u);
  EXPECT_EQ(d->end.expected_frame, 3u);
  EXPECT_EQ(d->end.last_entry_seq, 2u);
}

}  // namespace
}  // namespace logdex::index
