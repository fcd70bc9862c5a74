// `logdex rebuild`'s engine (recovery/pi_rebuild.h) on a temp pi store: a
// missing, stale, ghost or wrong index is replaced by the derived bytes and
// the old one kept as .bak; an index that is right is not touched; a dry run
// writes nothing; a locked store is skipped; a crash after any step leaves
// the old index or the new one and a rerun finishes; segments never change.
//
// The derived bytes are injected (PiRebuildOptions::derive) so the writer is
// tested on its own: the store is PI_FORMAT §8's worked example, whose rows
// were computed independently. One test at the end runs the real derivation.
#include "recovery/pi_rebuild.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "open_watch.h"
#include "pi_fixtures.h"
#include "temp_dir.h"

namespace logdex::recovery {
namespace {

using testing::OpenWatch;
using testing::ReadFile;
using testing::pi::kFrame1;
using testing::pi::kFrame2;
using testing::pi::kRow1;
using testing::pi::kRow2;

// Row 2 with a CRC one off: what a damaged or foreign index might hold.
constexpr std::string_view kRow2WrongCrc =
    R"({"schema":"pi.session_store_v2.offset_index.v1","entrySeq":2,"entryId":"e5f6a7b8","segmentSeq":1,"frameSeq":2,"byteOffset":429,"byteLength":432,"crc32c":"638DCC44","state":"active"})"
    "\n";
constexpr std::string_view kRow3Ghost =
    R"({"schema":"pi.session_store_v2.offset_index.v1","entrySeq":3,"entryId":"ffffffff","segmentSeq":1,"frameSeq":3,"byteOffset":861,"byteLength":100,"crc32c":"00000000","state":"active"})"
    "\n";

const std::string kRows = std::string(kRow1) + std::string(kRow2);

// A stop at byte `offset` of segment 1.
index::PiStop StopAt(index::PiStopReason reason, index::PiAction action, uint64_t offset) {
  index::PiStop stop;
  stop.reason = reason;
  stop.action = action;
  stop.segment_seq = 1;
  stop.segment = "0000000000000001.seg";
  stop.byte_offset = offset;
  stop.damage = true;
  return stop;
}

// One entry of a store's tree: enough to tell that nothing was touched.
struct Entry {
  unsigned mode = 0;
  uint64_t ino = 0;
  int64_t mtime_ns = 0;
  std::string bytes;  // regular files: contents; symlinks: target
  bool operator==(const Entry&) const = default;
};
using Snapshot = std::map<std::string, Entry>;

Snapshot TakeSnapshot(const std::string& root) {
  Snapshot snap;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    struct stat st;
    EXPECT_EQ(lstat(e.path().c_str(), &st), 0) << e.path();
    Entry entry{st.st_mode, st.st_ino, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, ""};
    if (S_ISREG(st.st_mode)) entry.bytes = ReadFile(e.path());
    if (S_ISLNK(st.st_mode)) entry.bytes = std::filesystem::read_symlink(e.path()).string();
    snap[std::filesystem::relative(e.path(), root).string()] = entry;
  }
  return snap;
}

class PiRebuildTest : public ::testing::Test {
 protected:
  static constexpr char kStore[] = "p/s.v2";

  void SetUp() override {
    Write("segments/0000000000000001.seg", std::string(kFrame1) + std::string(kFrame2));
    root_fd_ = open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(root_fd_, 0);
    derived_.bytes = kRows;
    derived_.rows = 2;
  }
  void TearDown() override { close(root_fd_); }

