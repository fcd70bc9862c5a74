#include "recovery/verify.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "index/exhaustion.h"
#include "index/file_io.h"
#include "index/file_scan.h"
#include "index/log_tree.h"
#include "index/parallel_scan.h"
#include "index/utf8.h"

namespace logdex::recovery {
namespace {

using index::FrameError;
using index::RowView;
using index::Source;

constexpr char kExhausted[] = "out of file descriptors or memory";
// A file's held findings are offered to the reporter every this many.
constexpr size_t kReleaseEvery = 256;
// Bytes scanned are added to the progress in steps of this much.
constexpr uint64_t kProgressStep = uint64_t{1} << 20;

Finding MakeFinding(FindingKind kind, bool damage, std::string_view file) {
  Finding f;
  f.kind = kind;
  f.damage = damage;
  f.file = file;
  return f;
}

// A corrupt frame as held until its file's turn comes.
struct HeldFrame {
  uint64_t offset;
  uint64_t length;
  uint32_t crc32c;
  FrameError error;
  Source source;
};

// Serializes reporter calls, keeps the counts, and decides whose turn it is:
// findings of log file i are reported only once every file before it has
// been (turn_ == i).
class Emitter {
 public:
  Emitter(FindingReporter* reporter, VerifyProgress* progress)
      : reporter_(reporter), progress_(progress) {}

  void Report(const Finding& f) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    ReportLocked(f);
  }

  bool IsTurn(size_t file) const { return turn_.load(std::memory_order_acquire) == file; }

  // Reports `held` (frames of file `file`, named rel) if it is that file's
  // turn, or once it is when `wait`; returns whether they were reported.
  bool ReportFrames(size_t file, std::string_view rel, const std::vector<HeldFrame>& held,
                    bool wait) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (wait) {
      auto turn = [this, file] { return turn_.load(std::memory_order_acquire) == file; };
      mu_.Await(absl::Condition(&turn));
    } else if (!IsTurn(file)) {
      return false;
    }
    for (const HeldFrame& h : held) ReportFrameLocked(rel, h);
    return true;
  }

  // File `file` is scanned: its last findings, its counts; then the next
  // file's turn.
  void EndFile(size_t file, std::string_view rel, const std::vector<HeldFrame>& held,
               const index::FileScan& scan, std::string_view unreadable, bool vanished)
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    for (const HeldFrame& h : held) ReportFrameLocked(rel, h);
    if (scan.readable && scan.stats.torn_tails > 0) {
      Finding f = MakeFinding(FindingKind::kTornTail, false, rel);
      f.byte_offset = scan.consumed_to;
      f.byte_length = scan.stats.torn_tail_bytes;
      ReportLocked(f);
    }
    if (!scan.readable) {
      Finding f = MakeFinding(vanished ? FindingKind::kVanishedFile : FindingKind::kUnreadableFile,
                              !vanished, rel);
      if (scan.last_frame) f.byte_offset = scan.last_frame->offset + scan.last_frame->length;
      f.reason = unreadable;
      ReportLocked(f);
    }
    counts_.stats.Add(scan.stats);
    ++counts_.stats.log_files;
    turn_.store(file + 1, std::memory_order_release);
  }

  void CountPiStore(const PiStoreCheck& store) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    ++counts_.pi_stores;
    if (store.drifted()) ++counts_.pi_stores_drifted;
    if (store.stop && store.stop->reason != index::PiStopReason::kNone) {
      ++counts_.pi_stops;
      if (store.stop->damage) ++counts_.pi_stops_damage;
    }
    reporter_->OnPiStore(store);
  }

  VerifyCounts counts() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return counts_;
  }

 private:
  void ReportFrameLocked(std::string_view rel, const HeldFrame& h)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Finding f = MakeFinding(FindingKind::kCorruptFrame, true, rel);
    f.byte_offset = h.offset;
    f.byte_length = h.length;
    f.crc32c = h.crc32c;
    f.error = h.error;
    f.source = h.source;
    ReportLocked(f);
  }
  void ReportLocked(const Finding& f) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ++counts_.findings[static_cast<int>(f.kind)];
    if (f.damage) ++counts_.damage_findings;
    if (progress_ != nullptr) progress_->findings.fetch_add(1, std::memory_order_relaxed);
    reporter_->OnFinding(f);
  }

  FindingReporter* const reporter_;
  VerifyProgress* const progress_;
  absl::Mutex mu_;
  std::atomic<size_t> turn_{0};  // written under mu_ (Await re-checks it then)
  VerifyCounts counts_ ABSL_GUARDED_BY(mu_);
};

