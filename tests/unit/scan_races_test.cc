// Trees that change while they are walked and read, made deterministic
// through the scan hooks (index/scan_hooks.h): a file that shrinks, grows,
// vanishes or is replaced by rename, and a directory removed mid-walk, at
// each point of a scan, for the one-shot index (`logdex index`) and for the
// live index (a build, and a refresh). Each outcome is exact: the rows of the
// bytes that were read, never a row of bytes that were not there; nothing
// counted as a skip that a fresh walk would not count; and after the next
// refresh the live index is again the canonical index of the tree as it is.
//
// Also here: the tree-level skip counts of the live index (non-UTF-8 names,
// unreadable files and directories) always equal a fresh build's, whatever
// changed incrementally; and a FIFO named like a log is never opened.
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "index/canonical_writer.h"
#include "index/live_index.h"
#include "index/scan_hooks.h"
#include "index_text.h"
#include "open_watch.h"
#include "temp_dir.h"

namespace logdex::index {
namespace {

using ::logdex::testing::CanonicalIndex;
using ::logdex::testing::OpenWatch;
using ::logdex::testing::SortedCanonically;

constexpr char kA0[] = "{\"type\":\"a0\",\"id\":\"1\"}\n";
constexpr char kA1[] = "{\"type\":\"a1\",\"id\":\"2\"}\n";
constexpr char kA2[] = "{\"type\":\"a2\",\"id\":\"3\"}\n";
constexpr char kB0[] = "{\"uuid\":\"u0\",\"sessionId\":\"s\"}\n";

// Runs `action` once, the first time the scan reaches `point` for `rel`.
class OneShotHook {
 public:
  OneShotHook(ScanPoint point, std::string rel, std::function<void()> action)
      : hook_([this, point, rel = std::move(rel), action = std::move(action)](ScanPoint p,
                                                                              std::string_view r) {
          if (p == point && r == rel && !fired_.exchange(true)) action();
        }) {
    SetScanHookForTest(&hook_);
  }
  ~OneShotHook() { SetScanHookForTest(nullptr); }
  bool fired() const { return fired_.load(); }

 private:
  std::atomic<bool> fired_{false};
  const ScanHook hook_;
};

// What `logdex index` prints for a log dir, and its counts.
struct OneShot {
  std::string text;
  BuildStats stats;
};

OneShot RunOneShot(const std::string& log_dir) {
  OneShot out;
  FILE* f = tmpfile();
  EXPECT_NE(f, nullptr);
  absl::StatusOr<BuildStats> st = WriteCanonicalIndex(log_dir, {}, fileno(f));
  EXPECT_TRUE(st.ok()) << st.status();
  if (st.ok()) out.stats = *st;
  rewind(f);
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.text.append(buf, n);
  fclose(f);
  return out;
}

// Drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from this thread's
// effective set while it lives (threads started meanwhile inherit that), so
// file modes apply to a root test run; restores them after.
class WithoutDacOverride {
 public:
  WithoutDacOverride() {
    if (syscall(SYS_capget, &header_, saved_) != 0) return;
    __user_cap_data_struct lowered[2] = {saved_[0], saved_[1]};
    lowered[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
    active_ = syscall(SYS_capset, &header_, lowered) == 0;
  }
  ~WithoutDacOverride() {
    if (active_) syscall(SYS_capset, &header_, saved_);
  }

 private:
  __user_cap_header_struct header_{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct saved_[2] = {};
  bool active_ = false;
};

class ScanRacesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_.Write("a.jsonl", std::string(kA0) + kA1);
    log_.Write("b/old.jsonl", kB0);
  }

