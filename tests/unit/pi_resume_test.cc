// Resuming a pi store's scan where an earlier one ended (index/pi_offsets.h,
// PiScanPosition): after the store grew, the rows of the first scan and of
// the resumed one are exactly the rows of one full scan, whatever the point
// the first scan saw; and a store that did not only grow is refused.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "index/pi_offsets.h"
#include "pi_fixtures.h"
#include "temp_dir.h"

namespace logdex::index {
namespace {

using testing::pi::SegName;

// A frame line (no '\n') with a payload of escaped text.
std::string Frame(uint64_t seg, uint64_t frame, uint64_t entry, std::string_view id = "") {
  return testing::pi::Frame(seg, frame, entry, id, R"({"text":"h\u00e9llo \u00e9"})");
}

// A whole store: segment files in order, each with its final bytes.
using Store = std::vector<std::pair<std::string, std::string>>;

struct Result {
  std::string rows;  // rendered
  PiScanResult scan;
  absl::Status status;
};

class PiResumeTest : public ::testing::Test {
 protected:
  // Makes segments/ hold the store as it was when `bytes` bytes of all its
  // segments (in order) had been written.
  void WritePrefix(const Store& store, size_t bytes) {
    std::filesystem::remove_all(dir_.Path("store"));
    dir_.MakeDir("store/segments");
    for (const auto& [name, content] : store) {
      if (bytes == 0) break;
      const size_t n = std::min(bytes, content.size());
      dir_.Write("store/segments/" + name, content.substr(0, n));
      bytes -= n;
      if (n < content.size()) break;
    }
  }
  Result Scan(const PiScanPosition& from) {
    Result r;
    const int fd = open(dir_.Path("store").c_str(), O_RDONLY | O_DIRECTORY);
    EXPECT_GE(fd, 0);
    absl::StatusOr<PiScanResult> s =
        scanner_.Scan(fd, from, [&r](const PiOffsetRow& row) { AppendPiOffsetRow(row, &r.rows); });
    close(fd);
    if (s.ok()) {
      r.scan = *std::move(s);
    } else {
      r.status = s.status();
    }
    return r;
  }
  static size_t Size(const Store& store) {
    size_t n = 0;
    for (const auto& seg : store) n += seg.second.size();
    return n;
  }
  // The property: for every point the first scan could have seen, first
  // scan + resumed scan == one full scan (rows and stop).
  void ExpectResumeIsExact(const Store& store) {
    WritePrefix(store, Size(store));
    const Result full = Scan(PiScanPosition());
    ASSERT_TRUE(full.status.ok()) << full.status;
    for (size_t cut = 0; cut <= Size(store); ++cut) {
      WritePrefix(store, cut);
      const Result first = Scan(PiScanPosition());
      ASSERT_TRUE(first.status.ok()) << cut << ": " << first.status;
      WritePrefix(store, Size(store));
      const Result rest = Scan(first.scan.end);
      ASSERT_TRUE(rest.status.ok()) << cut << ": " << rest.status;
      ASSERT_EQ(first.rows + rest.rows, full.rows) << "first scan saw " << cut << " bytes";
      ASSERT_EQ(rest.scan.stop.reason, full.scan.stop.reason) << cut;
      ASSERT_EQ(rest.scan.stop.byte_offset, full.scan.stop.byte_offset) << cut;
      ASSERT_EQ(rest.scan.stop.damage, full.scan.stop.damage) << cut;
      ASSERT_EQ(rest.scan.end.rows, full.scan.end.rows) << cut;
    }
  }