  // ---- Verbs ----
  std::string Path(std::string_view rel) const {
    return dir_.Path(std::string(kStore) + "/" + std::string(rel));
  }
  void Write(std::string_view rel, std::string_view bytes) {
    dir_.Write(std::string(kStore) + "/" + std::string(rel), bytes);
  }
  void WriteIndex(std::string_view bytes) { Write("index/offsets.jsonl", bytes); }
  void WriteBackup(std::string_view bytes) { Write("index/offsets.jsonl.bak", bytes); }
  bool Exists(std::string_view rel) const {
    struct stat st;
    return lstat(Path(rel).c_str(), &st) == 0;
  }
  std::optional<std::string> Read(std::string_view rel) const {
    if (!Exists(rel)) return std::nullopt;
    return ReadFile(Path(rel));
  }
  std::optional<std::string> Index() const { return Read("index/offsets.jsonl"); }
  std::optional<std::string> Backup() const { return Read("index/offsets.jsonl.bak"); }
  unsigned Mode(std::string_view rel) const {
    struct stat st;
    EXPECT_EQ(lstat(Path(rel).c_str(), &st), 0) << rel;
    return st.st_mode & 07777;
  }
  Snapshot StoreTree() const { return TakeSnapshot(dir_.Path(kStore)); }
  Snapshot Segments() const { return TakeSnapshot(Path("segments")); }
  std::vector<std::string> TmpFiles() const {
    std::vector<std::string> names;
    if (!Exists("tmp")) return names;
    for (const auto& e : std::filesystem::directory_iterator(Path("tmp")))
      names.push_back(e.path().filename());
    return names;
  }

  PiRebuildOptions Options(bool dry_run = false) {
    PiRebuildOptions o;
    o.dry_run = dry_run;
    o.derive = [this](int) -> absl::StatusOr<index::PiDerivedIndex> {
      ++derive_calls_;
      return derived_;
    };
    return o;
  }
  // Every rebuild is also checked never to change a segment.
  PiStoreReport Rebuild(const PiRebuildOptions& options) {
    const Snapshot before = Segments();
    PiStoreReport r = RebuildPiStore(root_fd_, kStore, options);
    EXPECT_EQ(Segments(), before) << "a segment changed";
    return r;
  }
  PiStoreReport Rebuild(bool dry_run = false) { return Rebuild(Options(dry_run)); }

  // Makes the lock file, as pi does on every mutation; returns an fd that no
  // longer holds the lock.
  int HoldLockThenRelease() {
    const int fd = HoldLock();
    EXPECT_EQ(flock(fd, LOCK_UN), 0);
    return fd;
  }
  // Holds pi's lock, as pi does while it mutates the store.
  int HoldLock() {
    const int fd = open(Path("store.mutation.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
    return fd;
  }

  testing::TempDir dir_;
  int root_fd_ = -1;
  index::PiDerivedIndex derived_;
  int derive_calls_ = 0;
};

// ---- Writing what differs ---------------------------------------------------

TEST_F(PiRebuildTest, AMissingIndexIsWrittenPrivatelyWithTheDerivedBytes) {
  const PiStoreReport r = Rebuild();
  EXPECT_EQ(r.result, PiStoreResult::kRewritten) << r.error;
  EXPECT_FALSE(r.unrepaired());
  EXPECT_EQ(Index(), kRows);
  EXPECT_FALSE(r.backed_up);
  EXPECT_FALSE(Backup().has_value());
  EXPECT_EQ(Mode("index/offsets.jsonl"), 0600u);
  EXPECT_EQ(Mode("index"), 0700u);
  EXPECT_EQ(Mode("tmp"), 0700u);
  EXPECT_EQ(Mode("store.mutation.lock"), 0600u);
  EXPECT_TRUE(TmpFiles().empty());
}

TEST_F(PiRebuildTest, AStaleIndexIsRewrittenAndTheOldOneKeptAsBak) {
  WriteIndex(kRow1);
  const PiStoreReport r = Rebuild();
  EXPECT_EQ(r.result, PiStoreResult::kRewritten) << r.error;
  EXPECT_EQ(Index(), kRows);
  EXPECT_TRUE(r.backed_up);
  EXPECT_EQ(Backup(), std::string(kRow1));
  EXPECT_EQ(Mode("index/offsets.jsonl"), 0600u);
  EXPECT_TRUE(TmpFiles().empty());
}

TEST_F(PiRebuildTest, GhostRowsAreRemovedAndTheOldIndexKept) {
  const std::string old = kRows + std::string(kRow3Ghost);
  WriteIndex(old);
  EXPECT_EQ(Rebuild().result, PiStoreResult::kRewritten);
  EXPECT_EQ(Index(), kRows);
  EXPECT_EQ(Backup(), old);
}

TEST_F(PiRebuildTest, WrongRowsAreFixedAndTheOldIndexKept) {
  const std::string old = std::string(kRow1) + std::string(kRow2WrongCrc);
  WriteIndex(old);
  EXPECT_EQ(Rebuild().result, PiStoreResult::kRewritten);
  EXPECT_EQ(Index(), kRows);
  EXPECT_EQ(Backup(), old);
}

TEST_F(PiRebuildTest, AnEmptyDerivationGivesAnEmptyIndex) {
  derived_ = index::PiDerivedIndex();
  WriteIndex(kRows);
  EXPECT_EQ(Rebuild().result, PiStoreResult::kRewritten);
  EXPECT_EQ(Index(), "");
  EXPECT_EQ(Backup(), kRows);
}

TEST_F(PiRebuildTest, AtMostOneBackupIsKeptAndItIsTheLastReplacedIndex) {
  WriteBackup("oldest\n");
  WriteIndex(kRow1);
  ASSERT_EQ(Rebuild().result, PiStoreResult::kRewritten);
  WriteIndex(kRow2);  // drifts again
  ASSERT_EQ(Rebuild().result, PiStoreResult::kRewritten);
  EXPECT_EQ(Index(), kRows);
  EXPECT_EQ(Backup(), std::string(kRow2));
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(Path("index")))
    names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"offsets.jsonl", "offsets.jsonl.bak"}));
}

