// The live index: fresh after every change to the log dir, append-only while
// frames only appear, regenerated in canonical order when indexed frames
// change or disappear (SPEC §4). The invariant checked throughout: sorting
// the index canonically gives exactly the canonical index of the log dir.
#include "index/live_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "index_text.h"
#include "temp_dir.h"

namespace logdex::index {
namespace {

using ::logdex::testing::CanonicalIndex;
using ::logdex::testing::Rows;
using ::logdex::testing::SortedCanonically;

class LiveIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_.Write("a.jsonl", "{\"type\":\"a0\",\"id\":\"1\"}\n{\"type\":\"a1\",\"id\":\"2\"}\n");
    log_.Write("b/old.jsonl", "{\"uuid\":\"u0\",\"sessionId\":\"s\"}\n");
  }

  // Verbs.
  void Start(bool watch = true) {
    live_ = std::make_unique<LiveIndex>(log_.path(), ScanOptions());
    if (watch) {
      ASSERT_TRUE(live_->StartWatching().ok());
    }
    ASSERT_TRUE(live_->Build().ok());
  }
  void Append(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(log_.Path(rel)).parent_path());
    const int fd = open(log_.Path(rel).c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
  }
  void Overwrite(const std::string& rel, uint64_t offset, const std::string& text) {
    const int fd = open(log_.Path(rel).c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pwrite(fd, text.data(), text.size(), static_cast<off_t>(offset)),
              static_cast<ssize_t>(text.size()));
    close(fd);
  }
  std::string Text() const {
    std::string out;
    live_->Read(0, live_->Size(), &out);
    return out;
  }
  void ExpectInvariant() const {
    EXPECT_EQ(SortedCanonically(Text()), CanonicalIndex(log_.path()));
  }

  logdex::testing::TempDir log_;
  std::unique_ptr<LiveIndex> live_;
};

TEST_F(LiveIndexTest, AFreshBuildIsTheCanonicalIndex) {
  Start();
  EXPECT_EQ(Text(), CanonicalIndex(log_.path()));
}

TEST_F(LiveIndexTest, RefreshWithNothingChangedChangesNothing) {
  Start();
  const uint64_t version = live_->Version();
  const IndexUpdate u = live_->Refresh();
  EXPECT_FALSE(u.changed());
  EXPECT_EQ(live_->Version(), version);
}

TEST_F(LiveIndexTest, AnAppendedFrameGoesAtTheEndAndNoRowMoves) {
  Start();
  const std::string before = Text();
  Append("a.jsonl", "{\"type\":\"a2\"}\n");
  const IndexUpdate u = live_->Refresh();
  EXPECT_FALSE(u.regenerated);
  const std::string after = Text();
  ASSERT_TRUE(after.starts_with(before));
  EXPECT_NE(after.substr(before.size()).find("\"entryType\":\"a2\""), std::string::npos);
  EXPECT_EQ(u.new_size, after.size());
  ExpectInvariant();
}

TEST_F(LiveIndexTest, ANewFileIsAddedAtTheEndNotInPathOrder) {
  Start();
  const std::string before = Text();
  Append("0-first-by-name.jsonl", "{\"type\":\"n\"}\n");
  live_->Refresh();
  const std::string after = Text();
  ASSERT_TRUE(after.starts_with(before));
  EXPECT_TRUE(Rows(after).back().starts_with("{\"file\":\"0-first-by-name.jsonl\""));
  ExpectInvariant();
}

TEST_F(LiveIndexTest, ATornTailBecomesARowWhenItsNewlineArrives) {
  Start();
  Append("a.jsonl", "{\"type\":\"half");
  live_->Refresh();
  EXPECT_EQ(Rows(Text()).size(), 3u);
  EXPECT_EQ(live_->Stats().torn_tails, 1u);
  Append("a.jsonl", "\"}\n");
  live_->Refresh();
  EXPECT_EQ(Rows(Text()).size(), 4u);
  EXPECT_EQ(live_->Stats().torn_tails, 0u);
  ExpectInvariant();
}

TEST_F(LiveIndexTest, TruncationRegeneratesInCanonicalOrder) {
  Start();
  Append("0-new.jsonl", "{\"type\":\"n\"}\n");  // out of canonical order for now
  live_->Refresh();
  ASSERT_EQ(truncate(log_.Path("a.jsonl").c_str(), 10), 0);
  EXPECT_TRUE(live_->Refresh().regenerated);
  EXPECT_EQ(Text(), CanonicalIndex(log_.path()));
}