// The rows of one log file, reduced to its corrupt frames (held until the
// file's turn) and the bytes scanned (for the progress line).
class FindingSink : public index::FileRows {
 public:
  FindingSink(size_t file, std::string_view rel, Emitter* emitter, VerifyProgress* progress)
      : file_(file), rel_(rel), emitter_(emitter), progress_(progress) {}

  void Add(const RowView& row) override {
    if (progress_ != nullptr && (unreported_bytes_ += row.byte_length) >= kProgressStep) {
      progress_->bytes_done.fetch_add(unreported_bytes_, std::memory_order_relaxed);
      reported_bytes_ += unreported_bytes_;
      unreported_bytes_ = 0;
    }
    if (row.error == FrameError::kNone) return;
    held_.push_back({row.byte_offset, row.byte_length, row.crc32c, row.error, row.source});
    if (held_.size() % kReleaseEvery != 0) return;
    // Bounded memory: past kMaxHeldFindings this worker waits for its turn,
    // which comes because the earliest unfinished file never waits.
    if (emitter_->ReportFrames(file_, rel_, held_, held_.size() >= kMaxHeldFindings)) {
      held_.clear();
    }
  }

  const std::vector<HeldFrame>& held() const { return held_; }
  uint64_t reported_bytes() const { return reported_bytes_; }

 private:
  const size_t file_;
  const std::string_view rel_;  // owned by the LogTree, which outlives the scan
  Emitter* const emitter_;
  VerifyProgress* const progress_;
  std::vector<HeldFrame> held_;
  uint64_t unreported_bytes_ = 0;
  uint64_t reported_bytes_ = 0;
};

// Why a listed log file could not be scanned: opened again to learn the
// reason (ScanFile keeps none). *vanished when it is gone or no longer a
// regular file: nothing is left to check.
std::string WhyUnreadable(int root_fd, const std::string& rel, bool* vanished) {
  *vanished = false;
  const int fd = openat(root_fd, rel.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ELOOP || err == ENOTDIR) {
      *vanished = true;
      return err == ENOENT ? "deleted while verify ran" : "replaced while verify ran";
    }
    return index::IsExhaustion(err) ? kExhausted : std::strerror(err);
  }
  absl::Cleanup close_fd = [fd] { close(fd); };
  struct stat st;
  if (fstat(fd, &st) != 0) return std::strerror(errno);
  if (!S_ISREG(st.st_mode)) {
    *vanished = true;
    return "replaced while verify ran by something that is not a regular file";
  }
  char byte;
  if (pread(fd, &byte, 1, 0) < 0) return std::strerror(errno);
  return "a read failed while verify ran";
}

struct SkippedPath {
  FindingKind kind;
  std::string path;
  std::string reason;
};

