// The index cache save (recovery/cache_file.h, SPEC §6) through a kill, an
// I/O error and a power cut at every step, and inside every step
// (fault_injection_files.h): after each, the next mount's real open path
// (recovery::OpenIndex, as fs/index_holder.cc calls it) finds the old cache
// or the new one, byte for byte, and reuses it wholly -- or no cache at all
// when there was none before and the save had not returned OK -- never a
// damaged cache, never one moved aside; and its index is the one a fresh
// build makes. Power cuts keep every subset of the directory changes not yet
// made durable. Two deliberately broken writers show the checks can fail.
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fault_injection_files.h"
#include "gtest/gtest.h"
#include "index/live_index.h"
#include "index_text.h"
#include "recovery/cache_file.h"
#include "recovery/cache_format.h"
#include "recovery/durable_files.h"
#include "recovery/warm_start.h"
#include "temp_dir.h"

namespace logdex::recovery {
namespace {

using testing::Fault;
using testing::FaultInjectionFiles;
using testing::FaultKind;
using testing::ReadFile;
using testing::RenamesBeforeTheBytesAreDurable;

// ---- Broken writers: the real one through files that drop a promise ------

// Syncs only the cache dir itself, never the parent of a directory it made:
// the bug a first save had.
class NeverSyncsANewDirIntoItsParent final : public ForwardingFiles {
 public:
  NeverSyncsANewDirIntoItsParent(DurableFiles& inner, std::string cache_dir)
      : ForwardingFiles(inner), cache_dir_(std::filesystem::weakly_canonical(cache_dir)) {}
  absl::Status SyncDir(Dir dir) override {
    std::error_code ec;
    const auto path = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(dir.fd), ec);
    if (path != cache_dir_) return absl::OkStatus();
    return inner_.SyncDir(dir);
  }

