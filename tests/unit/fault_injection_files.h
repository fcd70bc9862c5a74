// A recovery::DurableFiles for tests, after LevelDB's FaultInjectionTestEnv:
// the real files of a directory tree (the root), plus a model of what of
// them is durable, and faults at any call ("step") of a writer:
//   kKillAfter / kKillMid      the process dies after a step, or inside it
//                              (an Append has written half its bytes; other
//                              calls are atomic: not done);
//   kIoErrorAt                 the step fails with kDataLoss and does nothing
//                              (an Append writes half its bytes first); the
//                              writer goes on (cleans up, returns an error);
//   kPowerCutAfter / kPowerCutMid
//                              the machine loses power after a step, or inside
//                              it (an Append half done; a Sync that made only
//                              the first half of the file durable; a SyncDir
//                              that wrote only the first half of the
//                              directory's changes).
// After a kill or a power cut every later call fails and does nothing, as if
// the process were gone; the writer's own code may still run, so everything
// it changes must go through this interface (UnchangedSinceDeath() checks).
//
// Calls go to the real files, except fsync: durability exists only in the
// model, and a real fsync would cost the tests seconds on a busy disk.
// What is durable follows durable_files.h: file bytes once Sync()ed; a
// directory entry change (Create, MakeDir, Rename, Link, Unlink) once its
// directory is SyncDir()ed. A power cut keeps the durable state plus any
// subset of the pending entry changes, applied in their order: PowerCut(mask)
// rewrites the real tree below the root to one such state (a rename between
// two directories is one pending change in each). Everything below the root
// when the object is made counts as durable; files made below it by anyone
// but this object are not known, and a power cut drops them.
#ifndef LOGDEX_TESTS_UNIT_FAULT_INJECTION_FILES_H_
#define LOGDEX_TESTS_UNIT_FAULT_INJECTION_FILES_H_

#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "recovery/durable_files.h"

namespace logdex::testing {

enum class FaultKind { kNone, kKillAfter, kKillMid, kIoErrorAt, kPowerCutAfter, kPowerCutMid };
inline constexpr FaultKind kAllFaults[] = {FaultKind::kKillAfter, FaultKind::kKillMid, FaultKind::kIoErrorAt,
                                           FaultKind::kPowerCutAfter, FaultKind::kPowerCutMid};
std::string_view FaultKindName(FaultKind kind);
// A power cut (or none): what a test checks after every power-cut mask; the
// other faults leave the disk as the dead process left it.
inline bool IsPowerCut(FaultKind kind) {
  return kind == FaultKind::kPowerCutAfter || kind == FaultKind::kPowerCutMid || kind == FaultKind::kNone;
}

struct Fault {
  FaultKind kind = FaultKind::kNone;
  int step = -1;  // 0-based index of the call it hits
};

// Where a test using this class should make its root: /dev/shm when it is a
// writable directory (a tmpfs: the durability is modelled, and the many
// creates, renames and removals of a fault sweep are 10x faster there than
// on a disk busy with other fsyncs), else the usual temp dir.
std::string ScratchParent();

// A tree below a root: relative path -> contents ("/" for a directory).
using TreeContents = std::map<std::string, std::string>;
TreeContents ReadTree(const std::string& root);

class FaultInjectionFiles final : public recovery::DurableFiles {
 public:
  // `root` must exist; everything below it now counts as durable.
  explicit FaultInjectionFiles(std::string root, Fault fault = {});
  ~FaultInjectionFiles() override;

  // One line per call made so far: "3 create a/index.cache.tmp.1.0".
  const std::vector<std::string>& steps() const { return steps_; }
  // Killed or powered off (the fault happened).
  bool dead() const { return dead_; }
  bool fault_happened() const { return fault_happened_; }
  // Problems in the use of this object (an untracked path, a call outside
  // the root); a test expects none.
  const std::vector<std::string>& misuse() const { return misuse_; }

  // Pending directory entry changes (not yet made durable), in order.
  size_t pending() const { return pending_.size(); }
  std::vector<std::string> PendingDescriptions() const;
  // The masks of pending changes a power cut may keep: every subset when
  // there are at most max_all, else every prefix and every single one.
  std::vector<uint64_t> PowerCutMasks(size_t max_all = 8) const;
  // Rewrites the tree below the root to what survives a power cut now that
  // keeps the pending changes in `mask` (bit i: the i-th). May be called
  // again with another mask: each starts from the model, not from the disk.
  void PowerCut(uint64_t mask);

  // The real tree is as it was at the kill or power cut (nothing bypassed
  // this object after it); "" if so, else what differs.
  std::string UnchangedSinceDeath() const;

