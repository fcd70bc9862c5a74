// Scanning a pi store's segments as pi's rebuild_index does (PI_FORMAT
// §5.1): which lines become rows with which coordinates, blank lines, CRLF,
// escaping, and every place pi would stop, with the stop's reason, pi's
// action and whether it is damage.
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "index/crc32c.h"
#include "index/pi_offsets.h"
#include "pi_fixtures.h"
#include "temp_dir.h"

namespace logdex::index {
namespace {

using testing::pi::Frame;
using testing::pi::SegName;

struct Scanned {
  absl::Status status;
  std::vector<PiOffsetRow> rows;
  PiStop stop;
  PiScanPosition end;
};

class PiScanTest : public ::testing::Test {
 protected:
  void Segment(std::string_view name, std::string_view bytes) {
    dir_.Write("store/segments/" + std::string(name), bytes);
  }
  void Segment(uint64_t n, std::string_view bytes) { Segment(SegName(n), bytes); }

  Scanned Scan() {
    Scanned s;
    const int fd = open(dir_.Path("store").c_str(), O_RDONLY | O_DIRECTORY);
    EXPECT_GE(fd, 0);
    absl::StatusOr<PiScanResult> r =
        ScanPiStore(fd, PiScanPosition(), [&s](const PiOffsetRow& row) { s.rows.push_back(row); });
    close(fd);
    if (!r.ok()) {
      s.status = r.status();
      return s;
    }
    s.stop = r->stop;
    s.end = r->end;
    return s;
  }
  // Scans and expects no error.
  Scanned ScanOk() {
    Scanned s = Scan();
    EXPECT_TRUE(s.status.ok()) << s.status;
    return s;
  }
  static std::vector<uint64_t> EntrySeqs(const Scanned& s) {
    std::vector<uint64_t> out;
    for (const PiOffsetRow& r : s.rows) out.push_back(r.entry_seq);
    return out;
  }
  static void ExpectStop(const Scanned& s, PiStopReason reason, PiAction action, bool damage,
                         std::string_view segment, uint64_t offset) {
    EXPECT_EQ(PiStopReasonName(s.stop.reason), PiStopReasonName(reason));
    EXPECT_EQ(PiActionName(s.stop.action), PiActionName(action));
    EXPECT_EQ(s.stop.damage, damage);
    EXPECT_EQ(s.stop.segment, segment);
    EXPECT_EQ(s.stop.byte_offset, offset);
  }