 private:
  const std::filesystem::path cache_dir_;
};

using Wrap = std::function<std::unique_ptr<DurableFiles>(DurableFiles& inner, const std::string& cache_dir)>;

// ---- The fixture ----------------------------------------------------------

class CacheSavePowerLossTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_.Write("a.jsonl", "{\"type\":\"a0\",\"id\":\"1\"}\n");
    log_.Write("b/c.jsonl", "{\"uuid\":\"u0\",\"sessionId\":\"s\"}\n");
    old_bytes_ = EncodeCache(ImageOf(*Built()));
    // The logs move on: the new save differs from the old cache.
    log_.Write("a.jsonl", "{\"type\":\"a0\",\"id\":\"1\"}\n{\"type\":\"a1\",\"id\":\"2\"}\n");
    log_.Write("d.jsonl", "{\"type\":\"d0\"}\n");
    live_ = Built();
    new_bytes_ = EncodeCache(ImageOf(*live_));
    ASSERT_NE(old_bytes_, new_bytes_);
    canonical_ = testing::CanonicalIndex(log_.path());
  }

  std::unique_ptr<index::LiveIndex> Built() const {
    auto live = std::make_unique<index::LiveIndex>(log_.path(), index::ScanOptions());
    EXPECT_TRUE(live->Build().ok());
    return live;
  }
  // Two levels the first save makes: the cache dir and its parent.
  std::string CacheDir() const { return state_.Path("c1/c2"); }

  // The state before a save: nothing below the root, or the old cache.
  void Reset(bool old_cache) {
    for (const auto& e : std::filesystem::directory_iterator(state_.path())) std::filesystem::remove_all(e.path());
    if (!old_cache) return;
    state_.Write("c1/c2/index.cache", old_bytes_);
    chmod(state_.Path("c1").c_str(), kCacheDirMode);
    chmod(CacheDir().c_str(), kCacheDirMode);
    chmod(CachePath().c_str(), kCacheFileMode);
  }
  std::string CachePath() const { return CacheFilePath(CacheDir()); }

  // What a state left by a fault must be, and what the next mount makes of
  // it; appends a line per violation to *violations.
  void Check(const std::string& scenario, bool old_cache, bool save_ok, std::vector<std::string>* violations) {
    ++scenarios_;
    auto violation = [&](const std::string& what) { violations->push_back(scenario + ": " + what); };
    struct stat st;
    const bool present = lstat(CachePath().c_str(), &st) == 0;
    if (present) {
      const std::string bytes = ReadFile(CachePath());
      if (bytes != new_bytes_ && !(old_cache && bytes == old_bytes_)) {
        violation("index.cache is neither the old cache nor the new one (" + std::to_string(bytes.size()) +
                  " bytes)");
      } else if (bytes != new_bytes_ && save_ok) {
        violation("the save returned OK, yet index.cache is the old one");
      }
    } else if (old_cache) {
      violation("the old cache is gone");
    } else if (save_ok) {
      violation("the save returned OK, yet there is no index.cache");
    }
    // The next mount.
    index::LiveIndex mounted(log_.path(), index::ScanOptions());
    absl::StatusOr<StartReport> start = OpenIndex(mounted, CacheDir(), VerifyMode::kFull);
    if (!start.ok()) {
      violation("the mount failed: " + std::string(start.status().message()));
      return;
    }
    if (present && start->kind != StartKind::kReused) {
      violation("the mount did not reuse index.cache: " + std::string(StartKindName(start->kind)) + " " +
                start->detail);
    } else if (present && start->files_rescanned != 0) {
      violation("the mount rescanned files whose cached rows failed their check");
    } else if (!present && start->kind != StartKind::kBuilt) {
      violation(std::string("the mount without a cache: ") + std::string(StartKindName(start->kind)));
    }
    if (lstat((CachePath() + std::string(kBadSuffix)).c_str(), &st) == 0) violation("a cache was moved aside");
    std::string text;
    mounted.Read(0, mounted.Size(), &text);
    if (testing::SortedCanonically(text) != canonical_) violation("the index differs from a fresh build");
  }

  // The save from the given start under `fault`; then every state it may
  // leave is checked (a kill: the files as they are; an I/O error: as they
  // are, and after a power cut then; a power cut: every subset of pending
  // changes). Returns the violations; *steps is set to the calls made.
  std::vector<std::string> Run(bool old_cache, Fault fault, const Wrap& wrap = nullptr, size_t* steps = nullptr) {
    Reset(old_cache);
    FaultInjectionFiles files(state_.path(), fault);
    std::unique_ptr<DurableFiles> wrapped = wrap ? wrap(files, CacheDir()) : nullptr;
    const absl::Status saved = SaveIndex(*live_, CacheDir(), wrapped ? *wrapped : files);
    if (steps != nullptr) *steps = files.steps().size();
    const std::string scenario = (old_cache ? "over an old cache, " : "first save, ") + files.ScenarioName();
    std::vector<std::string> violations = files.RunViolations(scenario);
    const bool power_cut = testing::IsPowerCut(fault.kind);
    if (!power_cut) Check(scenario, old_cache, saved.ok(), &violations);
    if (fault.kind == FaultKind::kIoErrorAt && saved.ok()) violations.push_back(scenario + ": the save returned OK");
    if (power_cut || fault.kind == FaultKind::kIoErrorAt) {
      for (uint64_t mask : files.PowerCutMasks()) {
        files.PowerCut(mask);
        Check(scenario + ", power cut keeping pending changes " + std::to_string(mask), old_cache, saved.ok(),
              &violations);
      }
    }
    return violations;
  }

  // Every fault at every step of a save from the given start.
  std::vector<std::string> RunAll(bool old_cache, const Wrap& wrap = nullptr) {
    size_t steps = 0;
    std::vector<std::string> violations = testing::SweepFaults(
        [&](Fault fault, size_t* n) { return Run(old_cache, fault, wrap, n); }, &steps);
    EXPECT_GT(steps, 0u);
    std::printf("cache save %s: %zu steps, %d scenarios checked\n", old_cache ? "over an old cache" : "first save",
                steps, scenarios_);
    return violations;
  }

  testing::TempDir log_{testing::ScratchParent()};
  testing::TempDir state_{testing::ScratchParent()};
  std::unique_ptr<index::LiveIndex> live_;
  std::string old_bytes_, new_bytes_, canonical_;
  int scenarios_ = 0;
};

