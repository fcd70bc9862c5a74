// The index of a log dir as it changes: what the mount serves.
//
// A full build lays rows out in canonical order. After that, frames that
// appear (appends, new files, a torn tail whose '\n' arrives) are added at the
// end in the order observed, so `tail -f index.ndjson` follows activity and
// rows never move while their frames are unchanged. When an indexed frame
// changes or disappears (a file truncated, rewritten, replaced, renamed or
// deleted) the affected files are rescanned and the whole index is
// regenerated in canonical order (SPEC §4).
//
// Change detection: a TreeWatcher (inotify) names the paths that changed;
// each is compared with its FileRecord (inode, size, mtime, and the CRC of
// its first and last frames) and only what differs is read. Cost follows
// what changed, not the size of the log dir.
//
// Versions (file_version.h): the rows live in an IndexVersion. Appends go
// into the current version; a regeneration makes a new one (a new
// generation), and the old one, still readable by whoever holds it, never
// changes again. Current() is what a new reader gets.
//
// Exhaustion (exhaustion.h): a file or directory that cannot be opened for
// lack of descriptors keeps its rows as they were and is looked at again at
// every Refresh() until that works; the events are counted (Exhaustion()).
// Nothing is ever removed or marked unreadable for that reason.
//
// Thread-safety: all methods may be called from any thread. Readers share
// mu_ (and each version's own lock); updates hold mu_ exclusively. Lock
// order: refresh_mu_ before mu_ before a version's lock; stats_mu_ is a
// leaf.
#ifndef LOGDEX_INDEX_LIVE_INDEX_H_
#define LOGDEX_INDEX_LIVE_INDEX_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "index/build_stats.h"
#include "index/file_name.h"
#include "index/file_record.h"
#include "index/exhaustion.h"
#include "index/frame_reader.h"
#include "index/log_bytes.h"
#include "index/log_tree.h"
#include "index/index_version.h"
#include "index/problem_sink.h"
#include "index/row_maker.h"
#include "index/row_store.h"
#include "index/scan_options.h"
#include "index/tree_watcher.h"

namespace logdex::index {

// How far a full build has got, readable while it runs.
struct BuildProgress {
  uint64_t files_total = 0;
  uint64_t files_done = 0;
  uint64_t bytes_total = 0;
  uint64_t bytes_done = 0;
};

// What an update did to index.ndjson.
struct IndexUpdate {
  uint64_t old_size = 0;
  uint64_t new_size = 0;
  bool regenerated = false;  // a new version replaced the current one
  bool changed() const { return regenerated || old_size != new_size; }
};

// What the index knows about running out of resources.
// Whether the log dir the index describes (the directory open since the
// start, which the index always walks) is still the one its path names.
enum class LogDirState {
  kPresent,
  kRemoved,   // deleted (rm -rf): it is empty and stays so
  kDetached,  // its path names something else or nothing (umount -l, mv)
};

struct ResourceReport {
  ExhaustionLog::Summary exhaustion;  // opens that failed for lack of descriptors
  uint64_t pending_retries = 0;       // paths waiting to be looked at again
  uint64_t unwatched_dirs = 0;        // past the inotify watch limit
  LogDirState log_dir = LogDirState::kPresent;
};

// What one update found, for the files derived from the log dir beside the
// index (pi offsets views): which log files changed how, and which paths the
// tree watcher named (log files or not: directories, a pi store's own
// index/offsets.jsonl).
struct ChangeFeed {
  enum class Kind { kAdded, kAppended, kReplaced, kRemoved };
  std::vector<std::pair<std::string, Kind>> files;
  std::vector<std::string> paths;
  bool everything = false;  // the whole tree was looked at (a build, a restore, no watcher)
  // Subtrees the update walked whole ("" the log dir), each with the pi
  // stores (directories holding `segments/`) the walk found in it.
  std::vector<std::pair<std::string, std::vector<std::string>>> walked;
  bool empty() const { return files.empty() && paths.empty() && !everything && walked.empty(); }
};

// Told about every update, after it is applied, on the updating thread (one
// at a time). It may read the log dir and the index, not change them.
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  virtual void OnChanges(const ChangeFeed& feed) = 0;
};

// A log file read from a damaged NAME.lz4 (index/lz4_map.h): what status
// lists.
struct Lz4DamagedFile {
  std::string rel_path;     // NAME, as shown and indexed
  Lz4Damage damage;         // why, and where in NAME.lz4
  uint64_t readable_bytes;  // the decompressed prefix shown and indexed
};