TEST_F(PiRebuildTest, WithNoPreviousIndexTheOldBackupStays) {
  WriteBackup("an older index\n");
  const PiStoreReport r = Rebuild();
  EXPECT_EQ(r.result, PiStoreResult::kRewritten);
  EXPECT_FALSE(r.backed_up);
  EXPECT_EQ(Index(), kRows);
  EXPECT_EQ(Backup(), "an older index\n");
}

// ---- Touching nothing -------------------------------------------------------

TEST_F(PiRebuildTest, AnIndexThatIsAlreadyRightIsNotTouched) {
  WriteIndex(kRows);
  for (const bool lock_file : {false, true}) {
    SCOPED_TRACE(lock_file ? "with a lock file" : "without a lock file (none is made)");
    if (lock_file) close(HoldLockThenRelease());
    const Snapshot before = StoreTree();
    const PiStoreReport r = Rebuild();
    EXPECT_EQ(r.result, PiStoreResult::kAlreadyRight);
    EXPECT_FALSE(r.unrepaired());
    EXPECT_EQ(StoreTree(), before);  // names, modes, inodes, mtimes, bytes
  }
}

TEST_F(PiRebuildTest, AStoreWithoutALockFileGetsOneMadePrivately) {
  WriteIndex(kRow1);
  EXPECT_EQ(Rebuild().result, PiStoreResult::kRewritten);
  EXPECT_EQ(derive_calls_, 1);
  EXPECT_EQ(Mode("store.mutation.lock"), 0600u);
}

TEST_F(PiRebuildTest, ALockFileThatAppearsAfterTheFirstLookMeansLookingAgainUnderTheLock) {
  WriteIndex(kRow1);
  PiRebuildOptions o = Options();
  o.derive = [this](int) -> absl::StatusOr<index::PiDerivedIndex> {
    if (++derive_calls_ == 1) close(HoldLockThenRelease());  // pi started meanwhile, and is done
    return derived_;
  };
  EXPECT_EQ(Rebuild(o).result, PiStoreResult::kRewritten);
  EXPECT_EQ(derive_calls_, 2);
  EXPECT_EQ(Index(), kRows);
}

