// The live index: fresh after every change to the log dir, append-only while
// frames only appear, regenerated in canonical order when indexed frames
// change or disappear (SPEC §4). The invariant checked throughout: sorting
// the index canonically gives exactly the canonical index of the log dir.
#include "index/live_index.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <filesystem>
#include <vector>

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

// Versions (SPEC §4, whole rows): a regeneration replaces the index like
// `mv`; whoever holds the old version reads exactly its old bytes.
TEST_F(LiveIndexTest, AppendsGrowTheCurrentVersionInPlace) {
  Start();
  const std::shared_ptr<const IndexVersion> v = live_->Current();
  const uint64_t size = v->Size();
  Append("a.jsonl", "{\"type\":\"a2\"}\n");
  live_->Refresh();
  EXPECT_EQ(live_->Current(), v);
  EXPECT_GT(v->Size(), size);
  EXPECT_FALSE(v->superseded());
}

TEST_F(LiveIndexTest, ARegenerationMakesANewVersionAndTheOldOneKeepsItsBytes) {
  Start();
  Append("0-new.jsonl", "{\"type\":\"n\"}\n");
  live_->Refresh();
  const std::shared_ptr<const IndexVersion> old = live_->Current();
  const std::string old_bytes = Text();
  ASSERT_EQ(truncate(log_.Path("a.jsonl").c_str(), 10), 0);
  Append("b/old.jsonl", "{\"uuid\":\"u9\"}\n");  // found in the same refresh
  ASSERT_TRUE(live_->Refresh().regenerated);
  const std::shared_ptr<const IndexVersion> now = live_->Current();
  EXPECT_NE(now, old);
  EXPECT_GT(now->generation(), old->generation());
  EXPECT_TRUE(old->superseded());
  EXPECT_FALSE(now->superseded());
  std::string read_old;
  ASSERT_TRUE(old->Read(0, UINT64_MAX, &read_old).ok());
  EXPECT_EQ(read_old, old_bytes);  // no row of the new contents joined it
  EXPECT_EQ(Text(), CanonicalIndex(log_.path()));
}

TEST_F(LiveIndexTest, ASupersededVersionNeverChangesAgain) {
  Start();
  const std::shared_ptr<const IndexVersion> old = live_->Current();
  ASSERT_EQ(unlink(log_.Path("b/old.jsonl").c_str()), 0);
  ASSERT_TRUE(live_->Refresh().regenerated);
  const uint64_t size = old->Size();
  Append("a.jsonl", "{\"type\":\"a2\"}\n");
  live_->Refresh();
  EXPECT_EQ(old->Size(), size);
  EXPECT_GT(live_->Size(), 0u);
  ExpectInvariant();
}