// ---- The order of a save ---------------------------------------------------

TEST_F(CacheSavePowerLossTest, AFirstSaveMakesEachNewDirDurableInItsParentBeforeWritingTheCache) {
  Reset(false);
  FaultInjectionFiles files(state_.path());
  ASSERT_TRUE(SaveIndex(*live_, CacheDir(), files).ok());
  std::vector<std::string> calls = files.steps();
  ASSERT_EQ(calls.size(), 10u) << testing::ViolationLines(calls);
  for (std::string& c : calls) c = c.substr(c.find(' ') + 1);
  const std::string temp = calls[4].substr(std::string("create ").size());
  EXPECT_EQ(temp.rfind("c1/c2/index.cache.tmp.", 0), 0u) << temp;
  EXPECT_EQ(calls, (std::vector<std::string>{"mkdir c1", "fsync dir .", "mkdir c1/c2", "fsync dir c1",
                                             "create " + temp, "append " + std::to_string(new_bytes_.size()) +
                                             " bytes", "fsync file", "close file", "rename " + temp +
                                             " to c1/c2/index.cache", "fsync dir c1/c2"}));
  EXPECT_EQ(files.pending(), 0u) << testing::ViolationLines(files.PendingDescriptions());
}

// ---- Every fault at every step --------------------------------------------

TEST_F(CacheSavePowerLossTest, AFirstSaveFaultedAnywhereLeavesNoCacheOrTheNewOneAndAMountTrustsOnlyThat) {
  const std::vector<std::string> violations = RunAll(/*old_cache=*/false);
  EXPECT_TRUE(violations.empty()) << testing::ViolationLines(violations);
}

TEST_F(CacheSavePowerLossTest, ASaveOverAnOldCacheFaultedAnywhereLeavesTheOldOrTheNewCacheWhole) {
  const std::vector<std::string> violations = RunAll(/*old_cache=*/true);
  EXPECT_TRUE(violations.empty()) << testing::ViolationLines(violations);
}

TEST_F(CacheSavePowerLossTest, AFirstSaveThatReturnedOkSurvivesAPowerCutRightAfter) {
  const std::vector<std::string> violations = Run(false, Fault{FaultKind::kPowerCutAfter, 9});
  EXPECT_TRUE(violations.empty()) << testing::ViolationLines(violations);
}

// ---- The checks catch broken writers --------------------------------------

TEST_F(CacheSavePowerLossTest, AWriterThatRenamesBeforeItsBytesAreDurableIsCaught) {
  const Wrap no_fsync = [](DurableFiles& inner, const std::string&) {
    return std::make_unique<RenamesBeforeTheBytesAreDurable>(inner);
  };
  const std::vector<std::string> violations = RunAll(/*old_cache=*/true, no_fsync);
  ASSERT_FALSE(violations.empty());
  EXPECT_NE(violations[0].find("neither the old cache nor the new one"), std::string::npos)
      << testing::ViolationLines(violations);
}

TEST_F(CacheSavePowerLossTest, AWriterThatLeavesANewCacheDirUnsyncedInItsParentIsCaught) {
  const Wrap no_parent_sync = [](DurableFiles& inner, const std::string& cache_dir) {
    return std::make_unique<NeverSyncsANewDirIntoItsParent>(inner, cache_dir);
  };
  const std::vector<std::string> violations = Run(false, Fault{FaultKind::kPowerCutAfter, 7}, no_parent_sync);
  ASSERT_FALSE(violations.empty());
  EXPECT_NE(violations[0].find("the save returned OK, yet there is no index.cache"), std::string::npos)
      << testing::ViolationLines(violations);
}

}  // namespace
}  // namespace logdex::recovery