// A consistent copy of the index for saving: files in store-id order (a
// run's file_id is a position in `files`), runs in index order.
struct IndexSnapshot {
  std::vector<FileRecord> files;
  std::vector<std::shared_ptr<const Run>> runs;
};

class LiveIndex {
 public:
  LiveIndex(std::string log_dir, ScanOptions options);
  ~LiveIndex();

  // Starts watching the tree. Without a watcher (it failed, or this was never
  // called) every Refresh() rescans the whole tree by stat.
  absl::Status StartWatching() ABSL_LOCKS_EXCLUDED(refresh_mu_);

  // The listener told about every update from now on (null: none). Set it
  // before the first Build or Restore; it must outlive this index.
  void SetChangeListener(ChangeListener* listener) ABSL_LOCKS_EXCLUDED(listener_mu_);

  // Where scans report corrupt frames and unreadable files (null: nowhere).
  // Each scan of a file reports what it found in the bytes it read, so a
  // rescan (a regeneration) reports the same problem again; the sink
  // dedupes. It is called with mu_ held; it must outlive this index.
  void SetProblemSink(ProblemSink* sink);

  // Replaces everything with a fresh canonical build.
  absl::Status Build() ABSL_LOCKS_EXCLUDED(mu_);

  // Replaces everything with saved state, then brings it up to date by stat
  // (files marked suspect are rescanned). `files` in store-id order.
  IndexUpdate Restore(IndexSnapshot saved) ABSL_LOCKS_EXCLUDED(mu_);
  // The same, with `walked` a walk of the whole tree (ListLogFiles(log_dir,
  // "")) made after StartWatching, so that whatever changed since it is in
  // the watcher's queue for the next Refresh. Lets a caller walk the tree
  // while it loads and checks the cache.
  IndexUpdate Restore(IndexSnapshot saved, absl::StatusOr<LogTree> walked)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Applies every change since the last call. Cheap when nothing changed.
  IndexUpdate Refresh() ABSL_LOCKS_EXCLUDED(refresh_mu_, mu_);

  // The current version: what index.ndjson is now. Never null (empty before
  // the first Build or Restore).
  std::shared_ptr<const IndexVersion> Current() const ABSL_LOCKS_EXCLUDED(mu_);
  // Of the current version.
  uint64_t Size() const ABSL_LOCKS_EXCLUDED(mu_);
  void Read(uint64_t offset, uint64_t length, std::string* out) const ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t RowCount() const ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t MemoryBytes() const ABSL_LOCKS_EXCLUDED(mu_);
  ResourceReport Resources() const;

  BuildStats Stats() const ABSL_LOCKS_EXCLUDED(stats_mu_);
  // Log files read from damaged .lz4 files, in canonical order.
  std::vector<Lz4DamagedFile> Lz4Damaged() const ABSL_LOCKS_EXCLUDED(mu_);
  BuildProgress Progress() const;
  IndexSnapshot Snapshot() const ABSL_LOCKS_EXCLUDED(mu_);
  // Bumped by every change; a saver compares it with the last saved one.
  uint64_t Version() const { return version_.load(); }
  // Counts of regenerations and of files rescanned whole since start.
  uint64_t Regenerations() const { return regenerations_.load(); }
  const std::string& log_dir() const { return log_dir_; }
  const ScanOptions& options() const { return options_; }

