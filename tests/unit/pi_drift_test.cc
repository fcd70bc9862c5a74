// How a backing offsets.jsonl differs from the derived one
// (recovery/pi_drift.h): missing, stale, ghost rows, wrong rows, blank
// lines; where the first difference is; and that the counts always add up.
#include "recovery/pi_drift.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace logdex::recovery {
namespace {

// A row as pi writes it.
std::string Row(uint64_t entry, uint64_t offset, uint64_t length, std::string_view crc = "0A1B2C3D",
                uint64_t frame = 0) {
  return R"({"schema":"pi.session_store_v2.offset_index.v1","entrySeq":)" + std::to_string(entry) +
         R"(,"entryId":"e)" + std::to_string(entry) + R"(","segmentSeq":1,"frameSeq":)" +
         std::to_string(frame == 0 ? entry : frame) + R"(,"byteOffset":)" + std::to_string(offset) +
         R"(,"byteLength":)" + std::to_string(length) + R"(,"crc32c":")" + std::string(crc) +
         R"(","state":"active"})"
         "\n";
}

const std::string kRow1 = Row(1, 0, 100), kRow2 = Row(2, 100, 120), kRow3 = Row(3, 220, 90);
const std::string kDerived = kRow1 + kRow2 + kRow3;

PiDrift Compare(std::string_view backing, std::string_view derived = kDerived) {
  return ComparePiOffsets(backing, derived);
}

// derived == fine + wrong + missing, backing == fine + wrong + ghost, and
// differs() exactly when the bytes differ.
void ExpectConsistent(const PiDrift& d, std::string_view backing, std::string_view derived) {
  ASSERT_GE(d.derived_rows, d.wrong_rows + d.missing_rows);
  ASSERT_GE(d.backing_rows, d.wrong_rows + d.ghost_rows);
  EXPECT_EQ(d.derived_rows - d.wrong_rows - d.missing_rows,
            d.backing_rows - d.wrong_rows - d.ghost_rows);
  EXPECT_EQ(d.differs(), backing != derived);
  EXPECT_EQ(d.first_difference.has_value(), backing != derived);
  EXPECT_EQ(d.kind() == "ok", !d.differs());
}

TEST(PiDriftTest, EqualBytesAreNoDrift) {
  const PiDrift d = Compare(kDerived);
  EXPECT_FALSE(d.differs());
  EXPECT_EQ(d.kind(), "ok");
  EXPECT_EQ(d.backing_rows, 3u);
  EXPECT_EQ(d.derived_rows, 3u);
  EXPECT_FALSE(d.first_difference.has_value());
}

TEST(PiDriftTest, AnEmptyFileMatchesNoDerivedRows) {
  const PiDrift d = Compare("", "");
  EXPECT_FALSE(d.differs());
  EXPECT_EQ(d.kind(), "ok");
}

TEST(PiDriftTest, AMissingFileLacksEveryRow) {
  const PiDrift d = ComparePiOffsets(std::nullopt, kDerived);
  EXPECT_TRUE(d.missing);
  EXPECT_TRUE(d.differs());
  EXPECT_EQ(d.kind(), "missing");
  EXPECT_EQ(d.missing_rows, 3u);
  EXPECT_EQ(d.backing_rows, 0u);
  EXPECT_EQ(d.first_difference, 0u);
}

TEST(PiDriftTest, AMissingFileDiffersEvenWithNoDerivedRows) {
  // pi's rebuild writes a 0-byte file.
  const PiDrift d = ComparePiOffsets(std::nullopt, "");
  EXPECT_TRUE(d.differs());
  EXPECT_EQ(d.kind(), "missing");
  EXPECT_EQ(d.missing_rows, 0u);
}

TEST(PiDriftTest, AStrictPrefixIsStaleAndDiffersAtItsEnd) {
  const std::string backing = kRow1 + kRow2;
  const PiDrift d = Compare(backing);
  EXPECT_EQ(d.kind(), "stale");
  EXPECT_EQ(d.missing_rows, 1u);
  EXPECT_EQ(d.ghost_rows + d.wrong_rows, 0u);
  EXPECT_EQ(d.first_difference, backing.size());
  ExpectConsistent(d, backing, kDerived);
}

TEST(PiDriftTest, AnEmptyFileIsStaleWhenThereAreDerivedRows) {
  const PiDrift d = Compare("");
  EXPECT_EQ(d.kind(), "stale");
  EXPECT_EQ(d.missing_rows, 3u);
  EXPECT_EQ(d.first_difference, 0u);
}

TEST(PiDriftTest, RowsPastTheDerivedEndAreGhostRows) {
  const std::string backing = kDerived + Row(4, 310, 80) + Row(5, 390, 80);
  const PiDrift d = Compare(backing);
  EXPECT_EQ(d.kind(), "ghost_rows");
  EXPECT_EQ(d.ghost_rows, 2u);
  EXPECT_EQ(d.backing_rows, 5u);
  EXPECT_EQ(d.first_difference, kDerived.size());
  ExpectConsistent(d, backing, kDerived);
}

TEST(PiDriftTest, ADuplicatedRowIsAGhostRow) {
  const std::string backing = kRow1 + kRow2 + kRow2 + kRow3;
  const PiDrift d = Compare(backing);
  EXPECT_EQ(d.kind(), "ghost_rows");
  EXPECT_EQ(d.ghost_rows, 1u);
  EXPECT_EQ(d.wrong_rows + d.missing_rows, 0u);
  EXPECT_EQ(d.first_difference, kRow1.size() + kRow2.size());
  ExpectConsistent(d, backing, kDerived);
}

