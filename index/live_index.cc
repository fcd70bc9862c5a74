#include "index/live_index.h"

#include <fcntl.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "index/frame_check.h"
#include "index/log_bytes.h"
#include "index/log_tree.h"
#include "index/parallel_scan.h"
#include "index/utf8.h"

namespace logdex::index {
namespace {

class EncodedRows : public FileRows {
 public:
  EncodedRows(uint32_t id, std::string literal) : literal_(std::move(literal)), builder_(id, literal_) {}
  void Add(const RowView& row) override {
    builder_.Add(row);
    if (row.error != FrameError::kNone && corrupt_++ == 0) first_corrupt_ = row;
  }
  Run Finish() { return builder_.Finish(); }
  // Corrupt rows among those added, and the first of them.
  uint64_t corrupt() const { return corrupt_; }
  const RowView& first_corrupt() const { return first_corrupt_; }

 private:
  const std::string literal_;  // before builder_, which keeps a view of it
  RunBuilder builder_;
  uint64_t corrupt_ = 0;
  RowView first_corrupt_;  // its offset and error only (string views are not kept valid)
};

// Tells `sink` what a scan of `rel` found wrong: corrupt frames among the
// rows it added (one report per scan, naming the first), or that the file
// could not be read.
void ReportScan(ProblemSink* sink, const std::string& rel, const FileScan& scan,
                const EncodedRows& rows, bool indexed) {
  if (sink == nullptr) return;
  if (!scan.readable) {
    sink->Report({.kind = "unreadable",
                  .path = rel,
                  .offset = std::nullopt,
                  .message = absl::StrFormat("file %s: cannot be opened or read; not indexed "
                                             "(rows read before the failure stay)",
                                             rel)});
  }
  if (!indexed || rows.corrupt() == 0) return;
  const RowView& first = rows.first_corrupt();
  const std::string_view error = FrameErrorName(first.error);
  sink->Report({.kind = "corrupt_frames",
                .path = rel,
                .offset = first.byte_offset,
                .message = absl::StrFormat("file %s: %d corrupt frame%s, first at byte %d (%s)",
                                           rel, rows.corrupt(), rows.corrupt() == 1 ? "" : "s",
                                           first.byte_offset,
                                           absl::string_view(error.data(), error.size()))});
}

// Appends to the file the last run is of are merged into that run up to
// this many rows (one checkpoint group): a Run per appended row would cost
// ~200 bytes a row; re-encoding at most this many keeps an append cheap
// (measured in-process: 23 us per append+refresh with no merging, 32 us
// at 32 rows, 55 us at 128; appended rows then take ~45 bytes, not ~200).
constexpr uint64_t kMaxExtendedRunRows = kCheckpointRows;

// Counts of a file as a whole after a scan of (part of) it.
void RecordScan(FileState& rec, const FileScan& scan, bool from_start) {
  BuildStats st = from_start ? BuildStats() : rec.stats.Get();
  st.frames += scan.stats.frames;
  st.bytes_scanned += scan.stats.bytes_scanned;
  for (int s = 0; s < kSourceCount; ++s) {
    st.rows[s][0] += scan.stats.rows[s][0];
    st.rows[s][1] += scan.stats.rows[s][1];
  }
  for (int e = 0; e < kFrameErrorCount; ++e) st.errors[e] += scan.stats.errors[e];
  st.torn_tails = scan.stats.torn_tails;
  st.torn_tail_bytes = scan.stats.torn_tail_bytes;
  st.log_files = rec.indexed ? 1 : 0;
  st.skipped_source_filtered = rec.indexed ? 0 : 1;
  st.skipped_unreadable = scan.readable ? 0 : 1;
  st.skipped_lz4_damaged = scan.stats.skipped_lz4_damaged;
  rec.ino = scan.readable ? scan.ino : 0;
  rec.mtime_ns = scan.mtime_ns;
  rec.consumed_to = scan.consumed_to;
  rec.size = scan.size;
  rec.lz4_damage = scan.lz4_damage ? std::make_shared<const Lz4Damage>(*scan.lz4_damage) : nullptr;
  if (from_start || !rec.first_frame) rec.first_frame = scan.first_frame;
  if (scan.last_frame) rec.last_frame = scan.last_frame;
  if (!rec.indexed) {  // its rows are not in the index
    st.frames = 0;
    st.rows = {};
    st.errors = {};
  }
  rec.stats.Set(st);
}

// Tells `sink` of the directories a walk could not read.
void ReportTree(ProblemSink* sink, const LogTree& tree) {
  if (sink == nullptr) return;
  for (const auto& [path, err] : tree.unreadable_dir_paths) {
    sink->Report({.kind = "unreadable",
                  .path = path,
                  .offset = std::nullopt,
                  .message = absl::StrFormat("directory %s: cannot be read (%s); what is below "
                                             "it is not indexed",
                                             path, std::strerror(err))});
  }
}

// The path through which the directory open as root_fd is walked: its
// /proc/self/fd link, or log_dir when there is no /proc.
std::string WalkRoot(int root_fd, const std::string& log_dir) {
  if (root_fd < 0) return log_dir;
  std::string proc = absl::StrFormat("/proc/self/fd/%d", root_fd);
  struct stat via_proc, direct;
  if (stat(proc.c_str(), &via_proc) != 0 || fstat(root_fd, &direct) != 0 ||
      via_proc.st_ino != direct.st_ino || via_proc.st_dev != direct.st_dev) {
    return log_dir;
  }
  return proc;
}

// Whether `path` equals `dir` or lies below it ("" holds everything).
bool AtOrBelow(std::string_view path, std::string_view dir) {
  return dir.empty() || path == dir ||
         (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/');
}

void EraseAtOrBelow(std::set<std::string>& paths, const std::string& dir,
                    const std::vector<std::string>& unlisted) {
  for (auto it = dir.empty() ? paths.begin() : paths.lower_bound(dir); it != paths.end();) {
    if (!AtOrBelow(*it, dir)) {
      if (!dir.empty() && !it->starts_with(dir)) break;  // past every path below dir
      ++it;
      continue;
    }
    const std::string_view p = *it;
    // Below a directory the walk could not open for lack of descriptors:
    // unknown, so kept.
    if (std::any_of(unlisted.begin(), unlisted.end(),
                    [p](const std::string& u) { return p.starts_with(u); })) {
      ++it;
      continue;
    }
    it = paths.erase(it);
  }
}

}  // namespace

LiveIndex::LiveIndex(std::string log_dir, ScanOptions options)
    : log_dir_(std::move(log_dir)),
      options_(options),
      root_fd_(open(log_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)),
      walk_root_(WalkRoot(root_fd_, log_dir_)) {
  absl::MutexLock lock(&mu_);
  Publish(RowStore());
}

LiveIndex::~LiveIndex() {
  if (root_fd_ >= 0) close(root_fd_);
}

absl::Status LiveIndex::StartWatching() {
  absl::StatusOr<std::unique_ptr<TreeWatcher>> w = TreeWatcher::Start(walk_root_);
  if (!w.ok()) return w.status();
  absl::MutexLock lock(&refresh_mu_);
  watcher_ = std::move(*w);
  return absl::OkStatus();
}

void LiveIndex::SetChangeListener(ChangeListener* listener) {
  absl::MutexLock lock(&listener_mu_);
  listener_ = listener;
}

void LiveIndex::SetProblemSink(ProblemSink* sink) { problem_sink_.store(sink); }

void LiveIndex::TellListener(ChangeFeed feed) {
  if (feed.empty()) return;
  absl::MutexLock lock(&listener_mu_);
  if (listener_ != nullptr) listener_->OnChanges(feed);
}

absl::Status LiveIndex::Build() {
  const absl::Time start = absl::Now();
  absl::StatusOr<LogTree> tree = ListLogFiles(walk_root_);
  if (!tree.ok()) {
    if (absl::IsResourceExhausted(tree.status())) exhaustion_.Note();
    return tree.status();
  }
  ReportTree(problem_sink_.load(), *tree);
  absl::ReleasableMutexLock lock(&mu_);
  files_total_ = tree->files.size();
  files_done_ = 0;
  bytes_done_ = 0;
  uint64_t total = 0;
  for (const LogFile& f : tree->files) total += f.size;
  bytes_total_ = total;
  // Built aside and published whole: nobody reads a half-built version.
  RowStore store;
  files_.clear();
  retry_.clear();
  std::vector<FileName> names;
  names.reserve(tree->files.size());
  for (const LogFile& f : tree->files) {
    names.emplace_back(f.rel_path);
    store.AddFile(names.back());
  }
  store_files_ = static_cast<uint32_t>(tree->files.size());
  ScanFiles(
      walk_root_, tree->files, options_,
      [&](size_t i) {
        return std::make_unique<EncodedRows>(static_cast<uint32_t>(i),
                                             std::string(store.file_literal(i)));
      },
      // consume runs on this thread, which holds mu_ (parallel_scan.h).
      [&](size_t i, FileScanResult r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        files_done_.fetch_add(1);
        // A NAME.lz4 counts its compressed bytes, as bytes_total does (its
        // decompressed size is not known before it is read).
        bytes_done_.fetch_add(tree->files[i].compressed ? tree->files[i].size : r.scan.stats.bytes_scanned);
        if (r.scan.exhausted) {  // added at the end once it can be opened
          RetryLater(tree->files[i].rel_path);
          return;
        }
        if (r.scan.vanished) return;  // gone since it was listed: as if never listed
        FileState& rec = files_.try_emplace(names[i]).first->second;
        rec.store_id = static_cast<uint32_t>(i);
        rec.source = r.source;
        rec.session = r.session;
        rec.indexed = r.indexed;
        RecordScan(rec, r.scan, true);
        auto* rows = static_cast<EncodedRows*>(r.rows.get());
        ReportScan(problem_sink_.load(), tree->files[i].rel_path, r.scan, *rows, r.indexed);
        if (r.indexed) store.AppendRun(rows->Finish());
      });
  for (const std::string& dir : tree->exhausted_dirs) RetryLater(dir);
  non_utf8_skips_.clear();
  unreadable_dir_skips_.clear();
  ReplaceTreeSkips("", *tree, {});
  build_seconds_ = absl::ToDoubleSeconds(absl::Now() - start);
  Publish(std::move(store));
  version_.fetch_add(1);
  RecountTotals();
  PublishStats();
  ChangeFeed feed;
  feed.everything = true;
  if (tree->exhausted_dirs.empty()) feed.walked.emplace_back("", tree->pi_stores);
  feed_ = ChangeFeed();
  lock.Release();
  TellListener(std::move(feed));
#if defined(__GLIBC__)
  // A build frees as much as it keeps (read buffers, parsers, rows being
  // encoded, the file list), scattered over the scanning threads' arenas;
  // give those pages back rather than hold them for the mount's lifetime.
  malloc_trim(0);
#endif
  return absl::OkStatus();
}

IndexUpdate LiveIndex::Restore(IndexSnapshot saved) { return RestoreWith(std::move(saved), nullptr); }

IndexUpdate LiveIndex::Restore(IndexSnapshot saved, absl::StatusOr<LogTree> walked) {
  return RestoreWith(std::move(saved), &walked);
}

IndexUpdate LiveIndex::RestoreWith(IndexSnapshot saved, absl::StatusOr<LogTree>* walked) {
  absl::ReleasableMutexLock lock(&mu_);
  RowStore store;
  files_.clear();
  retry_.clear();
  std::vector<FileName> names;
  names.reserve(saved.files.size());
  for (uint32_t id = 0; id < saved.files.size(); ++id) {
    FileRecord& rec = saved.files[id];
    rec.store_id = id;
    names.emplace_back(rec.rel_path);
    store.AddFile(names.back());
  }
  store_files_ = static_cast<uint32_t>(saved.files.size());
  store.ReplaceRuns(std::move(saved.runs));
  Publish(std::move(store));
  // Saved files are usually in path order (a canonical build's store ids):
  // then each goes in at the end of the map in constant time.
  for (uint32_t id = 0; id < saved.files.size(); ++id) {
    const auto hint = files_.lower_bound(names[id].path());
    if (hint != files_.end() && hint->first.path() == names[id].path()) {
      hint->second = std::move(static_cast<FileState&>(saved.files[id]));  // saved twice: the last wins
    } else {
      files_.emplace_hint(hint, std::move(names[id]), std::move(static_cast<FileState&>(saved.files[id])));
    }
  }
  RecountTotals();
  TreeChanges all;
  all.everything = true;
  IndexUpdate u = ApplyLocked(all, walked);
  u.old_size = 0;
  version_.fetch_add(1);
  ChangeFeed feed = std::exchange(feed_, ChangeFeed());
  lock.Release();
  TellListener(std::move(feed));
#if defined(__GLIBC__)
  // As after a build: the snapshot's paths and the loaded cache were freed
  // between what the index keeps; give those pages back.
  saved.files.clear();
  saved.files.shrink_to_fit();
  malloc_trim(0);
#endif
  return u;
}

IndexUpdate LiveIndex::Refresh() {
  absl::MutexLock refresh(&refresh_mu_);
  TreeChanges changes;
  if (watcher_) {
    changes = watcher_->Poll();
    unwatched_dirs_.store(watcher_->unwatched_dirs());
  } else {
    changes.everything = true;
  }
  if (changes.empty() && pending_retries_.load() == 0) {
    absl::ReaderMutexLock lock(&mu_);
    const uint64_t size = current_->Size();
    return {size, size, false};
  }
  absl::ReleasableMutexLock lock(&mu_);
  // What could not be opened before is looked at again now; what still
  // cannot goes back on the list.
  for (const std::string& p : retry_) {
    if (p.empty()) {
      changes.everything = true;
    } else {
      changes.paths.push_back(p);
    }
  }
  retry_.clear();
  pending_retries_.store(0);
  const IndexUpdate u = ApplyLocked(changes);
  if (u.changed()) version_.fetch_add(1);
  ChangeFeed feed = std::exchange(feed_, ChangeFeed());
  lock.Release();
  TellListener(std::move(feed));
  return u;
}

IndexUpdate LiveIndex::ApplyLocked(const TreeChanges& changes, absl::StatusOr<LogTree>* walked) {
  feed_.everything |= changes.everything;
  feed_.paths.insert(feed_.paths.end(), changes.paths.begin(), changes.paths.end());
  IndexUpdate u;
  u.old_size = current_->Size();
  bool regen = false;
  if (changes.everything) {
    regen = UpdateSubtree("", walked);
  } else {
    for (const std::string& p : changes.paths) regen |= UpdatePath(p);
  }
  if (regen) {
    Regenerate();
    u.regenerated = true;
  } else {
    for (Run& run : staged_) current_->AppendOrExtendRun(std::move(run), kMaxExtendedRunRows);
  }
  staged_.clear();
  u.new_size = current_->Size();
  PublishStats();
  return u;
}

bool LiveIndex::UpdatePath(const std::string& path) {
  if (path.empty()) return UpdateSubtree("");
  // A change to NAME.lz4 is a change to the log file NAME it may stand for.
  const std::string rel =
      IsCompressedLogName(path) ? std::string(ShownName(path)) : path;
  struct stat st;
  if (fstatat(root_fd_, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
    return UpdateSubtree(rel);
  }
  // Not a directory (any more): no skipped path lies below it.
  EraseAtOrBelow(non_utf8_skips_, rel, {});
  EraseAtOrBelow(unreadable_dir_skips_, rel, {});
  UpdateNonUtf8Skip(rel);
  bool regen = UpdateFile(rel);
  // A directory that went away takes its files with it.
  const std::string prefix = rel + "/";
  std::vector<std::string> gone;
  for (auto it = files_.lower_bound(prefix); it != files_.end() && it->first.path().starts_with(prefix);
       ++it) {
    gone.emplace_back(it->first.path());
  }
  for (const std::string& p : gone) regen |= UpdateFile(p);
  return regen;
}

bool LiveIndex::UpdateSubtree(const std::string& rel, absl::StatusOr<LogTree>* walked) {
  absl::StatusOr<LogTree> tree = walked != nullptr ? std::move(*walked) : ListLogFiles(walk_root_, rel);
  if (!tree.ok() && absl::IsResourceExhausted(tree.status())) {
    RetryLater(rel);  // nothing below rel is known to have changed or gone
    return false;
  }
  bool regen = false;
  std::vector<std::string> seen;
  std::vector<std::string> unlisted;  // "dir/" prefixes the walk could not open
  if (tree.ok()) {
    ReportTree(problem_sink_.load(), *tree);
    for (LogFile& f : tree->files) {
      // The walk's own stat shows most files unchanged: no more syscalls.
      const auto known = files_.find(f.rel_path);
      const bool unchanged = known != files_.end() && !known->second.suspect &&
                             !f.compressed && known->second.ino != 0 && known->second.ino == f.ino &&
                             known->second.size == f.size && known->second.mtime_ns == f.mtime_ns;
      if (!unchanged) regen |= UpdateFile(f.rel_path);
      seen.push_back(std::move(f.rel_path));
    }
    for (const std::string& dir : tree->exhausted_dirs) {
      RetryLater(dir);
      unlisted.push_back(dir.empty() ? "" : dir + "/");
    }
    if (tree->exhausted_dirs.empty()) feed_.walked.emplace_back(rel, tree->pi_stores);
    ReplaceTreeSkips(rel, *tree, unlisted);
  } else {
    ReplaceTreeSkips(rel, LogTree(), {});  // nothing there to count
  }
  // Known files under rel that the walk did not find are gone, unless they
  // lie below a directory it could not open.
  const std::string prefix = rel.empty() ? "" : rel + "/";
  // Both are in path order (the walk's list is sorted), so one merge pass
  // finds them.
  std::vector<std::string> gone;
  size_t next_seen = 0;
  for (auto it = files_.lower_bound(prefix); it != files_.end() && it->first.path().starts_with(prefix);
       ++it) {
    const std::string_view path = it->first.path();
    while (next_seen < seen.size() && seen[next_seen] < path) ++next_seen;
    if (next_seen < seen.size() && seen[next_seen] == path) continue;
    if (std::any_of(unlisted.begin(), unlisted.end(),
                    [&path](const std::string& p) { return path.starts_with(p); })) {
      continue;
    }
    gone.emplace_back(path);
  }
  for (const std::string& p : gone) regen |= UpdateFile(p);
  return regen;
}

bool LiveIndex::UpdateFile(const std::string& rel) {
  // The running totals follow the one file that changed: its old share out,
  // its new share in (PublishStats then costs nothing per file).
  if (const auto it = files_.find(rel); it != files_.end()) totals_.Subtract(it->second.stats.Get());
  const bool regen = ApplyFileChange(rel);
  const auto it = files_.find(rel);
  if (it != files_.end()) totals_.Add(it->second.stats.Get());
  if (it != files_.end() && it->second.lz4_damage) {
    lz4_damaged_.insert(rel);
  } else {
    lz4_damaged_.erase(rel);
  }
  return regen;
}

bool LiveIndex::ApplyFileChange(const std::string& rel) {
  const auto known = files_.find(rel);
  std::unique_ptr<LogBytes> bytes;
  // A regular log file that is there but cannot be opened (EACCES): listed
  // by a walk, so kept as an unreadable file, as a fresh build does.
  bool unreadable = false;
  if (IsIndexablePath(root_fd_, rel)) {
    bytes = OpenLogBytes(root_fd_, rel);  // rel itself, or its NAME.lz4 decompressed
    const int err = errno;
    if (bytes == nullptr && IsExhaustion(err)) {
      RetryLater(rel);  // keeps its rows; it is not known to have changed
      return false;
    }
    unreadable = bytes == nullptr && err != ENOENT && err != ENOTDIR && IsRegularLogAt(root_fd_, rel);
  }
  const LogStat st = bytes != nullptr ? bytes->Stat() : LogStat();
  if (!st.regular && !unreadable) {
    if (known == files_.end()) return false;
    RemoveFile(rel);
    feed_.files.emplace_back(rel, ChangeFeed::Kind::kRemoved);
    return true;  // its rows disappeared
  }
  if (known == files_.end()) {
    FileName name(rel);
    FileState rec;
    rec.store_id = current_->AddFile(name);
    ++store_files_;
    if (ScanInto(rel, rec, rec.store_id) != ScanResult::kScanned) return false;
    files_.emplace(std::move(name), std::move(rec));
    feed_.files.emplace_back(rel, ChangeFeed::Kind::kAdded);
    return false;  // a new file's rows go at the end
  }
  FileState& rec = known->second;
  if (unreadable) {
    if (rec.ino == 0 && rec.stats.Get().skipped_unreadable == 1) return false;  // still so
    FileState again;  // its rows (if any) go; it stays, as unreadable
    again.store_id = current_->AddFile(known->first);
    ++store_files_;
    if (ScanInto(rel, again, again.store_id) == ScanResult::kRetryLater) return false;
    rec = std::move(again);
    feed_.files.emplace_back(rel, ChangeFeed::Kind::kReplaced);
    return true;
  }
  // For a NAME.lz4, ino and mtime are the .lz4's and size the decompressed
  // bytes readable now: a rewritten .lz4 (a new inode, a new mtime) is
  // checked like a rewritten plain file, frames first.
  if (const Lz4Map* map = bytes->lz4_map()) {
    // Known from the map whether or not the file is scanned again (a record
    // restored from the cache does not carry it).
    rec.lz4_damage = map->damage() ? std::make_shared<const Lz4Damage>(*map->damage()) : nullptr;
    BuildStats counts = rec.stats.Get();
    counts.skipped_lz4_damaged = map->damage() ? 1 : 0;
    rec.stats.Set(counts);
  }
  const bool same_file = rec.ino != 0 && rec.ino == st.ino;
  const uint64_t size = st.size;
  if (same_file && !rec.suspect && size == rec.size && st.mtime_ns == rec.mtime_ns) return false;
  bool rewritten = !same_file || rec.suspect || size < rec.consumed_to;
  if (!rewritten) {
    // Changed: an append keeps the frames already indexed. Check the first
    // and last; when the size did not change, check every row.
    rewritten = (rec.first_frame && !FrameMatches(*bytes, *rec.first_frame, &check_buf_)) ||
                (rec.last_frame && !FrameMatches(*bytes, *rec.last_frame, &check_buf_)) ||
                (size == rec.size && !RowsIntact(*bytes, rec.store_id));
  }
  if (rewritten) {
    // Rows of the old contents vanish with the old store id at regeneration.
    FileState again;
    again.store_id = current_->AddFile(known->first);
    ++store_files_;
    switch (ScanInto(rel, again, again.store_id)) {
      case ScanResult::kRetryLater:
        return false;  // the old rows stay until then
      case ScanResult::kVanished:
        RemoveFile(rel);
        feed_.files.emplace_back(rel, ChangeFeed::Kind::kRemoved);
        return true;
      case ScanResult::kScanned:
        break;
    }
    rec = std::move(again);
    feed_.files.emplace_back(rel, ChangeFeed::Kind::kReplaced);
    return true;
  }
  switch (ScanInto(rel, rec, rec.store_id)) {
    case ScanResult::kScanned:
      feed_.files.emplace_back(rel, ChangeFeed::Kind::kAppended);
      return false;
    case ScanResult::kVanished:
      RemoveFile(rel);
      feed_.files.emplace_back(rel, ChangeFeed::Kind::kRemoved);
      return true;
    case ScanResult::kRetryLater:
      return false;
  }
  return false;
}

LiveIndex::ScanResult LiveIndex::ScanInto(const std::string& rel, FileState& rec, uint32_t store_id) {
  const bool from_start = rec.consumed_to == 0;
  RowMaker maker(rel);
  if (!from_start) maker.Restore(rec.source, rec.session);
  EncodedRows rows(store_id, current_->FileLiteral(store_id));
  const FileScan scan =
      ScanFile(root_fd_, rel, rec.consumed_to, options_, maker, tools_, reader_, &rows);
  if (scan.exhausted) {
    RetryLater(rel);
    return ScanResult::kRetryLater;
  }
  if (scan.vanished) return ScanResult::kVanished;
  rec.source = maker.source();
  rec.session = maker.session();
  rec.indexed = IsIndexed(maker, options_);
  rec.suspect = false;
  RecordScan(rec, scan, from_start);
  ReportScan(problem_sink_.load(), rel, scan, rows, rec.indexed);
  if (rec.indexed) staged_.push_back(rows.Finish());
  return ScanResult::kScanned;
}

void LiveIndex::ReplaceTreeSkips(const std::string& rel, const LogTree& tree,
                                 const std::vector<std::string>& unlisted) {
  EraseAtOrBelow(non_utf8_skips_, rel, unlisted);
  EraseAtOrBelow(unreadable_dir_skips_, rel, unlisted);
  non_utf8_skips_.insert(tree.non_utf8_list.begin(), tree.non_utf8_list.end());
  unreadable_dir_skips_.insert(tree.unreadable_dir_list.begin(), tree.unreadable_dir_list.end());
}

void LiveIndex::UpdateNonUtf8Skip(const std::string& rel) {
  if (IsValidUtf8(rel)) return;
  non_utf8_skips_.erase(rel);
  if (IsLogFileName(rel) && IsRegularLogAt(root_fd_, rel)) non_utf8_skips_.insert(rel);
}

bool LiveIndex::RowsIntact(LogBytes& bytes, uint32_t store_id) {
  for (const auto& run : current_->Runs()) {
    if (run->file_id != store_id) continue;
    RunDecoder dec(*run, 0);
    RowView row;
    while (dec.Next(&row)) {
      if (!FrameMatches(bytes, {row.byte_offset, row.byte_length, row.crc32c}, &check_buf_)) return false;
    }
  }
  return true;
}

void LiveIndex::RemoveFile(const std::string& rel) {
  if (const auto it = files_.find(rel); it != files_.end()) files_.erase(it);
}

void LiveIndex::Regenerate() {
  // Canonical order: files by path (files_ is ordered so), each file's runs
  // in the order they were appended (increasing offsets). Rows of removed
  // files and of replaced contents (store ids no record holds) are dropped.
  const std::vector<std::shared_ptr<const Run>> old_runs = current_->Runs();
  std::vector<std::vector<std::shared_ptr<const Run>>> by_id(store_files_);
  for (const auto& run : old_runs) by_id[run->file_id].push_back(run);
  for (Run& run : staged_) {
    const uint32_t id = run.file_id;
    if (run.rows > 0) by_id[id].push_back(std::make_shared<const Run>(std::move(run)));
  }
  staged_.clear();
  RowStore fresh;
  std::vector<std::shared_ptr<const Run>> runs;
  for (auto& [path, rec] : files_) {
    const uint32_t id = fresh.AddFile(path);
    for (auto& run : by_id[rec.store_id]) {
      if (run->file_id == id) {
        runs.push_back(std::move(run));
      } else {
        auto copy = std::make_shared<Run>(*run);
        copy->file_id = id;
        runs.push_back(std::move(copy));
      }
    }
    rec.store_id = id;
  }
  fresh.ReplaceRuns(std::move(runs));
  Publish(std::move(fresh));
  store_files_ = static_cast<uint32_t>(files_.size());
  regenerations_.fetch_add(1);
}

void LiveIndex::Publish(RowStore store) {
  if (current_ != nullptr) current_->Supersede();
  current_ = std::make_shared<IndexVersion>(++generation_, std::move(store));
}

void LiveIndex::RetryLater(const std::string& rel) {
  exhaustion_.Note();
  retry_.insert(rel);
  pending_retries_.store(retry_.size());
}

void LiveIndex::RecountTotals() {
  totals_ = BuildStats();
  lz4_damaged_.clear();
  for (const auto& [path, rec] : files_) {
    totals_.Add(rec.stats.Get());
    if (rec.lz4_damage) lz4_damaged_.insert(lz4_damaged_.end(), std::string(path.path()));
  }
}

void LiveIndex::PublishStats() {
  BuildStats total = totals_;
  total.skipped_non_utf8_names += non_utf8_skips_.size();
  total.skipped_unreadable += unreadable_dir_skips_.size();
  total.build_seconds = build_seconds_;
  absl::MutexLock lock(&stats_mu_);
  stats_ = total;
}

std::vector<Lz4DamagedFile> LiveIndex::Lz4Damaged() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<Lz4DamagedFile> out;
  for (const std::string& path : lz4_damaged_) {
    const auto it = files_.find(path);
    if (it != files_.end() && it->second.lz4_damage) out.push_back({path, *it->second.lz4_damage, it->second.size});
  }
  return out;
}

std::shared_ptr<const IndexVersion> LiveIndex::Current() const {
  absl::ReaderMutexLock lock(&mu_);
  return current_;
}

uint64_t LiveIndex::Size() const { return Current()->Size(); }

void LiveIndex::Read(uint64_t offset, uint64_t length, std::string* out) const {
  (void)Current()->Read(offset, length, out);  // rows in memory: never fails
}

uint64_t LiveIndex::RowCount() const { return Current()->RowCount(); }

uint64_t LiveIndex::MemoryBytes() const { return Current()->MemoryBytes(); }

ResourceReport LiveIndex::Resources() const {
  ResourceReport r;
  r.exhaustion = exhaustion_.Get();
  r.pending_retries = pending_retries_.load();
  r.unwatched_dirs = unwatched_dirs_.load();
  struct stat held, named;
  if (root_fd_ >= 0 && fstat(root_fd_, &held) == 0) {
    if (held.st_nlink == 0) {
      r.log_dir = LogDirState::kRemoved;
    } else if (stat(log_dir_.c_str(), &named) != 0 || named.st_ino != held.st_ino ||
               named.st_dev != held.st_dev) {
      r.log_dir = LogDirState::kDetached;
    }
  }
  return r;
}

BuildStats LiveIndex::Stats() const {
  absl::MutexLock lock(&stats_mu_);
  return stats_;
}

BuildProgress LiveIndex::Progress() const {
  return {files_total_.load(), files_done_.load(), bytes_total_.load(), bytes_done_.load()};
}

IndexSnapshot LiveIndex::Snapshot() const {
  absl::ReaderMutexLock lock(&mu_);
  IndexSnapshot snap;
  snap.files.resize(store_files_);
  for (const auto& [path, rec] : files_) {
    FileRecord& f = snap.files[rec.store_id];
    static_cast<FileState&>(f) = rec;
    f.rel_path = path.path();
  }
  snap.runs = current_->Runs();
  return snap;
}

}  // namespace logdex::index
