// `logdex verify`'s engine (verify.h): the scan of every log file, with its
// findings handed on in order; the pi stores are checked by
// verify_pi_stores.h, what the scan skipped is found by verify_skipped.h.
#include "recovery/verify.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "index/lz4_format.h"
#include "index/file_scan.h"
#include "index/log_tree.h"
#include "index/parallel_scan.h"
#include "recovery/verify_pi_stores.h"
#include "recovery/verify_skipped.h"

namespace logdex::recovery {
namespace {

using index::FrameError;
using index::RowView;
using index::Source;

// A file's held findings are offered to the reporter every this many.
constexpr size_t kReleaseEvery = 256;
// Bytes scanned are added to the progress in steps of this much.
constexpr uint64_t kProgressStep = uint64_t{1} << 20;

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
    if (scan.lz4_damage) {
      // Reported against the .lz4 file, whose offset it is: the frames of
      // its readable prefix were checked like any log file's.
      const std::string backing = std::string(rel) + std::string(index::lz4_format::kSuffix);
      Finding f = MakeFinding(FindingKind::kDamagedLz4, true, backing);
      f.byte_offset = scan.lz4_damage->compressed_offset;
      f.byte_length = scan.size;
      f.reason = scan.lz4_damage->reason;
      ReportLocked(f);
    }
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
// file's turn) and the bytes scanned (for the progress line). The progress
// counts listed bytes: a compressed log's rows measure decompressed bytes,
// so its listed (.lz4) size is added at its end instead (progress nullptr).
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
    case FindingKind::kDamagedLz4: return "damaged_lz4";
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
    skipped.push_back({FindingKind::kUnreadableDir, dir, kExhaustedReason});
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
        return std::make_unique<FindingSink>(i, tree->files[i].rel_path, &emitter,
                                             tree->files[i].compressed ? nullptr : progress);
      },
      [&](size_t i, index::FileScanResult r) {
        const auto* sink = static_cast<const FindingSink*>(r.rows.get());
        std::string why;
        bool vanished = false;
        if (!r.scan.readable) {
          why = r.scan.exhausted ? kExhaustedReason : WhyUnreadable(root_fd, tree->files[i].rel_path, &vanished);
        }
        emitter.EndFile(i, tree->files[i].rel_path, sink->held(), r.scan, why, vanished);
        pi.Scanned(i + 1);
        if (progress != nullptr) {
          const uint64_t listed = tree->files[i].size;  // the .lz4's size for a compressed log
          progress->bytes_done.fetch_add(listed - std::min(listed, sink->reported_bytes()),
                                         std::memory_order_relaxed);
          progress->files_done.fetch_add(1, std::memory_order_relaxed);
        }
      });

  pi.Finish();
  for (const PiStoreCheck& check : pi.checks()) {
    ReportPiStoreFindings(check, [&emitter](const Finding& f) { emitter.Report(f); });
    emitter.CountPiStore(check);
  }
  return emitter.counts();
}

}  // namespace logdex::recovery