TEST(PiDriftTest, LinesThatAreNotRowsWithAnEntrySeqAreGhostRows) {
  const std::string backing = kRow1 + "garbage\n" +
                              R"({"entryId":"e2"})"
                              "\n" +
                              "[2]\n" +
                              R"({"entrySeq":"2"})"
                              "\n" +
                              kRow2 + kRow3 + "\xFF\xFE\n";
  const PiDrift d = Compare(backing);
  EXPECT_EQ(d.kind(), "ghost_rows");
  EXPECT_EQ(d.ghost_rows, 5u);
  EXPECT_EQ(d.wrong_rows + d.missing_rows, 0u);
  EXPECT_EQ(d.first_difference, kRow1.size());
  ExpectConsistent(d, backing, kDerived);
}

TEST(PiDriftTest, ARowWithAWrongCrcIsAWrongRow) {
  const std::string backing = kRow1 + Row(2, 100, 120, "0A1B2C3E") + kRow3;
  const PiDrift d = Compare(backing);
  EXPECT_EQ(d.kind(), "wrong_rows");
  EXPECT_EQ(d.wrong_rows, 1u);
  EXPECT_EQ(d.ghost_rows + d.missing_rows, 0u);
  EXPECT_EQ(d.first_difference, kRow1.size());
  ExpectConsistent(d, backing, kDerived);
}

TEST(PiDriftTest, RowsWithWrongOffsetsLengthsOrFramesAreWrongRows) {
  const std::string backing = kRow1 + Row(2, 101, 120) + Row(3, 220, 91, "0A1B2C3D", 7);
  const PiDrift d = Compare(backing);
  EXPECT_EQ(d.wrong_rows, 2u);
  ExpectConsistent(d, backing, kDerived);
}

TEST(PiDriftTest, ARowEndingInCrlfOrWithoutNewlineIsAWrongRow) {
  std::string crlf = kRow2;
  crlf.insert(crlf.size() - 1, "\r");
  std::string unterminated = kRow3;
  unterminated.pop_back();
  const std::string backing = kRow1 + crlf + unterminated;
  const PiDrift d = Compare(backing);
  EXPECT_EQ(d.kind(), "wrong_rows");
  EXPECT_EQ(d.wrong_rows, 2u);
  EXPECT_EQ(d.first_difference, kRow1.size());
  ExpectConsistent(d, backing, kDerived);
}

TEST(PiDriftTest, RowsOutOfOrderAreWrongRows) {
  const std::string backing = kRow1 + kRow3 + kRow2;
  const PiDrift d = Compare(backing);
  EXPECT_EQ(d.kind(), "wrong_rows");
  EXPECT_EQ(d.wrong_rows, 1u);
  EXPECT_EQ(d.missing_rows + d.ghost_rows, 0u);
  ExpectConsistent(d, backing, kDerived);
}

TEST(PiDriftTest, BlankLinesAreNoRowsButStillDrift) {
  const std::string backing = kRow1 + "\n" + kRow2 + "  \r\n" + kRow3 + "\xC2\xA0";
  const PiDrift d = Compare(backing);
  EXPECT_EQ(d.kind(), "blank_lines");
  EXPECT_EQ(d.blank_lines, 3u);
  EXPECT_EQ(d.backing_rows, 3u);
  EXPECT_EQ(d.ghost_rows + d.wrong_rows + d.missing_rows, 0u);
  EXPECT_EQ(d.first_difference, kRow1.size());
  ExpectConsistent(d, backing, kDerived);
}

TEST(PiDriftTest, TheWorstKindIsReported) {
  // wrong beats ghost beats stale beats blank lines.
  const std::string backing = "\n" + kRow1 + Row(2, 100, 999) + Row(9, 0, 1);
  const PiDrift d = Compare(backing);
  EXPECT_EQ(d.kind(), "wrong_rows");
  EXPECT_EQ(d.wrong_rows, 1u);
  EXPECT_EQ(d.ghost_rows, 1u);
  EXPECT_EQ(d.missing_rows, 1u);
  EXPECT_EQ(d.blank_lines, 1u);
  EXPECT_EQ(d.first_difference, 0u);
  ExpectConsistent(d, backing, kDerived);
  EXPECT_EQ(Compare(kRow1 + Row(7, 0, 1)).kind(), "ghost_rows");  // ghost and stale
  EXPECT_EQ(Compare("\n" + kRow1).kind(), "stale");               // stale and blank
}

TEST(PiDriftTest, CountsAddUpForAnyMixOfDamage) {
  const std::vector<std::string> pieces = {kRow1,          kRow2,    kRow3, Row(2, 100, 121),
                                           Row(4, 310, 5), "junk\n", "\n",  "{\"entrySeq\":3}\n",
                                           "partial"};
  // Every sequence of up to three pieces.
  std::vector<std::string> backings = {""};
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> next;
    for (const std::string& b : backings) {
      next.push_back(b);
      for (const std::string& p : pieces) next.push_back(b + p);
    }
    backings.swap(next);
  }
  for (const std::string& b : backings) {
    SCOPED_TRACE(b);
    ExpectConsistent(Compare(b), b, kDerived);
    ExpectConsistent(ComparePiOffsets(b, kRow1), b, kRow1);
  }
}

}  // namespace
}  // namespace logdex::recovery