// Exhaustion (index/exhaustion.h): a file that cannot be opened for lack of
// descriptors is not gone; it keeps its rows and is scanned once it can be.
class DescriptorLimitForTest {
 public:
  // Lowers the soft RLIMIT_NOFILE so that no new descriptor can be opened.
  DescriptorLimitForTest() {
    getrlimit(RLIMIT_NOFILE, &saved_);
    const int probe = open("/dev/null", O_RDONLY | O_CLOEXEC);  // the lowest free number
    close(probe);
    int highest = probe;
    for (int fd = probe; fd < 4096; ++fd) {
      if (fcntl(fd, F_GETFD) >= 0) highest = fd;
    }
    struct rlimit low = saved_;
    low.rlim_cur = static_cast<rlim_t>(highest + 1);
    EXPECT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
    // Descriptors below the limit that are free could still be handed out:
    // fill them.
    for (int fd; (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) fillers_.push_back(fd);
  }
  ~DescriptorLimitForTest() { Lift(); }
  void Lift() {
    for (int fd : fillers_) close(fd);
    fillers_.clear();
    setrlimit(RLIMIT_NOFILE, &saved_);
  }

 private:
  struct rlimit saved_;
  std::vector<int> fillers_;
};

TEST_F(LiveIndexTest, OutOfDescriptorsAFileKeepsItsRowsAndIsScannedLater) {
  Start();
  const std::string before = Text();
  Append("a.jsonl", "{\"type\":\"a2\"}\n");
  Append("b/new.jsonl", "{\"uuid\":\"n1\",\"sessionId\":\"s\"}\n");
  {
    DescriptorLimitForTest out_of_fds;
    const IndexUpdate u = live_->Refresh();
    EXPECT_FALSE(u.regenerated);
    EXPECT_EQ(Text(), before);  // nothing removed, nothing half-read
    EXPECT_GT(live_->Resources().pending_retries, 0u);
    EXPECT_GT(live_->Resources().exhaustion.count, 0u);
  }
  live_->Refresh();  // descriptors are back: the retries run without new events
  EXPECT_EQ(live_->Resources().pending_retries, 0u);
  EXPECT_TRUE(Text().starts_with(before));
  ExpectInvariant();
}

TEST_F(LiveIndexTest, OutOfDescriptorsARescanRemovesNothing) {
  Start(/*watch=*/false);  // every refresh walks the whole tree
  const std::string before = Text();
  {
    DescriptorLimitForTest out_of_fds;
    live_->Refresh();
    EXPECT_EQ(Text(), before);
    EXPECT_EQ(live_->Stats().skipped_unreadable, 0u);
  }
  live_->Refresh();
  EXPECT_EQ(Text(), before);
  ExpectInvariant();
}

TEST_F(LiveIndexTest, ProgressCountsEveryFileOfABuild) {
  Start();
  const BuildProgress p = live_->Progress();
  EXPECT_EQ(p.files_total, 2u);
  EXPECT_EQ(p.files_done, 2u);
  EXPECT_EQ(p.bytes_done, p.bytes_total);
}

// The counts an update publishes are kept as running totals (only the files
// that changed are looked at); after appends, a torn tail, a corrupt frame, a
// new file, a rewrite and a deletion they must still equal what a fresh build
// of the same tree counts.
TEST_F(LiveIndexTest, StatsAfterManyChangesEqualAFreshBuildsStats) {
  Start();
  Append("a.jsonl", "{\"type\":\"a2\",\"id\":\"3\"}\n");
  live_->Refresh();
  Append("a.jsonl", "not json\n{\"type\":\"torn");
  live_->Refresh();
  Append("c/new.jsonl", "{\"type\":\"c0\"}\n");
  live_->Refresh();
  Overwrite("b/old.jsonl", 0, "{\"uuid\":\"u9\"");
  live_->Refresh();
  Append("d.jsonl", "{\"type\":\"d0\"}\n");
  live_->Refresh();
  ASSERT_EQ(unlink(log_.Path("d.jsonl").c_str()), 0);
  live_->Refresh();
  const BuildStats got = live_->Stats();
  LiveIndex fresh(log_.path(), ScanOptions());
  ASSERT_TRUE(fresh.Build().ok());
  const BuildStats want = fresh.Stats();
  EXPECT_EQ(got.log_files, want.log_files);
  EXPECT_EQ(got.frames, want.frames);
  EXPECT_EQ(got.bytes_scanned, want.bytes_scanned);
  EXPECT_EQ(got.torn_tails, want.torn_tails);
  EXPECT_EQ(got.torn_tail_bytes, want.torn_tail_bytes);
  EXPECT_EQ(got.skipped_unreadable, want.skipped_unreadable);
  EXPECT_EQ(got.skipped_source_filtered, want.skipped_source_filtered);
  EXPECT_EQ(got.rows, want.rows);
  EXPECT_EQ(got.errors, want.errors);
  EXPECT_EQ(got.torn_tails, 1u);
  EXPECT_GE(got.frames, 5u);
}

}  // namespace
}  // namespace logdex::index