  void Start(bool watch = true) {
    live_ = std::make_unique<LiveIndex>(log_.path(), ScanOptions());
    if (watch) {
      ASSERT_TRUE(live_->StartWatching().ok());
    }
    ASSERT_TRUE(live_->Build().ok());
  }
  std::string Text() const {
    std::string out;
    live_->Read(0, live_->Size(), &out);
    return out;
  }
  // The live index is the canonical index of the tree as it is now, and
  // counts what a fresh build counts.
  void ExpectSameAsFreshBuild() const {
    const OneShot fresh = RunOneShot(log_.path());
    EXPECT_EQ(SortedCanonically(Text()), fresh.text);
    ExpectSameSkips(live_->Stats(), fresh.stats);
  }
  static void ExpectSameSkips(const BuildStats& got, const BuildStats& want) {
    EXPECT_EQ(got.log_files, want.log_files);
    EXPECT_EQ(got.skipped_non_utf8_names, want.skipped_non_utf8_names);
    EXPECT_EQ(got.skipped_unreadable, want.skipped_unreadable);
    EXPECT_EQ(got.skipped_source_filtered, want.skipped_source_filtered);
  }
  // The rows `logdex index` gives for a tree holding exactly `files`.
  static std::string CanonicalOf(const std::vector<std::pair<std::string, std::string>>& files) {
    logdex::testing::TempDir dir;
    for (const auto& [rel, text] : files) dir.Write(rel, text);
    return RunOneShot(dir.path()).text;
  }
  void Truncate(const std::string& rel, off_t size) const {
    ASSERT_EQ(truncate(log_.Path(rel).c_str(), size), 0);
  }
  void AppendText(const std::string& rel, const std::string& text) const {
    const int fd = open(log_.Path(rel).c_str(), O_WRONLY | O_APPEND);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
  }
  void ReplaceByRename(const std::string& rel, const std::string& text) const {
    log_.Write(rel + ".new", text);
    ASSERT_EQ(rename(log_.Path(rel + ".new").c_str(), log_.Path(rel).c_str()), 0);
  }