  testing::TempDir dir_;
  PiStoreScanner scanner_;
};

TEST_F(PiResumeTest, ResumingAfterAppendsGivesTheRowsOfAFullScan) {
  ExpectResumeIsExact({
      {SegName(1), "  \n" + Frame(1, 1, 1) + "\n" +
                       Frame(1, 2, 2, "\"\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80\"") + "\r\n"},
      {SegName(2), ""},
      {SegName(3),
       "\t\n" + Frame(3, 1, 3) + "\n" + "  " + Frame(3, 2, 4) + "\n" + Frame(3, 3, 5) + "\n"},
  });
}

TEST_F(PiResumeTest, ResumingIsExactUpToAStop) {
  ExpectResumeIsExact({
      {SegName(1), Frame(1, 1, 1) + "\n" + Frame(1, 2, 2) + "\n"},
      {SegName(2), Frame(2, 1, 3) + "\n" + Frame(2, 3, 4) + "\n" + Frame(2, 4, 5) + "\n"},
  });
}

TEST_F(PiResumeTest, ResumingIsExactUpToAFinalFrameWithoutNewline) {
  ExpectResumeIsExact({
      {SegName(1), Frame(1, 1, 1) + "\n" + Frame(1, 2, 2)},
  });
}

TEST_F(PiResumeTest, AResumedScanReadsATornTailOnceItsNewlineArrived) {
  const std::string l1 = Frame(1, 1, 1) + "\n", l2 = Frame(1, 2, 2) + "\n";
  dir_.Write("store/segments/" + SegName(1), l1 + l2.substr(0, 40));
  const Result first = Scan(PiScanPosition());
  EXPECT_EQ(first.scan.stop.reason, PiStopReason::kTornTail);
  EXPECT_EQ(first.scan.end.offset, l1.size());
  dir_.Write("store/segments/" + SegName(1), l1 + l2);
  const Result rest = Scan(first.scan.end);
  EXPECT_EQ(rest.scan.stop.reason, PiStopReason::kNone);
  EXPECT_EQ(rest.scan.end.rows, 2u);
  EXPECT_NE(rest.rows.find("\"byteOffset\":" + std::to_string(l1.size())), std::string::npos);
}

TEST_F(PiResumeTest, ABlankTailIsReadAgainWithTheFrameItTurnsInto) {
  const std::string l1 = Frame(1, 1, 1) + "\n";
  dir_.Write("store/segments/" + SegName(1), l1 + "  ");
  const Result first = Scan(PiScanPosition());
  EXPECT_EQ(first.scan.stop.reason, PiStopReason::kNone);
  EXPECT_EQ(first.scan.end.offset, l1.size());
  const std::string l2 = "  " + Frame(1, 2, 2) + "\n";
  dir_.Write("store/segments/" + SegName(1), l1 + l2);
  const Result rest = Scan(first.scan.end);
  EXPECT_NE(rest.rows.find("\"byteOffset\":" + std::to_string(l1.size()) +
                           ",\"byteLength\":" + std::to_string(l2.size())),
            std::string::npos)
      << rest.rows;
}

TEST_F(PiResumeTest, ResumingWhenNothingChangedGivesNoRows) {
  dir_.Write("store/segments/" + SegName(1), Frame(1, 1, 1) + "\n");
  const Result first = Scan(PiScanPosition());
  const Result again = Scan(first.scan.end);
  EXPECT_TRUE(again.status.ok()) << again.status;
  EXPECT_TRUE(again.rows.empty());
  EXPECT_EQ(again.scan.end.offset, first.scan.end.offset);
  EXPECT_EQ(again.scan.end.rows, 1u);
}

TEST_F(PiResumeTest, AResumedScanReadsNewSegments) {
  dir_.MakeDir("store/segments");
  const Result empty = Scan(PiScanPosition());
  EXPECT_EQ(empty.scan.end.segment_index, 0u);
  dir_.Write("store/segments/" + SegName(1), Frame(1, 1, 1) + "\n");
  const Result one = Scan(empty.scan.end);
  EXPECT_EQ(one.scan.end.rows, 1u);
  dir_.Write("store/segments/" + SegName(2), Frame(2, 1, 2) + "\n");
  const Result two = Scan(one.scan.end);
  EXPECT_EQ(two.scan.end.rows, 2u);
  EXPECT_EQ(two.scan.end.segment_index, 1u);
  EXPECT_NE(two.rows.find("\"entrySeq\":2"), std::string::npos);
}

TEST_F(PiResumeTest, AHealableFrameBecomesATruncationOnceASegmentFollowsIt) {
  dir_.Write("store/segments/" + SegName(1), Frame(1, 1, 1));
  const Result first = Scan(PiScanPosition());
  EXPECT_EQ(first.scan.stop.action, PiAction::kHeal);
  EXPECT_FALSE(first.scan.stop.damage);
  dir_.Write("store/segments/" + SegName(2), Frame(2, 1, 1) + "\n");
  const Result rest = Scan(first.scan.end);
  EXPECT_EQ(rest.scan.stop.reason, PiStopReason::kMissingNewline);
  EXPECT_EQ(rest.scan.stop.action, PiAction::kTruncate);
  EXPECT_TRUE(rest.scan.stop.damage);
  EXPECT_TRUE(rest.rows.empty());
}

TEST_F(PiResumeTest, AResumeIsRefusedWhenAScannedSegmentWentAway) {
  dir_.Write("store/segments/" + SegName(1), Frame(1, 1, 1) + "\n");
  dir_.Write("store/segments/" + SegName(2), Frame(2, 1, 2) + "\n");
  const Result first = Scan(PiScanPosition());
  ASSERT_TRUE(std::filesystem::remove(dir_.Path("store/segments/" + SegName(1))));
  const Result rest = Scan(first.scan.end);
  EXPECT_EQ(rest.status.code(), absl::StatusCode::kFailedPrecondition) << rest.status;
}

TEST_F(PiResumeTest, AResumeIsRefusedWhenASegmentAppearsBeforeTheScannedOnes) {
  dir_.Write("store/segments/" + SegName(2), Frame(2, 1, 1) + "\n");
  const Result first = Scan(PiScanPosition());
  dir_.Write("store/segments/" + SegName(1), "");
  EXPECT_EQ(Scan(first.scan.end).status.code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PiResumeTest, AResumeIsRefusedWhenTheSegmentShrank) {
  dir_.Write("store/segments/" + SegName(1), Frame(1, 1, 1) + "\n" + Frame(1, 2, 2) + "\n");
  const Result first = Scan(PiScanPosition());
  dir_.Write("store/segments/" + SegName(1), Frame(1, 1, 1) + "\n");
  EXPECT_EQ(Scan(first.scan.end).status.code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace logdex::index