  testing::TempDir dir_;
};

// --- rows -------------------------------------------------------------------

TEST_F(PiScanTest, AStoreWithoutSegmentsHasNoRows) {
  dir_.MakeDir("store");
  const Scanned s = ScanOk();
  EXPECT_TRUE(s.rows.empty());
  EXPECT_EQ(s.stop.reason, PiStopReason::kNone);
  EXPECT_EQ(s.end.segment_index, 0u);
}

TEST_F(PiScanTest, AnEmptySegmentsDirectoryHasNoRows) {
  dir_.MakeDir("store/segments");
  const Scanned s = ScanOk();
  EXPECT_TRUE(s.rows.empty());
  EXPECT_EQ(s.stop.reason, PiStopReason::kNone);
}

TEST_F(PiScanTest, EachFrameIsARowWithItsPositionLengthAndCrc) {
  const std::string l1 = Frame(1, 1, 1) + "\n", l2 = Frame(1, 2, 2) + "\n";
  Segment(1, l1 + l2);
  const Scanned s = ScanOk();
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_EQ(s.rows[1].entry_seq, 2u);
  EXPECT_EQ(s.rows[1].entry_id, "e2");
  EXPECT_EQ(s.rows[1].segment_seq, 1u);
  EXPECT_EQ(s.rows[1].frame_seq, 2u);
  EXPECT_EQ(s.rows[1].byte_offset, l1.size());
  EXPECT_EQ(s.rows[1].byte_length, l2.size());
  EXPECT_EQ(s.rows[1].crc32c, Crc32c(l2));
  EXPECT_EQ(s.stop.reason, PiStopReason::kNone);
  EXPECT_EQ(s.end.offset, l1.size() + l2.size());
  EXPECT_EQ(s.end.rows, 2u);
}

TEST_F(PiScanTest, EntrySeqRunsOnAcrossSegmentsAndFrameSeqStartsAgain) {
  Segment(1, Frame(1, 1, 1) + "\n" + Frame(1, 2, 2) + "\n");
  Segment(2, Frame(2, 1, 3) + "\n");
  const Scanned s = ScanOk();
  ASSERT_EQ(EntrySeqs(s), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(s.rows[2].segment_seq, 2u);
  EXPECT_EQ(s.rows[2].frame_seq, 1u);
  EXPECT_EQ(s.rows[2].byte_offset, 0u);
  EXPECT_EQ(s.end.segment_index, 1u);
}

TEST_F(PiScanTest, AnEmptySegmentIsPassedOver) {
  Segment(1, Frame(1, 1, 1) + "\n");
  Segment(2, "");
  Segment(3, Frame(3, 1, 2) + "\n");
  EXPECT_EQ(EntrySeqs(ScanOk()), (std::vector<uint64_t>{1, 2}));
}

TEST_F(PiScanTest, SegmentsAreReadByNumberAndSegmentSeqComesFromTheName) {
  // By name, "10.seg" < "7.seg"; by number 7 comes first.
  Segment("10.seg", Frame(10, 1, 2) + "\n");
  Segment("7.seg", Frame(7, 1, 1) + "\n");
  Segment("+12.seg", Frame(12, 1, 3) + "\n");
  const Scanned s = ScanOk();
  ASSERT_EQ(EntrySeqs(s), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(s.rows[0].segment_seq, 7u);
  EXPECT_EQ(s.rows[2].segment_seq, 12u);
}

TEST_F(PiScanTest, QuarantinedSegmentsAreNotRead) {
  Segment(1, Frame(1, 1, 1) + "\n");
  Segment(SegName(2) + ".bak", Frame(2, 1, 2) + "\n");
  EXPECT_EQ(EntrySeqs(ScanOk()), (std::vector<uint64_t>{1}));
}

TEST_F(PiScanTest, WhitespaceOnlyLinesAreSkippedButCountInOffsets) {
  const std::string blanks = "\n  \r\n\t\n\xC2\xA0\n\xE3\x80\x80\r\n";
  Segment(1, blanks + Frame(1, 1, 1) + "\n" + "   \n" + Frame(1, 2, 2) + "\n" + " \t ");
  const Scanned s = ScanOk();
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_EQ(s.rows[0].byte_offset, blanks.size());
  EXPECT_EQ(s.rows[1].byte_offset, blanks.size() + Frame(1, 1, 1).size() + 1 + 4);
  EXPECT_EQ(s.rows[1].frame_seq, 2u);
  EXPECT_EQ(s.stop.reason, PiStopReason::kNone);  // a blank unterminated tail is no stop
}

TEST_F(PiScanTest, ALineOfInformationSeparatorsIsNotBlank) {
  // Python's str.strip would take 0x1C-0x1F for whitespace; Rust's trim does not.
  Segment(1, Frame(1, 1, 1) + "\n\x1C\x1D\x1E\x1F\n" + Frame(1, 2, 2) + "\n");
  const Scanned s = ScanOk();
  EXPECT_EQ(EntrySeqs(s), (std::vector<uint64_t>{1}));
  ExpectStop(s, PiStopReason::kBadFrame, PiAction::kFail, true, SegName(1),
             Frame(1, 1, 1).size() + 1);
}

TEST_F(PiScanTest, ACrlfLineIsARowWhoseLengthAndCrcCoverTheCr) {
  const std::string l1 = Frame(1, 1, 1) + "\r\n";
  const std::string l2 = Frame(1, 2, 2) + "\r\r\n";
  Segment(1, l1 + l2);
  const Scanned s = ScanOk();
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_EQ(s.rows[0].byte_length, l1.size());
  EXPECT_EQ(s.rows[0].crc32c, Crc32c(l1));
  EXPECT_EQ(s.rows[1].byte_offset, l1.size());
  EXPECT_EQ(s.rows[1].byte_length, l2.size());
  EXPECT_EQ(s.rows[1].crc32c, Crc32c(l2));
}

TEST_F(PiScanTest, WhitespaceAroundTheFrameIsPartOfItsLine) {
  const std::string line = " \t" + Frame(1, 1, 1) + " \r\n";
  Segment(1, line);
  const Scanned s = ScanOk();
  ASSERT_EQ(s.rows.size(), 1u);
  EXPECT_EQ(s.rows[0].byte_offset, 0u);
  EXPECT_EQ(s.rows[0].byte_length, line.size());
  EXPECT_EQ(s.rows[0].crc32c, Crc32c(line));
}

TEST_F(PiScanTest, EntryIdEscapesAreDecodedForTheRow) {
  Segment(1, Frame(1, 1, 1, R"("a\/b")") + "\n" + Frame(1, 2, 2, R"("\u0041")") + "\n" +
                 Frame(1, 3, 3, R"("\u00e9\ud83d\ude00\t\u001b\"")") + "\n");
  const Scanned s = ScanOk();
  ASSERT_EQ(s.rows.size(), 3u);
  EXPECT_EQ(s.rows[0].entry_id, "a/b");
  EXPECT_EQ(s.rows[1].entry_id, "A");
  EXPECT_EQ(s.rows[2].entry_id, "\xC3\xA9\xF0\x9F\x98\x80\t\x1B\"");
  std::string row;
  AppendPiOffsetRow(s.rows[2], &row);
  EXPECT_NE(row.find("\"entryId\":\"\xC3\xA9\xF0\x9F\x98\x80\\t\\u001b\\\"\""), std::string::npos)
      << row;
}

TEST_F(PiScanTest, ValuesPiDoesNotCheckWhileRebuildingDoNotStopTheScan) {
  std::string wrong = Frame(1, 1, 1);
  wrong.replace(wrong.find("segment_frame.v1"), 16, "something_else");
  wrong.replace(wrong.find("\"payloadBytes\":7"), 16, "\"payloadBytes\":8");
  Segment(1, wrong + "\n" + Frame(1, 2, 2, R"("not an [A-Za-z0-9_-] id")") + "\n");
  EXPECT_EQ(EntrySeqs(ScanOk()), (std::vector<uint64_t>{1, 2}));
}

TEST_F(PiScanTest, ANullParentAndAPayloadWithAnUnpairedSurrogateAreFine) {
  std::string f = Frame(1, 1, 1, "", R"({"t":"\ud800"})");
  f.replace(f.find(",\"entryType\""), 0, ",\"parentEntryId\":null");
  Segment(1, f + "\n");
  EXPECT_EQ(EntrySeqs(ScanOk()), (std::vector<uint64_t>{1}));
}

// --- stops ------------------------------------------------------------------

TEST_F(PiScanTest, ATornTailAtTheEndOfTheLastSegmentIsNotDamage) {
  const std::string l1 = Frame(1, 1, 1) + "\n";
  Segment(1, l1 + Frame(1, 2, 2).substr(0, 50));
  const Scanned s = ScanOk();
  EXPECT_EQ(EntrySeqs(s), (std::vector<uint64_t>{1}));
  ExpectStop(s, PiStopReason::kTornTail, PiAction::kTruncate, false, SegName(1), l1.size());
  EXPECT_EQ(s.end.offset, l1.size());  // resume re-reads the line
}

TEST_F(PiScanTest, ATornTailInAnEarlierSegmentIsDamageAndHidesLaterSegments) {
  Segment(1, Frame(1, 1, 1) + "\n" + "{\"schema\":");
  Segment(2, Frame(2, 1, 2) + "\n");
  const Scanned s = ScanOk();
  EXPECT_EQ(EntrySeqs(s), (std::vector<uint64_t>{1}));
  ExpectStop(s, PiStopReason::kTornTail, PiAction::kTruncate, true, SegName(1),
             Frame(1, 1, 1).size() + 1);
}

TEST_F(PiScanTest, AFrameWithoutNewlineAtTheEndOfTheLastSegmentWouldBeHealed) {
  Segment(1, Frame(1, 1, 1) + "\n" + Frame(1, 2, 2));
  const Scanned s = ScanOk();
  EXPECT_EQ(EntrySeqs(s), (std::vector<uint64_t>{1}));  // the view holds the rows before it
  ExpectStop(s, PiStopReason::kMissingNewline, PiAction::kHeal, false, SegName(1),
             Frame(1, 1, 1).size() + 1);
}

TEST_F(PiScanTest, AFrameWithoutNewlineInAnEarlierSegmentWouldBeTruncated) {
  Segment(1, Frame(1, 1, 1));
  Segment(2, Frame(2, 1, 2) + "\n");
  const Scanned s = ScanOk();
  EXPECT_TRUE(s.rows.empty());
  ExpectStop(s, PiStopReason::kMissingNewline, PiAction::kTruncate, true, SegName(1), 0);
}

TEST_F(PiScanTest, ABadLineEndingInNewlineFailsTheRebuild) {
  const std::string l1 = Frame(1, 1, 1) + "\n";
  Segment(1, l1 + "this is not json\n" + Frame(1, 2, 2) + "\n");
  const Scanned s = ScanOk();
  EXPECT_EQ(EntrySeqs(s), (std::vector<uint64_t>{1}));
  ExpectStop(s, PiStopReason::kBadFrame, PiAction::kFail, true, SegName(1), l1.size());
  EXPECT_EQ(s.stop.detail, "not_json");
}

TEST_F(PiScanTest, AFrameWithAnUnknownKeyIsABadFrame) {
  std::string f = Frame(1, 1, 1);
  f.insert(f.size() - 1, ",\"extra\":true");
  Segment(1, f + "\n");
  const Scanned s = ScanOk();
  ExpectStop(s, PiStopReason::kBadFrame, PiAction::kFail, true, SegName(1), 0);
  EXPECT_EQ(s.stop.detail, "unknown_key \"extra\"");
}

TEST_F(PiScanTest, AnEntryIdWithAnUnpairedSurrogateIsABadFrame) {
  Segment(1, Frame(1, 1, 1, R"("\ud800")") + "\n");
  const Scanned s = ScanOk();
  ExpectStop(s, PiStopReason::kBadFrame, PiAction::kFail, true, SegName(1), 0);
  EXPECT_EQ(s.stop.detail, "lone_surrogate \"entryId\"");
}

TEST_F(PiScanTest, ASegmentSeqOtherThanTheFilesNumberIsACoordinatesStop) {
  const std::string l1 = Frame(1, 1, 1) + "\n";
  Segment(1, l1 + Frame(2, 2, 2) + "\n");
  const Scanned s = ScanOk();
  EXPECT_EQ(EntrySeqs(s), (std::vector<uint64_t>{1}));
  ExpectStop(s, PiStopReason::kCoordinates, PiAction::kTruncate, true, SegName(1), l1.size());
}

TEST_F(PiScanTest, AFrameSeqOutOfPlaceIsACoordinatesStop) {
  const std::string l1 = Frame(1, 1, 1) + "\n";
  Segment(1, l1 + Frame(1, 3, 2) + "\n");
  const Scanned s = ScanOk();
  ExpectStop(s, PiStopReason::kCoordinates, PiAction::kTruncate, true, SegName(1), l1.size());
  EXPECT_EQ(s.stop.detail, "expected segmentSeq 1 frameSeq 2, found 1 3");
}

TEST_F(PiScanTest, TheFirstEntrySeqMustBeOne) {
  Segment(1, Frame(1, 1, 2) + "\n");
  const Scanned s = ScanOk();
  EXPECT_TRUE(s.rows.empty());
  ExpectStop(s, PiStopReason::kEntrySeq, PiAction::kTruncate, true, SegName(1), 0);
}

TEST_F(PiScanTest, AnEntrySeqThatIsNotThePreviousPlusOneStopsEvenInALaterSegment) {
  Segment(1, Frame(1, 1, 1) + "\n");
  Segment(2, Frame(2, 1, 3) + "\n");
  const Scanned s = ScanOk();
  EXPECT_EQ(EntrySeqs(s), (std::vector<uint64_t>{1}));
  ExpectStop(s, PiStopReason::kEntrySeq, PiAction::kTruncate, true, SegName(2), 0);
  EXPECT_EQ(s.stop.detail, "expected entrySeq 2, found 3");
}

TEST_F(PiScanTest, ARepeatedEntrySeqIsAnEntrySeqStop) {
  const std::string l1 = Frame(1, 1, 1) + "\n";
  Segment(1, l1 + Frame(1, 2, 1) + "\n");
  ExpectStop(ScanOk(), PiStopReason::kEntrySeq, PiAction::kTruncate, true, SegName(1), l1.size());
}

TEST_F(PiScanTest, InvalidUtf8FailsTheRebuildEvenInATornTail) {
  const std::string l1 = Frame(1, 1, 1) + "\n";
  Segment(1, l1 + "\xFF\xFE{\n");
  ExpectStop(ScanOk(), PiStopReason::kInvalidUtf8, PiAction::kFail, true, SegName(1), l1.size());
  Segment(1, l1 + "{\"a\":\"\xC3\x28\"");  // bad at EOF, not a cut character
  ExpectStop(ScanOk(), PiStopReason::kInvalidUtf8, PiAction::kFail, true, SegName(1), l1.size());
}

TEST_F(PiScanTest, OverlongFormsEncodedSurrogatesAndCodePointsAboveTheLastAreInvalidUtf8) {
  const std::string l1 = Frame(1, 1, 1) + "\n";
  for (const char* bad :
       {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80"}) {
    Segment(1, l1 + Frame(1, 2, 2, "\"" + std::string(bad) + "\"") + "\n");
    ExpectStop(ScanOk(), PiStopReason::kInvalidUtf8, PiAction::kFail, true, SegName(1), l1.size());
  }
}

TEST_F(PiScanTest, ACharacterCutShortAtTheEndOfTheLastSegmentIsNotDamage) {
  // What a reader sees while pi is writing a frame with "é" in it.
  const std::string l1 = Frame(1, 1, 1) + "\n";
  Segment(1, l1 + "{\"schema\":\"\xC3");
  ExpectStop(ScanOk(), PiStopReason::kInvalidUtf8, PiAction::kFail, false, SegName(1), l1.size());
  Segment(2, "");  // no longer the last segment: damage
  ExpectStop(ScanOk(), PiStopReason::kInvalidUtf8, PiAction::kFail, true, SegName(1), l1.size());
}

TEST_F(PiScanTest, ASegmentThatIsADirectoryIsUnreadable) {
  Segment(1, Frame(1, 1, 1) + "\n");
  dir_.MakeDir("store/segments/" + SegName(2));
  Segment(3, Frame(3, 1, 2) + "\n");
  const Scanned s = ScanOk();
  EXPECT_EQ(EntrySeqs(s), (std::vector<uint64_t>{1}));
  ExpectStop(s, PiStopReason::kUnreadable, PiAction::kFail, true, SegName(2), 0);
}

TEST_F(PiScanTest, ASymlinkedSegmentIsUnreadable) {
  dir_.Write("elsewhere.seg", Frame(1, 1, 1) + "\n");
  dir_.Symlink("../../elsewhere.seg", "store/segments/" + SegName(1));
  const Scanned s = ScanOk();
  EXPECT_TRUE(s.rows.empty());
  ExpectStop(s, PiStopReason::kUnreadable, PiAction::kFail, true, SegName(1), 0);
}

TEST_F(PiScanTest, AFifoSegmentIsUnreadableAndNeverBlocks) {
  dir_.MakeDir("store/segments");
  ASSERT_EQ(mkfifo(dir_.Path("store/segments/" + SegName(1)).c_str(), 0600), 0);
  ExpectStop(ScanOk(), PiStopReason::kUnreadable, PiAction::kFail, true, SegName(1), 0);
}

TEST_F(PiScanTest, ASegmentWithoutReadPermissionIsUnreadable) {
  Segment(1, Frame(1, 1, 1) + "\n");
  ASSERT_EQ(chmod(dir_.Path("store/segments/" + SegName(1)).c_str(), 0), 0);
  if (geteuid() != 0) {
    const Scanned s = ScanOk();
    ExpectStop(s, PiStopReason::kUnreadable, PiAction::kFail, true, SegName(1), 0);
    EXPECT_EQ(s.stop.detail, "open: Permission denied");
    return;
  }
  // Root reads files whatever their mode: the scan runs as user 65534, in a
  // child process, which says by its exit status whether it saw the stop.
  for (const char* rel : {"", "store", "store/segments"}) {
    ASSERT_EQ(chmod(dir_.Path(rel).c_str(), 0755), 0) << rel;
  }
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
    const Scanned s = Scan();
    const bool seen = s.status.ok() && s.stop.reason == PiStopReason::kUnreadable &&
                      s.stop.action == PiAction::kFail && s.stop.damage &&
                      s.stop.segment == SegName(1) && s.stop.byte_offset == 0 &&
                      s.stop.detail == "open: Permission denied";
    _exit(seen ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: could not become user 65534; 1: the stop was not seen";
}

TEST_F(PiScanTest, ASegmentsPathThatIsAFileCannotBeScanned) {
  dir_.Write("store/segments", "not a directory");
  EXPECT_FALSE(Scan().status.ok());
}

TEST_F(PiScanTest, ASymlinkedSegmentsDirectoryCannotBeScanned) {
  dir_.Write("real/" + SegName(1), Frame(1, 1, 1) + "\n");
  dir_.Symlink("../real", "store/segments");
  EXPECT_FALSE(Scan().status.ok());
}

// --- the 100 MiB line limit --------------------------------------------------

constexpr size_t kLimit = 104'857'600;

// A frame line of exactly `length` bytes, its '\n' included.
std::string FrameOfLength(size_t length) {
  size_t fill = length;
  for (;;) {
    std::string line = Frame(1, 1, 1, "", "\"" + std::string(fill, 'x') + "\"") + "\n";
    if (line.size() == length) return line;
    fill = fill + length - line.size();  // payloadBytes' digits move with fill
  }
}

TEST_F(PiScanTest, ALineOfExactly100MiBIsARow) {
  const std::string line = FrameOfLength(kLimit);
  ASSERT_EQ(line.size(), kLimit);
  Segment(1, line);
  const Scanned s = ScanOk();
  ASSERT_EQ(s.rows.size(), 1u);
  EXPECT_EQ(s.rows[0].byte_length, kLimit);
  EXPECT_EQ(s.stop.reason, PiStopReason::kNone);
}

TEST_F(PiScanTest, ALineWithoutNewlineWithin100MiBIsOversized) {
  const std::string l1 = Frame(1, 1, 1) + "\n";
  std::string big = FrameOfLength(kLimit + 1);  // its '\n' is byte 100 MiB + 1
  big.replace(big.find("\"frameSeq\":1"), 12, "\"frameSeq\":2");
  big.replace(big.find("\"entrySeq\":1"), 12, "\"entrySeq\":2");
  Segment(1, l1 + big);
  const Scanned s = ScanOk();
  EXPECT_EQ(EntrySeqs(s), (std::vector<uint64_t>{1}));
  ExpectStop(s, PiStopReason::kOversized, PiAction::kFail, true, SegName(1), l1.size());
}

TEST_F(PiScanTest, AnUnterminated100MiBLineAtTheEndIsATailNotOversized) {
  std::string line = FrameOfLength(kLimit + 1);
  line.pop_back();  // 100 MiB exactly, no '\n', nothing after it
  Segment(1, line);
  ExpectStop(ScanOk(), PiStopReason::kMissingNewline, PiAction::kHeal, false, SegName(1), 0);
}

}  // namespace
}  // namespace logdex::index
