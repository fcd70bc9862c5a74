// Opening a mount's index from its persisted cache (SPEC §6): a cache is
// reused only after its rows check out against the logs; whatever changed
// while unmounted is re-derived; a damaged cache is moved aside, never used.
#include "recovery/warm_start.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fault_injection_files.h"
#include "gtest/gtest.h"
#include "index_text.h"
#include "temp_dir.h"

namespace logdex::recovery {
namespace {

using ::logdex::testing::CanonicalIndex;
using ::logdex::testing::SortedCanonically;

class WarmStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_.Write("a.jsonl", "{\"type\":\"a0\",\"id\":\"1\"}\n{\"type\":\"a1\",\"id\":\"2\"}\n");
    log_.Write("b/c.jsonl", "{\"uuid\":\"u0\",\"sessionId\":\"s\"}\n");
    log_.Write("p/s1.v2/segments/0000000000000001.seg", "not json\n");
  }

  // Verbs: a mount's lifetime is Open() ... Save(); "unmounted" edits happen
  // between a Save() and the next Open().
  StartReport Open(VerifyMode verify = VerifyMode::kFull) {
    live_ = std::make_unique<index::LiveIndex>(log_.path(), index::ScanOptions());
    absl::StatusOr<StartReport> r = OpenIndex(*live_, cache_.path(), verify);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : StartReport();
  }
  void Save() { ASSERT_TRUE(SaveIndex(*live_, cache_.path()).ok()); }
  std::string Text() const {
    std::string out;
    live_->Read(0, live_->Size(), &out);
    return out;
  }
  std::string CacheFile() const { return CacheFilePath(cache_.path()); }
  void FlipCacheByte(uint64_t offset) {
    std::fstream f(CacheFile(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(static_cast<char>(c ^ 0x20));
  }
  void Append(const std::string& rel, const std::string& text) {
    std::ofstream(log_.Path(rel), std::ios::app | std::ios::binary) << text;
  }
  // Changes one byte of a.jsonl in place and puts its old mtime back: same
  // inode, size and mtime, so only the bytes tell.
  void RewriteAByteKeepingTheMtime() {
    struct stat st;
    ASSERT_EQ(stat(log_.Path("a.jsonl").c_str(), &st), 0);
    const int fd = open(log_.Path("a.jsonl").c_str(), O_WRONLY);
    ASSERT_EQ(pwrite(fd, "A", 1, 10), 1);
    close(fd);
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    ASSERT_EQ(utimensat(AT_FDCWD, log_.Path("a.jsonl").c_str(), times, 0), 0);
  }

  logdex::testing::TempDir log_;
  logdex::testing::TempDir cache_;
  std::unique_ptr<index::LiveIndex> live_;
};

TEST_F(WarmStartTest, WithoutACacheTheIndexIsBuiltFromTheLogs) {
  EXPECT_EQ(Open().kind, StartKind::kBuilt);
  EXPECT_EQ(Text(), CanonicalIndex(log_.path()));
}

TEST_F(WarmStartTest, ASavedCacheIsReusedAfterEveryRowIsChecked) {
  Open();
  Save();
  const StartReport r = Open();
  EXPECT_EQ(r.kind, StartKind::kReused);
  EXPECT_EQ(r.rows_checked, 4u);
  EXPECT_EQ(r.files_rescanned, 0u);
  EXPECT_EQ(Text(), CanonicalIndex(log_.path()));
}

// What lets an unchanged remount skip rewriting the cache at unmount.
TEST_F(WarmStartTest, AReuseMatchesTheCacheOnlyWhenNothingChangedMeanwhile) {
  Open();
  Save();
  EXPECT_TRUE(Open().matches_cache);
  Append("a.jsonl", "{\"type\":\"a2\"}\n");
  EXPECT_FALSE(Open().matches_cache);  // a row more than the cache holds
  Save();
  EXPECT_TRUE(Open().matches_cache);
  RewriteAByteKeepingTheMtime();
  EXPECT_FALSE(Open(VerifyMode::kFull).matches_cache);  // rescanned
  Save();
  ASSERT_EQ(unlink(log_.Path("b/c.jsonl").c_str()), 0);
  EXPECT_FALSE(Open().matches_cache);  // rows dropped
}

TEST_F(WarmStartTest, RowsAppendedWhileMountedKeepTheirPlaceAfterARemount) {
  Open();
  Append("0-new.jsonl", "{\"type\":\"n\"}\n");
  live_->Refresh();
  const std::string before = Text();
  Save();
  Open();
  EXPECT_EQ(Text(), before);
}

TEST_F(WarmStartTest, AnAppendWhileUnmountedIsAddedAtTheEnd) {
  Open();
  Save();
  const std::string before = Text();
  Append("a.jsonl", "{\"type\":\"a2\"}\n");
  EXPECT_EQ(Open().kind, StartKind::kReused);
  EXPECT_TRUE(Text().starts_with(before));
  EXPECT_EQ(SortedCanonically(Text()), CanonicalIndex(log_.path()));
}

TEST_F(WarmStartTest, ASameSizeRewriteWhileUnmountedIsCaughtByCrc) {
  Open();
  Save();
  RewriteAByteKeepingTheMtime();
  const StartReport r = Open(VerifyMode::kFull);
  EXPECT_EQ(r.files_rescanned, 1u);
  EXPECT_EQ(Text(), CanonicalIndex(log_.path()));
}

TEST_F(WarmStartTest, VerifyStatTrustsAFileWhoseIdentityAndSizeAreUnchanged) {
  Open();
  Save();
  RewriteAByteKeepingTheMtime();
  const StartReport r = Open(VerifyMode::kStat);
  EXPECT_EQ(r.kind, StartKind::kReused);
  EXPECT_EQ(r.rows_checked, 0u);
  EXPECT_NE(Text(), CanonicalIndex(log_.path()));  // the documented cost of verify=stat
}

TEST_F(WarmStartTest, AFileDeletedWhileUnmountedLeavesNoRows) {
  Open();
  Save();
  ASSERT_EQ(unlink(log_.Path("b/c.jsonl").c_str()), 0);
  Open();
  EXPECT_EQ(Text(), CanonicalIndex(log_.path()));
}

TEST_F(WarmStartTest, ADamagedCacheIsMovedAsideAndTheIndexRebuilt) {
  Open();
  Save();
  FlipCacheByte(std::filesystem::file_size(CacheFile()) / 2);
  const StartReport r = Open();
  EXPECT_EQ(r.kind, StartKind::kRebuiltDamaged);
  EXPECT_TRUE(std::filesystem::exists(CacheFile() + ".bad"));
  EXPECT_FALSE(std::filesystem::exists(CacheFile()));
  EXPECT_EQ(Text(), CanonicalIndex(log_.path()));
}

TEST_F(WarmStartTest, ATruncatedCacheIsMovedAsideAndTheIndexRebuilt) {
  Open();
  Save();
  std::filesystem::resize_file(CacheFile(), std::filesystem::file_size(CacheFile()) - 7);
  EXPECT_EQ(Open().kind, StartKind::kRebuiltDamaged);
  EXPECT_TRUE(std::filesystem::exists(CacheFile() + ".bad"));
  EXPECT_EQ(Text(), CanonicalIndex(log_.path()));
}

TEST_F(WarmStartTest, ACacheOfAnotherLogDirIsNotUsed) {
  Open();
  Save();
  logdex::testing::TempDir other;
  other.Write("x.jsonl", "{\"type\":\"x\"}\n");
  index::LiveIndex live(other.path(), index::ScanOptions());
  absl::StatusOr<StartReport> r = OpenIndex(live, cache_.path(), VerifyMode::kFull);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, StartKind::kRebuiltForeign);
  EXPECT_TRUE(std::filesystem::exists(CacheFile() + ".bad"));
  std::string out;
  live.Read(0, live.Size(), &out);
  EXPECT_EQ(out, CanonicalIndex(other.path()));
}

TEST_F(WarmStartTest, ACrashBeforeTheRenameLeavesTheOldCache) {
  Open();
  Save();
  const std::string old_bytes = [&] {
    std::ifstream f(CacheFile(), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }();
  Append("a.jsonl", "{\"type\":\"a2\"}\n");
  live_->Refresh();
  // Killed inside the rename (step 4: create, append, fsync, close, rename).
  testing::FaultInjectionFiles files(cache_.path(), {testing::FaultKind::kKillMid, 4});
  EXPECT_FALSE(SaveIndex(*live_, cache_.path(), files).ok());
  ASSERT_TRUE(files.dead());
  EXPECT_NE(files.steps()[4].find("rename"), std::string::npos) << files.steps()[4];
  std::ifstream f(CacheFile(), std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(f), {}), old_bytes);
  const StartReport r = Open();  // the old cache, plus the append re-derived
  EXPECT_EQ(r.kind, StartKind::kReused);
  EXPECT_EQ(SortedCanonically(Text()), CanonicalIndex(log_.path()));
}

TEST_F(WarmStartTest, TheDefaultCacheDirIsNamedAfterTheLogDir) {
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  const std::string dir = DefaultCacheDir(log_.path());
  unsetenv("XDG_CACHE_HOME");
  EXPECT_TRUE(dir.starts_with("/xdg/logdex/"));
  EXPECT_EQ(dir.size(), std::string("/xdg/logdex/").size() + 16);
}

}  // namespace
}  // namespace logdex::recovery

namespace logdex::recovery {
namespace {

// A cache can pass both checksums and still hold runs that do not add up
// (a bug in an older writer, or a crafted file): it is damaged, not reused.
TEST_F(WarmStartTest, ACacheWhoseRowsDoNotAddUpIsMovedAside) {
  Open();
  CacheImage image = ImageOf(*live_);
  for (auto& run : image.runs) {
    auto lying = std::make_shared<index::Run>(*run);
    lying->rendered_size += 1;  // one byte more than its rows render to
    run = lying;
  }
  ASSERT_TRUE(WriteCacheFile(cache_.path(), image).ok());
  const StartReport r = Open();
  EXPECT_EQ(r.kind, StartKind::kRebuiltDamaged);
  EXPECT_TRUE(std::filesystem::exists(CacheFile() + ".bad"));
  EXPECT_EQ(Text(), CanonicalIndex(log_.path()));
}

}  // namespace
}  // namespace logdex::recovery
