// The one place the mount gets its index from: one LiveIndex per mount,
// opened once (from the persisted cache or by a build), then kept fresh.
//
// It is the DerivedSource of /index.ndjson (derived_files.h): Current() is
// the index's current version (index/index_version.h).
//
// Opening is lazy: the first Current(may_open=true) (a getattr, open or read
// of /index.ndjson) opens it; concurrent callers wait for that one open, and
// requests that never touch the index (ordinary files, status.json via
// Report()) never wait. A lookup asks with may_open=false: libfuse 3.14's
// INIT reply never grants FUSE_PARALLEL_DIROPS, so the kernel serializes
// LOOKUPs within one directory, and a build there would hold up every first
// lookup at the root. `logdex mount` on a terminal calls Open() itself before
// daemonizing, to show progress.
//
// Freshness (SPEC §4): every Current() of an open index first applies the
// changes of the log dir since the last call (LiveIndex::Refresh, cheap when
// none), so a lookup, stat, open or read sees every frame completed before
// it. Regenerations, and growth the background refresher finds first, go to
// the update listener (which points the name at the new version and tells
// the kernel).
//
// Lock order: open_mu_, then save_mu_, then mu_. open_mu_ is held for a whole
// open (build or cache load), save_mu_ for a whole save; mu_ is never held
// while the index is built, refreshed or saved.
#ifndef LOGDEX_FS_INDEX_HOLDER_H_
#define LOGDEX_FS_INDEX_HOLDER_H_

#include <time.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "fs/daemon_log.h"
#include "fs/derived_files.h"
#include "index/build_stats.h"
#include "index/live_index.h"
#include "index/scan_options.h"
#include "index/session_index.h"
#include "recovery/cache_file.h"
#include "recovery/pi_views.h"
#include "recovery/warm_start.h"

namespace logdex::fs {

enum class IndexState { kNotBuilt, kBuilding, kReady, kFailed };
absl::string_view IndexStateName(IndexState state);

// Everything status.json and metrics.prom say about the index. Taking it
// never waits for an open: while one runs only `progress` is filled in.
struct IndexReport {
  IndexState state = IndexState::kNotBuilt;
  std::string last_error;          // of the last failed open, if any
  index::BuildProgress progress;   // live during a build
  // Filled in once ready:
  index::BuildStats stats;
  uint64_t size_bytes = 0;
  uint64_t rows = 0;
  uint64_t memory_bytes = 0;
  uint64_t version = 0;
  uint64_t regenerations = 0;
  struct timespec opened_at = {};   // when the open (build or cache load) finished
  struct timespec changed_at = {};  // st_mtime of /index.ndjson
  index::ResourceReport resources;
  // Log files read from damaged NAME.lz4 files (SPEC §7), canonical order.
  std::vector<index::Lz4DamagedFile> lz4_damaged;
  // "inotify", "stat_rescan" (watcher failed: every refresh stats the tree)
  // or "not_started".
  std::string watcher = "not_started";
  std::string watcher_error;
  // Cache (SPEC §6).
  std::optional<recovery::StartReport> start;  // how the index was opened
  std::optional<absl::Time> last_save;
  uint64_t saves = 0;
  uint64_t save_errors = 0;
  std::string last_save_error;
  // Failed saves since the last one that worked, and since when (health).
  uint64_t failing_saves = 0;
  std::optional<absl::Time> failing_since;
};

class IndexHolder : public DerivedSource {
 public:
  struct Options {
    std::string log_dir;
    index::ScanOptions scan;
    std::string cache_dir;
    recovery::VerifyMode verify = recovery::VerifyMode::kFull;
    // What cache saves write through: the real files, or a test seam.
    recovery::DurableFiles* files = &recovery::PosixFiles();
    DerivedPerms perms;  // mode, owner and group /index.ndjson shows
    // The mount's log (null: none): corrupt frames and unreadable files
    // found by scans, a failed open, a cache not reused, each distinct
    // cache save error and the first save that works after one.
    DaemonLog* log = nullptr;
  };
  // Called after a refresh that regenerated index.ndjson, or grew it outside
  // a request (RefreshIfOpen), on the refreshing thread, with the version
  // the index has now; it must not block (it queues kernel work).
  using UpdateListener = std::function<void(const index::IndexUpdate&, const VersionPtr&)>;

