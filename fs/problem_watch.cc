#include "fs/problem_watch.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "fs/log_dedupe.h"

namespace logdex::fs {
namespace {

absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool LoggedElsewhere(const std::string& kind) { return kind == "index" || kind == "cache_save"; }

}  // namespace

void ProblemWatch::Update(const std::vector<Warning>& warnings,
                          const std::vector<recovery::PiViews::StoreReport>& stores,
                          const std::vector<index::Lz4DamagedFile>& lz4_damaged) {
  {
    absl::MutexLock lock(&mu_);
    std::set<std::string> now;
    for (const Warning& w : warnings) {
      if (LoggedElsewhere(w.kind)) continue;
      now.insert(w.kind);
      if (!active_.contains(w.kind)) {
        log_->Log(DaemonLog::Level::kWarning,
                  absl::StrFormat("warning %s started: %s", w.kind, w.message));
      }
    }
    for (const std::string& kind : active_) {
      if (!now.contains(kind)) {
        log_->Log(DaemonLog::Level::kInfo, absl::StrFormat("warning %s cleared", kind));
      }
    }
    active_ = std::move(now);
  }
  for (const recovery::PiViews::StoreReport& r : stores) {
    if (r.stop.reason == index::PiStopReason::kNone) continue;
    const std::string store = r.store.empty() ? "." : r.store;
    const std::string_view reason = index::PiStopReasonName(r.stop.reason);
    const std::string_view action = index::PiActionName(r.stop.action);
    log_->LogOnce(
        r.stop.damage ? DaemonLog::Level::kWarning : DaemonLog::Level::kInfo,
        ProblemKey("pi_stop", store,
                   absl::StrCat(r.stop.segment, ":", r.stop.byte_offset, ":", A(reason))),
        absl::StrFormat("pi store %s: offsets view stops at %s byte %d (%s, pi's rebuild: %s); "
                        "%d rows before it",
                        store, r.stop.segment, r.stop.byte_offset, A(reason), A(action),
                        r.rows));
  }
  for (const index::Lz4DamagedFile& f : lz4_damaged) {
    log_->LogOnce(DaemonLog::Level::kWarning,
                  ProblemKey("lz4_damaged", f.rel_path,
                             absl::StrCat(f.damage.compressed_offset, ":", f.damage.reason)),
                  absl::StrFormat("file %s.lz4: damaged lz4 at byte %d (%s); %s shows and indexes "
                                  "its first %d decompressed bytes",
                                  f.rel_path, f.damage.compressed_offset, f.damage.reason,
                                  f.rel_path, f.readable_bytes));
  }
}

}  // namespace logdex::fs