  // "<fault> step N (<that step>)": how a sweep names this run.
  std::string ScenarioName() const;
  // The problems of the run itself, each prefixed by `scenario`: misuse, a
  // fault that never happened, changes after the death.
  std::vector<std::string> RunViolations(const std::string& scenario) const;

  // recovery::DurableFiles
  absl::StatusOr<std::unique_ptr<recovery::DurableFile>> Create(recovery::Dir dir, std::string_view name,
                                                                unsigned mode) override;
  absl::Status MakeDir(recovery::Dir parent, std::string_view name, unsigned mode) override;
  absl::Status Rename(recovery::Dir from, std::string_view from_name, recovery::Dir to,
                      std::string_view to_name) override;
  absl::Status Link(recovery::Dir from, std::string_view from_name, recovery::Dir to,
                    std::string_view to_name) override;
  absl::Status Unlink(recovery::Dir dir, std::string_view name) override;
  absl::Status SyncDir(recovery::Dir dir) override;

 private:
  class File;
  struct Inode {
    bool dir = false;
    unsigned mode = 0;
    std::string live;     // what a reader sees
    std::string durable;  // what survives a power cut
  };
  static Inode NewInode(bool dir, unsigned mode);
  // One directory's entries changed by one call: path -> inode (-1: none).
  struct Change {
    std::string dir;
    std::vector<std::pair<std::string, int>> entries;
    std::string what;
  };
  enum class Phase { kBefore, kMid };
  // Called at the start of each call: its step number. Returns an error
  // status when the call must not go on (dead, or an I/O error now), and
  // sets *mid when the fault is inside this call.
  absl::Status Enter(const std::string& what, bool* mid);
  // Called when a call completed: a kKillAfter/kPowerCutAfter fault here.
  void Leave();
  void Die();
  std::optional<std::string> Rel(int dir_fd, std::string_view name);
  int Lookup(const std::string& rel);
  void AddChange(Change change);
  absl::Status FileAppend(int ino, int fd, std::string_view bytes);
  absl::Status FileSync(int ino, int fd);
  absl::Status FileClose(int fd);

  const std::string root_;  // real path
  const Fault fault_;
  int step_ = -1;  // the current call's step
  bool dead_ = false;
  bool fault_happened_ = false;
  std::vector<std::string> steps_;
  std::vector<std::string> misuse_;
  std::vector<Inode> inodes_;
  std::map<std::string, int> live_;     // rel path -> inode ("" the root)
  std::map<std::string, int> durable_;  // committed entries
  std::vector<Change> pending_;
  TreeContents at_death_;
};

// The sweep of a power-loss test: `run` once with no fault (its step count
// told through *steps), then once for every fault of `kinds` at every step;
// returns every violation the runs return, and the step count in *steps.
using FaultRun = std::function<std::vector<std::string>(Fault fault, size_t* steps)>;
std::vector<std::string> SweepFaults(const FaultRun& run, const std::vector<FaultKind>& kinds, size_t* steps);
inline std::vector<std::string> SweepFaults(const FaultRun& run, size_t* steps) {
  return SweepFaults(run, {std::begin(kAllFaults), std::end(kAllFaults)}, steps);
}

// At most `max` violations, one a line, then how many more.
std::string ViolationLines(const std::vector<std::string>& violations, size_t max = 20);

// A broken writer's files: the real ones (`inner`), except that a file's
// Sync() does nothing, so the writer renames bytes that are not yet durable.
// The power-loss tests show that their checks catch such a writer.
class RenamesBeforeTheBytesAreDurable final : public recovery::ForwardingFiles {
 public:
  using recovery::ForwardingFiles::ForwardingFiles;
  absl::StatusOr<std::unique_ptr<recovery::DurableFile>> Create(recovery::Dir dir, std::string_view name,
                                                                unsigned mode) override {
    absl::StatusOr<std::unique_ptr<recovery::DurableFile>> file = inner_.Create(dir, name, mode);
    if (!file.ok()) return file.status();
    return std::unique_ptr<recovery::DurableFile>(new NoSyncFile(*std::move(file)));
  }

 private:
  class NoSyncFile final : public recovery::DurableFile {
   public:
    explicit NoSyncFile(std::unique_ptr<recovery::DurableFile> inner) : inner_(std::move(inner)) {}
    absl::Status Append(std::string_view bytes) override { return inner_->Append(bytes); }
    absl::Status Sync() override { return absl::OkStatus(); }
    absl::Status Close() override { return inner_->Close(); }

   private:
    std::unique_ptr<recovery::DurableFile> inner_;
  };
};

}  // namespace logdex::testing

#endif  // LOGDEX_TESTS_UNIT_FAULT_INJECTION_FILES_H_