  IndexHolder(Options options, UpdateListener on_update);
  IndexHolder(const IndexHolder&) = delete;
  IndexHolder& operator=(const IndexHolder&) = delete;

  // Opens the index if no open has succeeded yet: starts watching the log
  // dir, then loads and verifies the cache or builds. A failed open is
  // reported to its callers and tried again by the next call.
  absl::Status Open() ABSL_LOCKS_EXCLUDED(open_mu_, mu_);

  // DerivedSource: Open() (if may_open; else null while not open), then
  // Refresh(): the index's version as of now.
  absl::StatusOr<VersionPtr> Current(bool may_open) override ABSL_LOCKS_EXCLUDED(open_mu_, mu_);
  DerivedPerms Permissions() override { return options_.perms; }

  // The views of the log dir's pi stores, kept fresh with the index (they
  // are told of its every update); filled once the index is open.
  recovery::PiViews& pi_views() { return pi_views_; }
  const recovery::PiViews& pi_views() const { return pi_views_; }

  // The session views (SPEC §10) as fresh as the index: Current(may_open),
  // then the views brought up to date with it. Null while the index is not
  // open and may not be opened.
  absl::StatusOr<index::SessionIndex*> Sessions(bool may_open) ABSL_LOCKS_EXCLUDED(open_mu_, mu_);
  // What status says of the session views: nullopt until the index is open
  // (then the views are brought up to date first).
  std::optional<index::SessionIndex::Report> SessionReport() ABSL_LOCKS_EXCLUDED(open_mu_, mu_);

  // Applies the log dir's changes if the index is open (never opens it),
  // then brings the pi views up to date.
  void RefreshIfOpen() ABSL_LOCKS_EXCLUDED(mu_);

  // Saves the cache if the index is open and changed since the last save
  // (the first save always happens). Errors are also counted in the report.
  absl::Status SaveIfChanged() ABSL_LOCKS_EXCLUDED(save_mu_, mu_);

  IndexReport Report() const ABSL_LOCKS_EXCLUDED(mu_);
  index::BuildProgress Progress() const { return live_.Progress(); }
  bool is_open() const { return open_.load(std::memory_order_acquire); }
  const std::string& cache_dir() const { return options_.cache_dir; }

 private:
  // Refresh; tell the update listener about regenerations, and about growth
  // unless a request's reply carries it. Requires is_open().
  void Refresh(bool from_request) ABSL_LOCKS_EXCLUDED(mu_);

  const Options options_;
  const UpdateListener on_update_;
  recovery::PiViews pi_views_;  // before live_, which tells it of updates
  index::LiveIndex live_;  // thread-safe on its own
  index::SessionIndex sessions_;  // thread-safe on its own; follows live_ on demand
  std::atomic<bool> open_{false};

  absl::Mutex open_mu_ ABSL_ACQUIRED_BEFORE(save_mu_);
  absl::Mutex save_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  IndexState state_ ABSL_GUARDED_BY(mu_) = IndexState::kNotBuilt;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  std::string watcher_ ABSL_GUARDED_BY(mu_) = "not_started";
  std::string watcher_error_ ABSL_GUARDED_BY(mu_);
  std::optional<recovery::StartReport> start_ ABSL_GUARDED_BY(mu_);
  struct timespec opened_at_ ABSL_GUARDED_BY(mu_) = {};
  bool saved_once_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t saved_version_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<absl::Time> last_save_ ABSL_GUARDED_BY(mu_);
  uint64_t saves_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t save_errors_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_save_error_ ABSL_GUARDED_BY(mu_);
  uint64_t failing_saves_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<absl::Time> failing_since_ ABSL_GUARDED_BY(mu_);
  std::string logged_save_error_ ABSL_GUARDED_BY(mu_);  // the errno text last logged
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_INDEX_HOLDER_H_