TEST_F(PiRebuildTest, ASecondRunChangesNothing) {
  WriteIndex(kRow1);
  ASSERT_EQ(Rebuild().result, PiStoreResult::kRewritten);
  const Snapshot before = StoreTree();
  EXPECT_EQ(Rebuild().result, PiStoreResult::kAlreadyRight);
  EXPECT_EQ(StoreTree(), before);
}

TEST_F(PiRebuildTest, ADryRunWritesNothingAtAll) {
  for (const bool with_index : {false, true}) {
    SCOPED_TRACE(with_index ? "stale index" : "no index/ at all");
    if (with_index) WriteIndex(kRow1);
    const Snapshot before = StoreTree();
    const PiStoreReport r = Rebuild(/*dry_run=*/true);
    EXPECT_EQ(r.result, PiStoreResult::kRewritten) << r.error;  // would be
    EXPECT_TRUE(r.dry_run);
    EXPECT_EQ(StoreTree(), before);
    EXPECT_FALSE(Exists("store.mutation.lock"));
    EXPECT_FALSE(Exists("tmp"));
  }
}

TEST_F(PiRebuildTest, ADryRunLeavesOurOwnLeftoversAlone) {
  WriteIndex(kRows);
  Write("tmp/offsets.logdex.tmp", "half a shadow");
  const Snapshot before = StoreTree();
  EXPECT_EQ(Rebuild(/*dry_run=*/true).result, PiStoreResult::kAlreadyRight);
  EXPECT_EQ(StoreTree(), before);
}

TEST_F(PiRebuildTest, ALockedStoreIsSkippedAndNotTouched) {
  WriteIndex(kRow1);
  const int lock = HoldLock();
  for (const bool dry_run : {false, true}) {
    SCOPED_TRACE(dry_run ? "dry run" : "real run");
    const Snapshot before = StoreTree();
    const PiStoreReport r = Rebuild(dry_run);
    EXPECT_EQ(r.result, PiStoreResult::kLocked);
    EXPECT_TRUE(r.unrepaired());
    EXPECT_EQ(StoreTree(), before);
  }
  EXPECT_EQ(derive_calls_, 0) << "the segments were read while pi held the lock";
  close(lock);
  EXPECT_EQ(Rebuild().result, PiStoreResult::kRewritten);
  EXPECT_EQ(Index(), kRows);
}