// Paths ListLogFiles only counts: log files whose path is not valid UTF-8
// and directories that cannot be listed (not for lack of descriptors: those
// are in LogTree::exhausted_dirs). Walks the tree as ListLogFiles does, and
// is run only when it counted some.
void FindSkippedPaths(int root_fd, std::vector<SkippedPath>* out) {
  std::vector<std::string> pending = {""};
  while (!pending.empty()) {
    const std::string rel = std::move(pending.back());
    pending.pop_back();
    const int fd = rel.empty() ? dup(root_fd)
                               : openat(root_fd, rel.c_str(),
                                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR* d = fd < 0 ? nullptr : fdopendir(fd);
    if (d == nullptr) {
      const int err = errno;
      if (fd >= 0) close(fd);
      if (!index::IsExhaustion(err) && err != ENOENT) {
        out->push_back({FindingKind::kUnreadableDir, rel, std::strerror(err)});
      }
      continue;
    }
    absl::Cleanup close_dir = [d] { closedir(d); };
    while (struct dirent* e = readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st;
      if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      const std::string child = index::JoinRelPath(rel, name);
      if (S_ISDIR(st.st_mode)) {
        if (!(rel.empty() && name == ".logdex")) pending.push_back(child);
      } else if (S_ISREG(st.st_mode) && index::IsLogFileName(name) &&
                 !index::IsValidUtf8(child)) {
        out->push_back({FindingKind::kNonUtf8Name, child, ""});
      }
    }
  }
}

PiStoreCheck CheckPiStore(int root_fd, const std::string& path) {
  PiStoreCheck check;
  check.path = path;
  const int store_fd = path.empty() ? dup(root_fd)
                                    : openat(root_fd, path.c_str(),
                                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (store_fd < 0) {
    check.error = std::string("cannot open the store: ") + std::strerror(errno);
    return check;
  }
  absl::Cleanup close_store = [store_fd] { close(store_fd); };

  std::optional<std::string> backing;
  const int fd = openat(store_fd, "index/offsets.jsonl", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  struct stat st;
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
    check.backing = BackingState::kMissing;
  } else if (fd < 0) {
    check.backing = BackingState::kUnreadable;
    check.backing_error = std::strerror(errno);
  } else {
    absl::Cleanup close_fd = [fd] { close(fd); };
    backing.emplace();
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      check.backing = BackingState::kUnreadable;
      check.backing_error = "not a regular file";
    } else if (!index::ReadToEnd(fd, &*backing)) {
      check.backing = BackingState::kUnreadable;
      check.backing_error = std::strerror(errno);
    } else {
      check.backing = BackingState::kPresent;
    }
  }

  absl::StatusOr<index::PiDerivedIndex> derived = index::DerivePiOffsets(store_fd);
  if (!derived.ok()) {
    check.segments_error = std::string(derived.status().message());
    return check;
  }
  check.stop = derived->stop;
  check.derived_rows = derived->rows;
  if (check.backing != BackingState::kUnreadable) {
    check.drift = ComparePiOffsets(backing ? std::optional<std::string_view>(*backing) : std::nullopt,
                                   derived->bytes);
  }
  return check;
}

void ReportPiUnreadable(const PiStoreCheck& store, std::string_view file, std::string_view reason,
                        Emitter* emitter) {
  Finding f = MakeFinding(FindingKind::kPiUnreadable, true, file);
  f.reason = reason;
  f.store = &store;
  emitter->Report(f);
}

// The findings of one checked store, then the store itself.
void ReportPiStore(const PiStoreCheck& store, Emitter* emitter) {
  const std::string offsets = index::JoinRelPath(store.path, "index/offsets.jsonl");
  if (!store.error.empty()) {
    const std::string where = store.path.empty() ? "." : store.path;
    ReportPiUnreadable(store, where, store.error, emitter);
  }
  if (store.backing == BackingState::kUnreadable) {
    ReportPiUnreadable(store, offsets, store.backing_error, emitter);
  }
  if (!store.segments_error.empty()) {
    const std::string segments = index::JoinRelPath(store.path, "segments");
    ReportPiUnreadable(store, segments, store.segments_error, emitter);
  }
  if (store.drifted()) {
    Finding f = MakeFinding(FindingKind::kPiDrift, true, offsets);
    f.store = &store;
    // A missing file has no place to point at (PiDrift says 0).
    if (!store.drift->missing) f.byte_offset = store.drift->first_difference;
    emitter->Report(f);
  }
  if (store.stop && store.stop->reason != index::PiStopReason::kNone) {
    const std::string segment = index::JoinRelPath(store.path, "segments/" + store.stop->segment);
    Finding f = MakeFinding(FindingKind::kPiStop, store.stop->damage, segment);
    f.store = &store;
    f.byte_offset = store.stop->byte_offset;
    emitter->Report(f);
  }
  emitter->CountPiStore(store);
}

// Checks the pi stores on its own threads while the log files are still
// being scanned: a store is checked once the scan is past its segments, so
// they are read again from the page cache and the checks use the time the
// scan waits for the disk. A check holds no rows once done, so all of them
// are kept and reported in order at the end.
class PiChecker {
 public:
  PiChecker(int root_fd, const std::vector<std::string>& stores,
            const std::vector<index::LogFile>& files, int threads, VerifyProgress* progress)
      : root_fd_(root_fd), stores_(stores), progress_(progress), checks_(stores.size()),
        ready_at_(stores.size()) {
    for (size_t k = 0; k < stores.size(); ++k) {
      // Files under <store>/segments/ are contiguous in canonical order;
      // '0' is the byte after '/'.
      const std::string prefix = index::JoinRelPath(stores[k], "segments0");
      ready_at_[k] = std::lower_bound(files.begin(), files.end(), prefix,
                                      [](const index::LogFile& f, const std::string& p) {
                                        return f.rel_path < p;
                                      }) -
                     files.begin();
    }
    const size_t n = std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), stores.size());
    for (size_t t = 0; t < n; ++t) workers_.emplace_back([this] { Work(); });
  }
  ~PiChecker() { Finish(); }

  // The scan has consumed the first `files` log files.
  void Scanned(size_t files) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    scanned_ = files;
  }

  // Waits for every check; then reports them in order.
  void Finish() ABSL_LOCKS_EXCLUDED(mu_) {
    Scanned(SIZE_MAX);
    for (std::thread& w : workers_) w.join();
    workers_.clear();
  }
  void Report(Emitter* emitter) {
    Finish();
    for (const PiStoreCheck& check : checks_) ReportPiStore(check, emitter);
  }

 private:
  void Work() {
    for (size_t k = next_.fetch_add(1); k < stores_.size(); k = next_.fetch_add(1)) {
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this, k]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return scanned_ >= ready_at_[k]; };
        mu_.Await(absl::Condition(&ready));
      }
      checks_[k] = CheckPiStore(root_fd_, stores_[k]);
      if (progress_ != nullptr) progress_->pi_stores_done.fetch_add(1, std::memory_order_relaxed);
    }
  }

  const int root_fd_;
  const std::vector<std::string>& stores_;
  VerifyProgress* const progress_;
  std::vector<PiStoreCheck> checks_;  // [k] written by the one worker that took k
  std::vector<size_t> ready_at_;      // store k may be checked once this many files are scanned
  std::atomic<size_t> next_{0};
  absl::Mutex mu_;
  size_t scanned_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> workers_;
};

}  // namespace