 private:
  class Scanner;
  // `walked`, if not null, is a walk of the whole tree to use instead of
  // walking it again (only with changes.everything).
  IndexUpdate ApplyLocked(const TreeChanges& changes, absl::StatusOr<LogTree>* walked = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Returns true if the index must be regenerated.
  bool UpdatePath(const std::string& rel) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool UpdateSubtree(const std::string& rel, absl::StatusOr<LogTree>* walked = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  IndexUpdate RestoreWith(IndexSnapshot saved, absl::StatusOr<LogTree>* walked)
      ABSL_LOCKS_EXCLUDED(mu_);
  // UpdateFile keeps totals_ in step with the file's record; ApplyFileChange
  // does the work.
  bool UpdateFile(const std::string& rel) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool ApplyFileChange(const std::string& rel) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveFile(const std::string& rel) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Scans rel (rec's file) from rec.consumed_to (0 for a fresh file) and stages
  // the rows as a new run (staged_). False (and rec untouched) when the file could not
  // be opened for lack of descriptors; it is retried later.
  enum class ScanResult { kScanned, kRetryLater, kVanished };
  // kVanished: the file went (or stopped being a regular file) before it
  // was opened; rec untouched.
  ScanResult ScanInto(const std::string& rel, FileState& rec, uint32_t store_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Brings the tree-level skips (non-UTF-8 names, unreadable directories)
  // at or below `rel` ("" everything) in line with a walk of it.
  void ReplaceTreeSkips(const std::string& rel, const LogTree& tree,
                        const std::vector<std::string>& unlisted) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Looks again at whether file `rel` is a skipped non-UTF-8 name.
  void UpdateNonUtf8Skip(const std::string& rel) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool RowsIntact(LogBytes& bytes, uint32_t store_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Regenerate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes `store` the current version; the one before is superseded.
  void Publish(RowStore store) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Looks at `rel` again at the next Refresh (it could not be opened).
  void RetryLater(const std::string& rel) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Hands the feed gathered by an update to the listener (call without mu_).
  void TellListener(ChangeFeed feed) ABSL_LOCKS_EXCLUDED(mu_, listener_mu_);
  // Sums every record's stats into totals_ and lists the damaged .lz4 ones
  // (after a build or a restore).
  void RecountTotals() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Publishes totals_ plus the tree's own counts; O(1), so an append does not
  // pay for every file in the index.
  void PublishStats() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string log_dir_;
  const ScanOptions options_;
  const int root_fd_;
  // What walks and scans open: /proc/self/fd/<root_fd_>, so the index always
  // describes the directory opened at the start, the one the mount shows,
  // even once log_dir_ names another (log_dir_ when that cannot be used).
  const std::string walk_root_;

  absl::Mutex refresh_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::unique_ptr<TreeWatcher> watcher_ ABSL_GUARDED_BY(refresh_mu_);

  mutable absl::Mutex mu_;
  std::shared_ptr<IndexVersion> current_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  // Paths (files, or directories whose subtree; "" the whole tree) that
  // could not be opened for lack of descriptors, in canonical order.
  std::set<std::string> retry_ ABSL_GUARDED_BY(mu_);
  // Rows scanned by the update in progress, in the order found. They join
  // the current version only once the update is known not to regenerate, so
  // a version about to be superseded never gains rows of the new contents.
  std::vector<Run> staged_ ABSL_GUARDED_BY(mu_);
  ChangeFeed feed_ ABSL_GUARDED_BY(mu_);  // of the update in progress

  // One listener call at a time; the listener may read the index (mu_).
  absl::Mutex listener_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  ChangeListener* listener_ ABSL_GUARDED_BY(listener_mu_) = nullptr;
  std::atomic<ProblemSink*> problem_sink_{nullptr};
  ExhaustionLog exhaustion_;
  std::atomic<uint64_t> pending_retries_{0};
  std::atomic<uint64_t> unwatched_dirs_{0};
  // By relative path: iteration is canonical order. The key is the file's
  // one copy of its path, shared with the row stores (file_name.h).
  std::map<FileName, FileState, FileName::ByPath> files_ ABSL_GUARDED_BY(mu_);
  // Store ids handed out in the current version (a record's store_id is
  // below it; ids of replaced contents hold no record).
  uint32_t store_files_ ABSL_GUARDED_BY(mu_) = 0;
  // Skips of the tree itself, by path, so that an update of one subtree or
  // one file replaces its own share and the counts always equal a fresh
  // walk's: non-UTF-8 log file names, and directories that cannot be read
  // ("" the log dir).
  std::set<std::string> non_utf8_skips_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> unreadable_dir_skips_ ABSL_GUARDED_BY(mu_);
  double build_seconds_ ABSL_GUARDED_BY(mu_) = 0;
  // The sum of every record's stats in files_, kept up to date by UpdateFile.
  BuildStats totals_ ABSL_GUARDED_BY(mu_);
  // Paths of the records read from damaged .lz4 files, so status (asked
  // every second) does not look at every record.
  std::set<std::string> lz4_damaged_ ABSL_GUARDED_BY(mu_);
  FrameTools tools_ ABSL_GUARDED_BY(mu_);
  FrameReader reader_ ABSL_GUARDED_BY(mu_);
  std::string check_buf_ ABSL_GUARDED_BY(mu_);

  mutable absl::Mutex stats_mu_ ABSL_ACQUIRED_AFTER(mu_);  // PublishStats holds mu_
  BuildStats stats_ ABSL_GUARDED_BY(stats_mu_);

  std::atomic<uint64_t> version_{0};
  std::atomic<uint64_t> regenerations_{0};
  std::atomic<uint64_t> files_total_{0}, files_done_{0}, bytes_total_{0}, bytes_done_{0};
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_LIVE_INDEX_H_