TEST_F(PiRebuildTest, TheLockIsHeldWhileTheStoreIsWorkedOn) {
  PiRebuildOptions o = Options();
  bool tried = false;
  o.after_step = [&](RebuildStep) {
    if (tried) return;
    tried = true;
    const int fd = open(Path("store.mutation.lock").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_NE(flock(fd, LOCK_EX | LOCK_NB), 0) << "pi could take the lock mid-rebuild";
    close(fd);
  };
  EXPECT_EQ(Rebuild(o).result, PiStoreResult::kRewritten);
  EXPECT_TRUE(tried);
}

// ---- Refusing to make things worse -----------------------------------------

TEST_F(PiRebuildTest, AShadowThatDisagreesWithTheSegmentsIsNeverInstalled) {
  WriteIndex(kRow1);
  derived_.bytes = std::string(kRow1) + std::string(kRow2WrongCrc);
  const PiStoreReport r = Rebuild();
  EXPECT_EQ(r.result, PiStoreResult::kFailed);
  EXPECT_EQ(r.error.code(), absl::StatusCode::kDataLoss) << r.error;
  EXPECT_NE(r.error.message().find("row 2"), absl::string_view::npos) << r.error;
  EXPECT_EQ(Index(), std::string(kRow1));
  EXPECT_FALSE(Backup().has_value());
  EXPECT_TRUE(TmpFiles().empty());
}

TEST_F(PiRebuildTest, ARowPastTheEndOfItsSegmentIsNeverInstalled) {
  derived_.bytes = kRows + std::string(kRow3Ghost);
  const PiStoreReport r = Rebuild();
  EXPECT_EQ(r.result, PiStoreResult::kFailed);
  EXPECT_NE(r.error.message().find("past the end"), absl::string_view::npos) << r.error;
  EXPECT_FALSE(Index().has_value());
}

TEST_F(PiRebuildTest, WherePiWouldCutASegmentTheRowsBeforeItAreWrittenAndReportedUnrepaired) {
  derived_.bytes = std::string(kRow1);
  derived_.rows = 1;
  derived_.stop = StopAt(index::PiStopReason::kEntrySeq, index::PiAction::kTruncate, 429);
  const PiStoreReport r = Rebuild();
  EXPECT_EQ(r.result, PiStoreResult::kRewritten) << r.error;
  EXPECT_TRUE(r.unrepaired());
  EXPECT_EQ(Index(), std::string(kRow1));
}

TEST_F(PiRebuildTest, WherePiWouldFailTheIndexIsLeftAsItIs) {
  WriteIndex(kRows + std::string(kRow3Ghost));
  derived_.bytes = std::string(kRow1);
  derived_.rows = 1;
  derived_.stop = StopAt(index::PiStopReason::kBadFrame, index::PiAction::kFail, 429);
  const Snapshot before = StoreTree();
  const PiStoreReport r = Rebuild();
  EXPECT_EQ(r.result, PiStoreResult::kWithheld);
  EXPECT_TRUE(r.unrepaired());
  EXPECT_EQ(Index(), kRows + std::string(kRow3Ghost));
  Snapshot after = StoreTree();
  after.erase("store.mutation.lock");
  EXPECT_EQ(after, before);
}

TEST_F(PiRebuildTest, AFailureMidwayLeavesTheOldIndexAndNoTempFiles) {
  WriteIndex(kRow1);
  Write("index/offsets.jsonl.bak/in-the-way", "x");  // a directory: the backup's rename fails
  const PiStoreReport r = Rebuild();
  EXPECT_EQ(r.result, PiStoreResult::kFailed);
  EXPECT_NE(r.error.message().find("offsets.jsonl.bak"), absl::string_view::npos) << r.error;
  EXPECT_FALSE(r.installed);
  EXPECT_EQ(Index(), std::string(kRow1));
  EXPECT_TRUE(TmpFiles().empty());
}

TEST_F(PiRebuildTest, AnUnreadableSegmentIsAnErrorAndNothingIsWritten) {
  WriteIndex(kRows);
  derived_.bytes = std::string(kRow1);
  derived_.rows = 1;
  derived_.stop = StopAt(index::PiStopReason::kUnreadable, index::PiAction::kNone, 429);
  const PiStoreReport r = Rebuild();
  EXPECT_EQ(r.result, PiStoreResult::kFailed);
  EXPECT_EQ(Index(), kRows);
}

TEST_F(PiRebuildTest, ADerivationErrorLeavesTheIndexAlone) {
  WriteIndex(kRow1);
  PiRebuildOptions o = Options();
  o.derive = [](int) -> absl::StatusOr<index::PiDerivedIndex> {
    return absl::PermissionDeniedError("segments");
  };
  const PiStoreReport r = Rebuild(o);
  EXPECT_EQ(r.result, PiStoreResult::kFailed);
  EXPECT_EQ(Index(), std::string(kRow1));
}

TEST_F(PiRebuildTest, SymlinksAreNeverFollowed) {
  dir_.Write("elsewhere/offsets.jsonl", "not yours\n");
  dir_.MakeDir("elsewhere/tmp");
  struct Case {
    const char* link;
    std::string target;
  };
  for (const Case& c : {Case{"index/offsets.jsonl", dir_.Path("elsewhere/offsets.jsonl")},
                        Case{"tmp", dir_.Path("elsewhere/tmp")}, Case{"index", dir_.Path("elsewhere")},
                        Case{"store.mutation.lock", dir_.Path("elsewhere/offsets.jsonl")}}) {
    SCOPED_TRACE(c.link);
    std::filesystem::remove_all(Path("index"));
    std::filesystem::remove_all(Path("tmp"));
    std::filesystem::remove(Path("store.mutation.lock"));
    if (std::string_view(c.link) != "index") std::filesystem::create_directories(Path("index"));
    dir_.Symlink(c.target, std::string(kStore) + "/" + c.link);
    const Snapshot elsewhere = TakeSnapshot(dir_.Path("elsewhere"));
    const PiStoreReport r = Rebuild();
    EXPECT_EQ(r.result, PiStoreResult::kFailed);
    EXPECT_NE(r.error.message().find("symlink"), absl::string_view::npos) << r.error;
    EXPECT_EQ(TakeSnapshot(dir_.Path("elsewhere")), elsewhere);
    std::filesystem::remove(Path(c.link));
  }
}

TEST_F(PiRebuildTest, AStoreBehindASymlinkIsNotEntered) {
  dir_.Symlink(dir_.Path(kStore), "q");
  const PiStoreReport r = RebuildPiStore(root_fd_, "q", Options());
  EXPECT_EQ(r.result, PiStoreResult::kFailed);
  EXPECT_FALSE(Index().has_value());
}

TEST_F(PiRebuildTest, AFifoAsTheIndexOrTheLockFileFailsTheStoreAndIsNeverOpened) {
  for (const std::string rel : {"index/offsets.jsonl", "store.mutation.lock"}) {
    SCOPED_TRACE(rel);
    std::filesystem::remove_all(Path("index"));
    std::filesystem::remove(Path("store.mutation.lock"));
    std::filesystem::create_directories(Path("index"));
    ASSERT_EQ(mkfifo(Path(rel).c_str(), 0600), 0);
    const std::string name = std::filesystem::path(rel).filename();
    OpenWatch opens(std::filesystem::path(Path(rel)).parent_path(), name);
    const PiStoreReport r = Rebuild();
    EXPECT_EQ(r.result, PiStoreResult::kFailed);
    EXPECT_NE(r.error.message().find("not a regular file"), absl::string_view::npos) << r.error;
    EXPECT_EQ(opens.Opens(), 0) << "a FIFO was opened: a writer blocked on it would be released";
    std::filesystem::remove(Path(rel));
  }
}

// ---- Crashes ----------------------------------------------------------------

// Runs the rebuild in a child that aborts right after `step`.
void RebuildAndAbortAfter(int root_fd, const char* store, PiRebuildOptions options, RebuildStep step) {
  options.after_step = [step](RebuildStep s) {
    if (s == step) abort();
  };
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    RebuildPiStore(root_fd, store, options);
    _exit(0);  // never reached when the seam works
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT) << "the child did not die at the seam";
}