  logdex::testing::TempDir log_;
  std::unique_ptr<LiveIndex> live_;
};

// --- A file that vanishes ---------------------------------------------------

TEST_F(ScanRacesTest, OneShotDropsAFileRemovedAfterTheWalkWithoutCountingASkip) {
  OneShotHook hook(ScanPoint::kTreeListed, "", [&] { std::filesystem::remove(log_.Path("a.jsonl")); });
  const OneShot got = RunOneShot(log_.path());
  ASSERT_TRUE(hook.fired());
  EXPECT_EQ(got.text, CanonicalOf({{"b/old.jsonl", kB0}}));
  EXPECT_EQ(got.stats.skipped_unreadable, 0u);
  EXPECT_EQ(got.stats.log_files, 1u);
}

TEST_F(ScanRacesTest, LiveBuildDropsAFileRemovedAfterTheWalkWithoutCountingASkip) {
  OneShotHook hook(ScanPoint::kTreeListed, "", [&] { std::filesystem::remove(log_.Path("a.jsonl")); });
  Start();
  ASSERT_TRUE(hook.fired());
  EXPECT_EQ(Text(), CanonicalOf({{"b/old.jsonl", kB0}}));
  ExpectSameAsFreshBuild();
}

TEST_F(ScanRacesTest, OneShotIndexesAFileRemovedAfterItOpenedAsItWas) {
  OneShotHook hook(ScanPoint::kFileOpened, "a.jsonl", [&] { std::filesystem::remove(log_.Path("a.jsonl")); });
  const OneShot got = RunOneShot(log_.path());
  ASSERT_TRUE(hook.fired());
  EXPECT_EQ(got.text, CanonicalOf({{"a.jsonl", std::string(kA0) + kA1}, {"b/old.jsonl", kB0}}));
  EXPECT_EQ(got.stats.skipped_unreadable, 0u);
}

TEST_F(ScanRacesTest, LiveIndexDropsAFileRemovedAfterItOpenedAtTheNextRefresh) {
  OneShotHook hook(ScanPoint::kFileOpened, "a.jsonl", [&] { std::filesystem::remove(log_.Path("a.jsonl")); });
  Start();
  ASSERT_TRUE(hook.fired());
  EXPECT_EQ(Text(), CanonicalOf({{"a.jsonl", std::string(kA0) + kA1}, {"b/old.jsonl", kB0}}));
  live_->Refresh();
  ExpectSameAsFreshBuild();
}

TEST_F(ScanRacesTest, LiveRefreshOfAnAppendRemovedAfterItOpenedDropsTheFileAtTheNextRefresh) {
  Start();
  AppendText("a.jsonl", kA2);
  OneShotHook hook(ScanPoint::kFileOpened, "a.jsonl", [&] { std::filesystem::remove(log_.Path("a.jsonl")); });
  live_->Refresh();
  ASSERT_TRUE(hook.fired());
  // Removed after the scan opened it: the appended row was read.
  EXPECT_EQ(SortedCanonically(Text()),
            CanonicalOf({{"a.jsonl", std::string(kA0) + kA1 + kA2}, {"b/old.jsonl", kB0}}));
  live_->Refresh();
  ExpectSameAsFreshBuild();
  EXPECT_EQ(Text(), CanonicalOf({{"b/old.jsonl", kB0}}));
}

// --- A file that shrinks ----------------------------------------------------

TEST_F(ScanRacesTest, OneShotReadsAFileTruncatedAfterTheWalkAsItIsWhenOpened) {
  OneShotHook hook(ScanPoint::kTreeListed, "", [&] { Truncate("a.jsonl", sizeof kA0 - 1); });
  const OneShot got = RunOneShot(log_.path());
  ASSERT_TRUE(hook.fired());
  EXPECT_EQ(got.text, CanonicalOf({{"a.jsonl", kA0}, {"b/old.jsonl", kB0}}));
}

TEST_F(ScanRacesTest, OneShotKeepsOnlyRowsOfBytesReadWhenAFileShrinksMidRead) {
  // After the first read the file is cut to nothing: the rows are those of
  // the bytes that read returned, no more.
  OneShotHook hook(ScanPoint::kReadReturned, "a.jsonl", [&] { Truncate("a.jsonl", 0); });
  const OneShot got = RunOneShot(log_.path());
  ASSERT_TRUE(hook.fired());
  EXPECT_EQ(got.text, CanonicalOf({{"a.jsonl", std::string(kA0) + kA1}, {"b/old.jsonl", kB0}}));
}

TEST_F(ScanRacesTest, LiveIndexRegeneratesAfterAFileShrinksMidRead) {
  OneShotHook hook(ScanPoint::kReadReturned, "a.jsonl", [&] { Truncate("a.jsonl", sizeof kA0 - 1); });
  Start();
  ASSERT_TRUE(hook.fired());
  const IndexUpdate u = live_->Refresh();
  EXPECT_TRUE(u.regenerated);
  ExpectSameAsFreshBuild();
  EXPECT_EQ(Text(), CanonicalOf({{"a.jsonl", kA0}, {"b/old.jsonl", kB0}}));
}

TEST_F(ScanRacesTest, LiveRefreshOfAnAppendThatShrinksMidReadRegeneratesAtTheNextRefresh) {
  Start();
  AppendText("a.jsonl", kA2);
  OneShotHook hook(ScanPoint::kReadReturned, "a.jsonl", [&] { Truncate("a.jsonl", sizeof kA0 - 1); });
  live_->Refresh();
  ASSERT_TRUE(hook.fired());
  live_->Refresh();
  ExpectSameAsFreshBuild();
  EXPECT_EQ(Text(), CanonicalOf({{"a.jsonl", kA0}, {"b/old.jsonl", kB0}}));
}

// --- A file that grows ------------------------------------------------------

TEST_F(ScanRacesTest, OneShotIndexesWhatAFileGrewByWhileItWasRead) {
  OneShotHook hook(ScanPoint::kReadReturned, "a.jsonl", [&] { AppendText("a.jsonl", kA2); });
  const OneShot got = RunOneShot(log_.path());
  ASSERT_TRUE(hook.fired());
  EXPECT_EQ(got.text,
            CanonicalOf({{"a.jsonl", std::string(kA0) + kA1 + kA2}, {"b/old.jsonl", kB0}}));
}

TEST_F(ScanRacesTest, LiveIndexHoldsEachRowOnceWhenAFileGrowsWhileItIsRead) {
  OneShotHook hook(ScanPoint::kReadReturned, "a.jsonl", [&] { AppendText("a.jsonl", kA2); });
  Start();
  ASSERT_TRUE(hook.fired());
  const IndexUpdate u = live_->Refresh();
  EXPECT_FALSE(u.regenerated);
  ExpectSameAsFreshBuild();
  EXPECT_EQ(Text(), CanonicalOf({{"a.jsonl", std::string(kA0) + kA1 + kA2}, {"b/old.jsonl", kB0}}));
}

// --- A file replaced by rename while it is read ------------------------------

TEST_F(ScanRacesTest, OneShotIndexesTheFileItOpenedWhenItIsReplacedByRename) {
  OneShotHook hook(ScanPoint::kFileOpened, "a.jsonl", [&] { ReplaceByRename("a.jsonl", kA2); });
  const OneShot got = RunOneShot(log_.path());
  ASSERT_TRUE(hook.fired());
  EXPECT_EQ(got.text, CanonicalOf({{"a.jsonl", std::string(kA0) + kA1}, {"b/old.jsonl", kB0}}));
}

TEST_F(ScanRacesTest, LiveIndexRegeneratesWithTheNewContentsOfAFileReplacedByRenameMidRead) {
  OneShotHook hook(ScanPoint::kReadReturned, "a.jsonl", [&] { ReplaceByRename("a.jsonl", kA2); });
  Start();
  ASSERT_TRUE(hook.fired());
  const IndexUpdate u = live_->Refresh();
  EXPECT_TRUE(u.regenerated);
  ExpectSameAsFreshBuild();
  EXPECT_EQ(Text(), CanonicalOf({{"a.jsonl", kA2}, {"b/old.jsonl", kB0}}));
}

TEST_F(ScanRacesTest, LiveRefreshOfAnAppendReplacedByRenameMidReadRegenerates) {
  Start();
  AppendText("a.jsonl", kA2);
  OneShotHook hook(ScanPoint::kReadReturned, "a.jsonl", [&] { ReplaceByRename("a.jsonl", kB0); });
  live_->Refresh();
  ASSERT_TRUE(hook.fired());
  live_->Refresh();
  ExpectSameAsFreshBuild();
  EXPECT_EQ(Text(), CanonicalOf({{"a.jsonl", kB0}, {"b/old.jsonl", kB0}}));
}

// --- A directory removed mid-walk ------------------------------------------

TEST_F(ScanRacesTest, OneShotDoesNotCountADirectoryRemovedMidWalkAsUnreadable) {
  OneShotHook hook(ScanPoint::kDirListed, "", [&] { std::filesystem::remove_all(log_.Path("b")); });
  const OneShot got = RunOneShot(log_.path());
  ASSERT_TRUE(hook.fired());
  EXPECT_EQ(got.text, CanonicalOf({{"a.jsonl", std::string(kA0) + kA1}}));
  EXPECT_EQ(got.stats.skipped_unreadable, 0u);
}

TEST_F(ScanRacesTest, LiveBuildDoesNotCountADirectoryRemovedMidWalkAsUnreadable) {
  OneShotHook hook(ScanPoint::kDirListed, "", [&] { std::filesystem::remove_all(log_.Path("b")); });
  Start();
  ASSERT_TRUE(hook.fired());
  EXPECT_EQ(live_->Stats().skipped_unreadable, 0u);
  ExpectSameAsFreshBuild();
}

TEST_F(ScanRacesTest, LiveRescanWithoutAWatcherDoesNotCountADirectoryRemovedMidWalk) {
  Start(/*watch=*/false);
  OneShotHook hook(ScanPoint::kDirListed, "", [&] { std::filesystem::remove_all(log_.Path("b")); });
  live_->Refresh();
  ASSERT_TRUE(hook.fired());
  EXPECT_EQ(live_->Stats().skipped_unreadable, 0u);
  ExpectSameAsFreshBuild();
}

TEST_F(ScanRacesTest, LiveSubtreeWalkDoesNotCountASubdirectoryRemovedMidWalk) {
  Start();
  log_.Write("c/d/x.jsonl", kA0);
  log_.Write("c/y.jsonl", kA1);
  OneShotHook hook(ScanPoint::kDirListed, "c", [&] { std::filesystem::remove_all(log_.Path("c/d")); });
  live_->Refresh();
  ASSERT_TRUE(hook.fired());
  EXPECT_EQ(live_->Stats().skipped_unreadable, 0u);
  live_->Refresh();
  ExpectSameAsFreshBuild();
}

// --- Files that are not regular ---------------------------------------------

TEST_F(ScanRacesTest, AFifoNamedLikeALogIsNeverOpenedByABuildOrARefresh) {
  ASSERT_EQ(mkfifo(log_.Path("pipe.jsonl").c_str(), 0644), 0);
  OpenWatch opens(log_.path(), "pipe.jsonl");
  Start();
  // An event on it makes the refresh look at it by name.
  ASSERT_EQ(chmod(log_.Path("pipe.jsonl").c_str(), 0600), 0);
  live_->Refresh();
  RunOneShot(log_.path());
  EXPECT_EQ(opens.Opens(), 0);
  ExpectSameAsFreshBuild();
  EXPECT_EQ(live_->Stats().skipped_unreadable, 0u);
}

TEST_F(ScanRacesTest, AFileReplacedByAFifoAfterTheWalkIsNeverOpened) {
  OpenWatch opens(log_.path(), "a.jsonl");
  OneShotHook hook(ScanPoint::kTreeListed, "", [&] {
    std::filesystem::remove(log_.Path("a.jsonl"));
    ASSERT_EQ(mkfifo(log_.Path("a.jsonl").c_str(), 0644), 0);
  });
  const OneShot got = RunOneShot(log_.path());
  ASSERT_TRUE(hook.fired());
  EXPECT_EQ(opens.Opens(), 0);
  EXPECT_EQ(got.text, CanonicalOf({{"b/old.jsonl", kB0}}));
  EXPECT_EQ(got.stats.skipped_unreadable, 0u);
}

// --- Symlinks are never followed for indexing, also in a path's middle -----

TEST_F(ScanRacesTest, ADirectoryReplacedByASymlinkWhileWatchedIsNotFollowed) {
  logdex::testing::TempDir outside;
  outside.Write("old.jsonl", kA2);  // the same name as the file below b/
  Start();
  ASSERT_EQ(rename(log_.Path("b").c_str(), log_.Path("b.moved").c_str()), 0);
  log_.Symlink(outside.path(), "b");
  live_->Refresh();
  ExpectSameAsFreshBuild();
  EXPECT_EQ(Text().find("a2"), std::string::npos) << Text();
}

TEST_F(ScanRacesTest, OneShotDoesNotFollowADirectoryReplacedByASymlinkAfterTheWalk) {
  logdex::testing::TempDir outside;
  outside.Write("old.jsonl", kA2);
  OneShotHook hook(ScanPoint::kTreeListed, "", [&] {
    ASSERT_EQ(rename(log_.Path("b").c_str(), log_.Path("b.moved").c_str()), 0);
    log_.Symlink(outside.path(), "b");
  });
  const OneShot got = RunOneShot(log_.path());
  ASSERT_TRUE(hook.fired());
  EXPECT_EQ(got.text, CanonicalOf({{"a.jsonl", std::string(kA0) + kA1}}));
  EXPECT_EQ(got.stats.skipped_unreadable, 0u);
}

// --- Skip counts after incremental changes equal a fresh build's -----------

TEST_F(ScanRacesTest, ANonUtf8NameCreatedWhileWatchedIsCountedAndUncountedWhenRemoved) {
  Start();
  log_.Write("b/bad\xff.jsonl", kA0);
  live_->Refresh();
  EXPECT_EQ(live_->Stats().skipped_non_utf8_names, 1u);
  ExpectSameAsFreshBuild();
  std::filesystem::remove(log_.Path("b/bad\xff.jsonl"));
  live_->Refresh();
  EXPECT_EQ(live_->Stats().skipped_non_utf8_names, 0u);
  ExpectSameAsFreshBuild();
}

TEST_F(ScanRacesTest, ADirectoryWithANonUtf8NameRemovedWhileWatchedIsUncounted) {
  log_.Write("d\xfe/x.jsonl", kA0);
  Start();
  EXPECT_EQ(live_->Stats().skipped_non_utf8_names, 1u);
  std::filesystem::remove_all(log_.Path("d\xfe"));
  live_->Refresh();
  EXPECT_EQ(live_->Stats().skipped_non_utf8_names, 0u);
  ExpectSameAsFreshBuild();
}

TEST_F(ScanRacesTest, AFileMadeUnreadableWhileWatchedIsCountedAndItsRowsGo) {
  WithoutDacOverride as_a_user;
  Start();
  ASSERT_EQ(chmod(log_.Path("a.jsonl").c_str(), 0), 0);
  live_->Refresh();
  EXPECT_EQ(live_->Stats().skipped_unreadable, 1u);
  ExpectSameAsFreshBuild();
  ASSERT_EQ(chmod(log_.Path("a.jsonl").c_str(), 0644), 0);
  live_->Refresh();
  EXPECT_EQ(live_->Stats().skipped_unreadable, 0u);
  ExpectSameAsFreshBuild();
}

TEST_F(ScanRacesTest, ADirectoryMadeUnreadableWhileWatchedIsCountedAndItsRowsGo) {
  WithoutDacOverride as_a_user;
  Start();
  ASSERT_EQ(chmod(log_.Path("b").c_str(), 0), 0);
  live_->Refresh();
  EXPECT_EQ(live_->Stats().skipped_unreadable, 1u);
  ExpectSameAsFreshBuild();
  ASSERT_EQ(chmod(log_.Path("b").c_str(), 0755), 0);
  live_->Refresh();
  EXPECT_EQ(live_->Stats().skipped_unreadable, 0u);
  ExpectSameAsFreshBuild();
}

TEST_F(ScanRacesTest, ADirectoryUnreadableAtStartIsWatchedOnceMadeReadable) {
  WithoutDacOverride as_a_user;
  log_.Write("c/x.jsonl", kA0);
  ASSERT_EQ(chmod(log_.Path("c").c_str(), 0), 0);
  Start();
  EXPECT_EQ(live_->Stats().skipped_unreadable, 1u);
  ASSERT_EQ(chmod(log_.Path("c").c_str(), 0755), 0);
  live_->Refresh();
  EXPECT_EQ(live_->Stats().skipped_unreadable, 0u);
  // A file made in it afterwards is seen: the directory is watched now.
  log_.Write("c/y.jsonl", kA1);
  live_->Refresh();
  ExpectSameAsFreshBuild();
}

TEST_F(ScanRacesTest, AnUnreadableDirectoryRemovedWhileWatchedIsUncounted) {
  WithoutDacOverride as_a_user;
  log_.Write("c/x.jsonl", kA0);
  ASSERT_EQ(chmod(log_.Path("c").c_str(), 0), 0);
  Start();
  EXPECT_EQ(live_->Stats().skipped_unreadable, 1u);
  ASSERT_EQ(rmdir(log_.Path("c").c_str()), -1);  // not empty; chmod back, then remove
  ASSERT_EQ(chmod(log_.Path("c").c_str(), 0755), 0);
  std::filesystem::remove_all(log_.Path("c"));
  live_->Refresh();
  EXPECT_EQ(live_->Stats().skipped_unreadable, 0u);
  ExpectSameAsFreshBuild();
}

}  // namespace
}  // namespace logdex::index