std::string_view FindingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kCorruptFrame: return "corrupt_frame";
    case FindingKind::kTornTail: return "torn_tail";
    case FindingKind::kUnreadableFile: return "unreadable_file";
    case FindingKind::kVanishedFile: return "vanished_file";
    case FindingKind::kUnreadableDir: return "unreadable_dir";
    case FindingKind::kNonUtf8Name: return "non_utf8_name";
    case FindingKind::kPiDrift: return "pi_drift";
    case FindingKind::kPiStop: return "pi_stop";
    case FindingKind::kPiUnreadable: return "pi_unreadable";
  }
  return "corrupt_frame";
}

std::string_view BackingStateName(BackingState state) {
  switch (state) {
    case BackingState::kPresent: return "present";
    case BackingState::kMissing: return "missing";
    case BackingState::kUnreadable: return "unreadable";
  }
  return "missing";
}

int VerifyExitCode(const VerifyCounts& counts) { return counts.damage() ? 1 : 0; }

absl::StatusOr<VerifyCounts> VerifyLogDir(const std::string& log_dir,
                                          const VerifyOptions& options,
                                          FindingReporter* reporter) {
  absl::StatusOr<index::LogTree> tree = index::ListLogFiles(log_dir);
  if (!tree.ok()) return tree.status();
  const int root_fd = open(log_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return absl::ErrnoToStatus(errno, "cannot open log dir " + log_dir);
  absl::Cleanup close_root = [root_fd] { close(root_fd); };
  VerifyProgress* const progress = options.progress;
  if (progress != nullptr) {
    uint64_t bytes = 0;
    for (const index::LogFile& f : tree->files) bytes += f.size;
    progress->files_total = tree->files.size();
    progress->bytes_total = bytes;
    progress->pi_stores_total = tree->pi_stores.size();
  }
  Emitter emitter(reporter, progress);

  std::vector<SkippedPath> skipped;
  if (tree->non_utf8_paths > 0 || tree->unreadable_dirs > 0) FindSkippedPaths(root_fd, &skipped);
  for (const std::string& dir : tree->exhausted_dirs) {
    skipped.push_back({FindingKind::kUnreadableDir, dir, kExhausted});
  }
  std::sort(skipped.begin(), skipped.end(),
            [](const SkippedPath& a, const SkippedPath& b) { return a.path < b.path; });
  for (const SkippedPath& s : skipped) {
    Finding f = MakeFinding(s.kind, s.kind == FindingKind::kUnreadableDir,
                            s.path.empty() ? std::string_view(".") : std::string_view(s.path));
    f.reason = s.reason;
    emitter.Report(f);
  }

  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  PiChecker pi(root_fd, tree->pi_stores, tree->files, threads, progress);
  index::ScanOptions scan_options;  // every source: verify checks every log file
  scan_options.threads = options.threads;
  index::ScanFiles(
      log_dir, tree->files, scan_options,
      [&](size_t i) {
        return std::make_unique<FindingSink>(i, tree->files[i].rel_path, &emitter, progress);
      },
      [&](size_t i, index::FileScanResult r) {
        const auto* sink = static_cast<const FindingSink*>(r.rows.get());
        std::string why;
        bool vanished = false;
        if (!r.scan.readable) {
          why = r.scan.exhausted ? kExhausted : WhyUnreadable(root_fd, tree->files[i].rel_path, &vanished);
        }
        emitter.EndFile(i, tree->files[i].rel_path, sink->held(), r.scan, why, vanished);
        pi.Scanned(i + 1);
        if (progress != nullptr) {
          progress->bytes_done.fetch_add(r.scan.size - std::min(r.scan.size, sink->reported_bytes()),
                                         std::memory_order_relaxed);
          progress->files_done.fetch_add(1, std::memory_order_relaxed);
        }
      });

  pi.Report(&emitter);
  return emitter.counts();
}

}  // namespace logdex::recovery
