#include "fs/health.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "fs/status_files.h"

namespace logdex::fs {
namespace {

absl::Time FromNs(int64_t ns) { return absl::FromUnixNanos(ns); }

}  // namespace

std::vector<Warning> ActiveWarnings(const StatusInputs& in, absl::Time now) {
  std::vector<Warning> out;
  const IndexReport& r = in.index;
  if (r.state == IndexState::kFailed) {
    out.push_back({"index", absl::StrFormat("the index could not be opened: %s", r.last_error), 1,
                   now});
  }

  // Descriptors: the index's and the mount's own opens.
  const index::ExhaustionLog::Summary& a = r.resources.exhaustion;
  const index::ExhaustionLog::Summary& b = in.fs_exhaustion;
  const int64_t last_ns = std::max(a.last_ns, b.last_ns);
  const bool recent =
      last_ns != 0 && now - FromNs(last_ns) <= absl::Nanoseconds(index::ExhaustionLog::kBurstGapNs);
  if (r.resources.pending_retries > 0 || recent) {
    int64_t first_ns = 0;
    for (const auto* s : {&a, &b}) {
      if (s->first_ns != 0 && (first_ns == 0 || s->first_ns < first_ns)) first_ns = s->first_ns;
    }
    out.push_back(
        {"descriptors",
         absl::StrFormat("out of file descriptors (RLIMIT_NOFILE %d): %d opens failed with "
                         "EMFILE/ENFILE; %d paths wait for a rescan; the mount keeps at most %d "
                         "descriptors cached",
                         in.descriptor_limit.soft, a.count + b.count, r.resources.pending_retries,
                         in.nodes.capacity),
         a.count + b.count, first_ns != 0 ? FromNs(first_ns) : now});
  }

  if (r.resources.unwatched_dirs > 0) {
    out.push_back(
        {"inotify_watches",
         absl::StrFormat("inotify watch limit reached: %d directories (with everything below "
                         "them) are not watched and are checked by stat at every refresh (raise "
                         "fs.inotify.max_user_watches)",
                         r.resources.unwatched_dirs),
         r.resources.unwatched_dirs, r.opened_at.tv_sec != 0 ? absl::TimeFromTimespec(r.opened_at) : now});
  } else if (r.watcher == "stat_rescan") {
    out.push_back({"inotify_watches",
                   absl::StrFormat("cannot watch the log dir (%s): every refresh stats the whole "
                                   "tree",
                                   r.watcher_error),
                   1, r.opened_at.tv_sec != 0 ? absl::TimeFromTimespec(r.opened_at) : now});
  }

  if (r.failing_saves > 0) {
    out.push_back({"cache_save",
                   absl::StrFormat("cannot save the index cache: %s; the index is served from "
                                   "memory and saving is retried",
                                   r.last_save_error),
                   r.failing_saves, r.failing_since.value_or(now)});
  }

  if (r.resources.log_dir != index::LogDirState::kPresent) {
    out.push_back({"log_dir",
                   r.resources.log_dir == index::LogDirState::kRemoved
                       ? "the log dir was removed: the mount shows it as it is now (empty) and "
                         "the index is empty"
                       : "the log dir's path no longer names the directory this mount serves "
                         "(unmounted or moved): the mount and the index go on describing the "
                         "directory it opened; remount to serve what the path names now",
                   1, r.opened_at.tv_sec != 0 ? absl::TimeFromTimespec(r.opened_at) : now});
  }
  return out;
}

}  // namespace logdex::fs