TEST_F(PiRebuildTest, AKillAfterAnyStepLeavesTheOldOrTheNewIndexAndARerunFinishes) {
  for (const bool had_index : {true, false}) {
    for (const RebuildStep step : kAllRebuildSteps) {
      SCOPED_TRACE(std::string(RebuildStepName(step)) + (had_index ? ", stale index" : ", no index"));
      std::filesystem::remove_all(Path("index"));
      std::filesystem::remove_all(Path("tmp"));
      WriteBackup("an older index\n");
      if (had_index) WriteIndex(kRow1);
      const std::optional<std::string> old_index = Index();

      RebuildAndAbortAfter(root_fd_, kStore, Options(), step);
      const bool renamed = step >= RebuildStep::kRenamed;
      const bool backed_up = had_index && step >= RebuildStep::kBackupKept;
      EXPECT_EQ(Index(), renamed ? std::optional<std::string>(kRows) : old_index);
      EXPECT_EQ(Backup(), backed_up ? old_index : std::optional<std::string>("an older index\n"));

      const PiStoreReport r = Rebuild();
      EXPECT_EQ(r.result, renamed ? PiStoreResult::kAlreadyRight : PiStoreResult::kRewritten) << r.error;
      EXPECT_EQ(Index(), kRows);
      EXPECT_EQ(Backup(), had_index ? old_index : std::optional<std::string>("an older index\n"));
      EXPECT_EQ(Mode("index/offsets.jsonl"), 0600u);
      EXPECT_TRUE(TmpFiles().empty()) << "leftover: " << (TmpFiles().empty() ? "" : TmpFiles()[0]);
      const Snapshot done = StoreTree();
      EXPECT_EQ(Rebuild().result, PiStoreResult::kAlreadyRight);
      EXPECT_EQ(StoreTree(), done);
    }
  }
}