TEST_F(LiveIndexTest, DeletingAFileRegeneratesWithoutItsRows) {
  Start();
  ASSERT_EQ(unlink(log_.Path("b/old.jsonl").c_str()), 0);
  EXPECT_TRUE(live_->Refresh().regenerated);
  EXPECT_EQ(Text(), CanonicalIndex(log_.path()));
  EXPECT_EQ(Text().find("b/old.jsonl"), std::string::npos);
}

TEST_F(LiveIndexTest, RenamingAFileRegeneratesUnderTheNewName) {
  Start();
  ASSERT_EQ(rename(log_.Path("b/old.jsonl").c_str(), log_.Path("b/new.jsonl").c_str()), 0);
  EXPECT_TRUE(live_->Refresh().regenerated);
  EXPECT_EQ(Text(), CanonicalIndex(log_.path()));
}

TEST_F(LiveIndexTest, RenamingADirectoryMovesItsFiles) {
  Start();
  ASSERT_EQ(rename(log_.Path("b").c_str(), log_.Path("c").c_str()), 0);
  live_->Refresh();
  EXPECT_EQ(Text(), CanonicalIndex(log_.path()));
  Append("c/old.jsonl", "{\"uuid\":\"u1\"}\n");  // still watched under its new name
  live_->Refresh();
  ExpectInvariant();
}

TEST_F(LiveIndexTest, ASameSizeRewriteInPlaceIsCaughtByCrc) {
  Start();
  Overwrite("a.jsonl", 0, "{\"type\":\"A0\"");
  EXPECT_TRUE(live_->Refresh().regenerated);
  EXPECT_NE(Text().find("\"entryType\":\"A0\""), std::string::npos);
  ExpectInvariant();
}

TEST_F(LiveIndexTest, ARewriteFollowedByGrowthIsNotTakenForAnAppend) {
  Start();
  Overwrite("a.jsonl", 0, "{\"type\":\"Z0\"");
  Append("a.jsonl", "{\"type\":\"a2\"}\n");
  EXPECT_TRUE(live_->Refresh().regenerated);
  EXPECT_EQ(Text(), CanonicalIndex(log_.path()));
}

TEST_F(LiveIndexTest, TouchingAFileMovesNoRow) {
  Start();
  Append("0-new.jsonl", "{\"type\":\"n\"}\n");
  live_->Refresh();
  const std::string before = Text();
  const struct timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  ASSERT_EQ(utimensat(AT_FDCWD, log_.Path("a.jsonl").c_str(), times, 0), 0);
  EXPECT_FALSE(live_->Refresh().regenerated);
  EXPECT_EQ(Text(), before);
}

TEST_F(LiveIndexTest, FilesInANewDirectoryAreFoundAndThenWatched) {
  Start();
  log_.MakeDir("new/deeper");
  Append("new/deeper/x.ndjson", "{\"type\":\"x\"}\n");
  live_->Refresh();
  Append("new/deeper/x.ndjson", "{\"type\":\"y\"}\n");
  live_->Refresh();
  EXPECT_EQ(Rows(Text()).size(), 5u);
  ExpectInvariant();
}

TEST_F(LiveIndexTest, WithoutAWatcherEveryRefreshRescansByStat) {
  Start(/*watch=*/false);
  Append("a.jsonl", "{\"type\":\"a2\"}\n");
  Append("z/new.jsonl", "{\"type\":\"z\"}\n");
  live_->Refresh();
  EXPECT_EQ(Rows(Text()).size(), 5u);
  ExpectInvariant();
}

TEST_F(LiveIndexTest, ASnapshotRestoresToTheSameBytes) {
  Start();
  Append("0-new.jsonl", "{\"type\":\"n\"}\n");
  live_->Refresh();
  const std::string text = Text();
  LiveIndex again(log_.path(), ScanOptions());
  again.Restore(live_->Snapshot());
  std::string out;
  again.Read(0, again.Size(), &out);
  EXPECT_EQ(out, text);
}

TEST_F(LiveIndexTest, ProgressCountsEveryFileOfABuild) {
  Start();
  const BuildProgress p = live_->Progress();
  EXPECT_EQ(p.files_total, 2u);
  EXPECT_EQ(p.files_done, 2u);
  EXPECT_EQ(p.bytes_done, p.bytes_total);
}

}  // namespace
}  // namespace logdex::index
