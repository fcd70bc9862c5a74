// Turns conditions of now into log events of their changes: a mount warning
// (health.h) gets a line when it starts and one when it clears, and a pi
// store's stop (the frame where its view's rows end, recovery/pi_views.h)
// one line per distinct stop (store, segment, byte offset, reason), and a
// damaged NAME.lz4 one line per distinct damage (file, offset, reason). Called
// by the background refresher (background_tasks.h) about once a second.
//
// The "index" and "cache_save" warnings are logged where they happen
// instead (index_holder.cc: the failed open's error; each distinct save
// error and the recovery), so they are skipped here.
#ifndef LOGDEX_FS_PROBLEM_WATCH_H_
#define LOGDEX_FS_PROBLEM_WATCH_H_

#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "fs/daemon_log.h"
#include "fs/health.h"
#include "index/live_index.h"
#include "recovery/pi_views.h"

namespace logdex::fs {

class ProblemWatch {
 public:
  explicit ProblemWatch(DaemonLog* log) : log_(log) {}

  void Update(const std::vector<Warning>& warnings,
              const std::vector<recovery::PiViews::StoreReport>& stores,
              const std::vector<index::Lz4DamagedFile>& lz4_damaged) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  DaemonLog* const log_;
  absl::Mutex mu_;
  std::set<std::string> active_ ABSL_GUARDED_BY(mu_);  // warning kinds logged as started
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_PROBLEM_WATCH_H_