TEST_F(PiRebuildTest, ALeftoverShadowOfAnyModeIsReplacedByAPrivateOne) {
  WriteIndex(kRow1);
  Write("tmp/offsets.logdex.tmp", "stale shadow");
  chmod(Path("tmp/offsets.logdex.tmp").c_str(), 0666);
  EXPECT_EQ(Rebuild().result, PiStoreResult::kRewritten);
  EXPECT_EQ(Index(), kRows);
  EXPECT_EQ(Mode("index/offsets.jsonl"), 0600u);
}

// ---- The lower layer --------------------------------------------------------

TEST_F(PiRebuildTest, ReadPiIndexTellsMissingFromEmpty) {
  const int store = open(Path("").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(store, 0);
  absl::StatusOr<std::optional<std::string>> none = ReadPiIndex(store);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
  WriteIndex("");
  absl::StatusOr<std::optional<std::string>> empty = ReadPiIndex(store);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(*empty, std::optional<std::string>(""));
  close(store);
}

TEST_F(PiRebuildTest, CheckPiRowCrcsAcceptsTheWorkedExampleAndNamesTheFirstBadRow) {
  const int store = open(Path("").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(store, 0);
  EXPECT_TRUE(CheckPiRowCrcs(store, kRows).ok());
  EXPECT_TRUE(CheckPiRowCrcs(store, "").ok());
  const absl::Status bad = CheckPiRowCrcs(store, std::string(kRow1) + std::string(kRow2WrongCrc));
  EXPECT_EQ(bad.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(bad.message().find("row 2"), absl::string_view::npos) << bad;
  EXPECT_NE(bad.message().find("segments/0000000000000001.seg:429"), absl::string_view::npos) << bad;
  EXPECT_EQ(CheckPiRowCrcs(store, "garbage\n").code(), absl::StatusCode::kDataLoss);
  close(store);
}

TEST(RebuildStepTest, NamesRoundTrip) {
  for (const RebuildStep step : kAllRebuildSteps) EXPECT_EQ(ParseRebuildStep(RebuildStepName(step)), step);
  EXPECT_FALSE(ParseRebuildStep("nope").has_value());
}

// ---- With the real derivation ------------------------------------------------

// The bundled sample store with its offsets.jsonl deleted is put back byte
// for byte (the committed file was written by the reference model).
TEST(PiRebuildRealDerivationTest, ADeletedIndexOfTheSampleStoreIsPutBackByteForByte) {
  testing::TempDir dir;
  const std::string sample = std::string(LOGDEX_TEST_DATA) + "/sample-logs/pi/sessions/demo.v2";
  std::filesystem::copy(sample, dir.Path("demo.v2"), std::filesystem::copy_options::recursive);
  const std::string expected = ReadFile(sample + "/index/offsets.jsonl");
  std::filesystem::remove(dir.Path("demo.v2/index/offsets.jsonl"));
  const int root = open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(root, 0);
  const PiStoreReport r = RebuildPiStore(root, "demo.v2", PiRebuildOptions());
  close(root);
  EXPECT_EQ(r.result, PiStoreResult::kRewritten) << r.error;
  EXPECT_EQ(r.rows, 6u);
  EXPECT_EQ(ReadFile(dir.Path("demo.v2/index/offsets.jsonl")), expected);
}

}  // namespace
}  // namespace logdex::recovery
