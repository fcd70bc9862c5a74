#include "fs/index_holder.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "fs/log_dedupe.h"

namespace logdex::fs {
namespace {

struct timespec Now() {
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  return now;
}

// What identifies a save error for the log: the errno text absl's
// ErrnoToStatus ends its message with (the paths before it name temp files
// that differ at every try).
std::string SaveErrorKey(absl::string_view message) {
  const size_t colon = message.rfind(": ");
  return std::string(colon == absl::string_view::npos ? message : message.substr(colon + 2));
}

void LogStart(DaemonLog* log, const recovery::StartReport& r) {
  if (log == nullptr) return;
  if (r.kind == recovery::StartKind::kRebuiltDamaged) {
    log->Log(DaemonLog::Level::kWarning,
             absl::StrFormat("index cache damaged: %s; moved aside as index.cache.bad, index "
                             "rebuilt from the logs",
                             r.detail));
  } else if (r.kind == recovery::StartKind::kRebuiltForeign) {
    log->Log(DaemonLog::Level::kWarning,
             absl::StrFormat("index cache not reusable: %s; index rebuilt from the logs",
                             r.detail));
  }
}

}  // namespace

absl::string_view IndexStateName(IndexState state) {
  switch (state) {
    case IndexState::kNotBuilt:
      return "not_built";
    case IndexState::kBuilding:
      return "building";
    case IndexState::kReady:
      return "ready";
    case IndexState::kFailed:
      return "failed";
  }
  return "unknown";
}

IndexHolder::IndexHolder(Options options, UpdateListener on_update)
    : options_(std::move(options)),
      on_update_(std::move(on_update)),
      pi_views_(options_.log_dir),
      live_(options_.log_dir, options_.scan),
      sessions_(options_.log_dir) {
  live_.SetChangeListener(&pi_views_);
  if (options_.log != nullptr) live_.SetProblemSink(options_.log);
}

absl::Status IndexHolder::Open() {
  if (is_open()) return absl::OkStatus();
  absl::MutexLock open_lock(&open_mu_);
  if (is_open()) return absl::OkStatus();  // opened while we waited
  {
    absl::MutexLock lock(&mu_);
    state_ = IndexState::kBuilding;
  }
  // Watch before the first build, so nothing written during it is missed.
  absl::Status watching = live_.StartWatching();
  {
    absl::MutexLock lock(&mu_);
    watcher_ = watching.ok() ? "inotify" : "stat_rescan";
    watcher_error_ = watching.ok() ? "" : std::string(watching.message());
  }
  absl::StatusOr<recovery::StartReport> report =
      recovery::OpenIndex(live_, options_.cache_dir, options_.verify);
  absl::MutexLock lock(&mu_);
  if (!report.ok()) {
    state_ = IndexState::kFailed;
    last_error_ = std::string(report.status().message());
    if (options_.log != nullptr) {
      options_.log->LogOnce(DaemonLog::Level::kError, ProblemKey("index_open", "", last_error_),
                            absl::StrFormat("the index could not be opened: %s", last_error_));
    }
    return report.status();
  }
  LogStart(options_.log, *report);
  if (report->matches_cache) {
    // The cache on disk already holds this index: no save until it changes
    // (an unchanged remount then unmounts without rewriting it).
    saved_once_ = true;
    saved_version_ = live_.Version();
  }
  start_ = *std::move(report);
  state_ = IndexState::kReady;
  last_error_.clear();
  opened_at_ = Now();
  open_.store(true, std::memory_order_release);
  return absl::OkStatus();
}

void IndexHolder::Refresh(bool from_request) {
  const index::IndexUpdate update = live_.Refresh();
  // Growth seen while serving a request needs no notification: the reply
  // (GETATTR, LOOKUP) carries the new size, or the kernel asks for it (a read
  // past the size it knows), and a size change drops the kernel's cached
  // pages. A notification would even hurt: it bumps the node's attribute
  // version, so the kernel discards the attributes of a GETATTR reply in
  // flight and keeps a stale size after stat(2) showed the new one.
  // Regenerations make a new version (a new node), so they are always told.
  const bool notify = update.regenerated || (!from_request && update.changed());
  if (notify && on_update_) on_update_(update, live_.Current());
}

absl::StatusOr<VersionPtr> IndexHolder::Current(bool may_open) {
  if (!is_open()) {
    if (!may_open) return VersionPtr();
    if (absl::Status s = Open(); !s.ok()) return s;
  }
  Refresh(/*from_request=*/true);
  return VersionPtr(live_.Current());
}

absl::StatusOr<index::SessionIndex*> IndexHolder::Sessions(bool may_open) {
  absl::StatusOr<VersionPtr> current = Current(may_open);
  if (!current.ok()) return current.status();
  if (*current == nullptr) return nullptr;
  sessions_.Update(live_.Current());
  return &sessions_;
}

std::optional<index::SessionIndex::Report> IndexHolder::SessionReport() {
  if (!is_open()) return std::nullopt;
  absl::StatusOr<index::SessionIndex*> sessions = Sessions(/*may_open=*/false);
  if (!sessions.ok() || *sessions == nullptr) return std::nullopt;
  return (*sessions)->GetReport();
}

void IndexHolder::RefreshIfOpen() {
  if (!is_open()) return;
  Refresh(/*from_request=*/false);
  pi_views_.CatchUp();  // stores the updates marked and no read has looked at yet
}

absl::Status IndexHolder::SaveIfChanged() {
  absl::MutexLock save_lock(&save_mu_);
  if (!is_open()) return absl::OkStatus();
  const uint64_t version = live_.Version();
  {
    absl::MutexLock lock(&mu_);
    if (saved_once_ && version == saved_version_) return absl::OkStatus();
  }
  // SaveIndex copies a snapshot under the index's reader lock, then
  // compresses and writes without it: readers wait only for the copy.
  absl::Status s = recovery::SaveIndex(live_, options_.cache_dir, *options_.files);
  absl::MutexLock lock(&mu_);
  if (!s.ok()) {
    ++save_errors_;
    last_save_error_ = std::string(s.message());
    if (failing_saves_++ == 0) failing_since_ = absl::Now();
    const std::string key = SaveErrorKey(s.message());
    if (options_.log != nullptr && key != logged_save_error_) {
      options_.log->Log(DaemonLog::Level::kWarning,
                        absl::StrFormat("cannot save the index cache: %s; serving from memory, "
                                        "retrying every save interval",
                                        s.message()));
      logged_save_error_ = key;
    }
    return s;
  }
  if (options_.log != nullptr && failing_saves_ > 0) {
    options_.log->Log(DaemonLog::Level::kInfo,
                      absl::StrFormat("the index cache is saved again, after %d failed saves",
                                      failing_saves_));
  }
  logged_save_error_.clear();
  failing_saves_ = 0;
  failing_since_.reset();
  ++saves_;
  saved_once_ = true;
  saved_version_ = version;
  last_save_ = absl::Now();
  return absl::OkStatus();
}

IndexReport IndexHolder::Report() const {
  IndexReport r;
  r.progress = live_.Progress();
  const bool open = is_open();
  if (open) {
    // The index's own locks; never held across an open (open_ is set after).
    r.stats = live_.Stats();
    r.size_bytes = live_.Size();
    r.rows = live_.RowCount();
    r.memory_bytes = live_.MemoryBytes();
    r.version = live_.Version();
    r.regenerations = live_.Regenerations();
    r.lz4_damaged = live_.Lz4Damaged();
    const int64_t ns = live_.Current()->ChangedNs();
    r.changed_at.tv_sec = static_cast<time_t>(ns / 1000000000);
    r.changed_at.tv_nsec = static_cast<long>(ns % 1000000000);
  }
  r.resources = live_.Resources();
  absl::MutexLock lock(&mu_);
  r.state = state_;
  r.last_error = last_error_;
  r.opened_at = opened_at_;
  r.watcher = watcher_;
  r.watcher_error = watcher_error_;
  r.start = start_;
  r.last_save = last_save_;
  r.saves = saves_;
  r.save_errors = save_errors_;
  r.last_save_error = last_save_error_;
  r.failing_saves = failing_saves_;
  r.failing_since = failing_since_;
  return r;
}

}  // namespace logdex::fs
