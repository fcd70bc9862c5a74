// The mount's periodic work, each on a thread of its own:
//  - refresher: every kRefreshInterval applies the log dir's changes to an
//    open index (cheap when none), so the kernel is told about growth and
//    `tail -f index.ndjson` sees new rows even when nobody stats the file;
//  - saver: every save_interval saves the cache if the index changed since
//    the last save, so a crash loses bounded work (SPEC §6);
//  - watcher: every kWatchInterval runs `watch` (the mount logs warnings
//    that started or cleared, problem_watch.h).
// Started after daemonizing (threads do not survive fork), stopped before the
// final save and the unmount.
#ifndef LOGDEX_FS_BACKGROUND_TASKS_H_
#define LOGDEX_FS_BACKGROUND_TASKS_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "fs/index_holder.h"

namespace logdex::fs {

inline constexpr absl::Duration kRefreshInterval = absl::Milliseconds(250);
inline constexpr absl::Duration kWatchInterval = absl::Seconds(1);

class BackgroundTasks {
 public:
  // `holder` must outlive this object.
  BackgroundTasks(IndexHolder* holder, absl::Duration save_interval,
                  std::function<void()> watch = {})
      : holder_(holder), save_interval_(save_interval), watch_(std::move(watch)) {}
  ~BackgroundTasks() { Stop(); }
  BackgroundTasks(const BackgroundTasks&) = delete;
  BackgroundTasks& operator=(const BackgroundTasks&) = delete;

  void Start() ABSL_LOCKS_EXCLUDED(mu_);
  // Wakes the threads and joins them (a save in progress completes first).
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // Runs `work` every `interval` until Stop().
  void Every(absl::Duration interval, void (BackgroundTasks::*work)()) ABSL_LOCKS_EXCLUDED(mu_);
  void RefreshOnce();
  void SaveOnce();
  void WatchOnce() { watch_(); }

  IndexHolder* const holder_;
  const absl::Duration save_interval_;
  const std::function<void()> watch_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread refresher_;  // Start/Stop only, from the main thread
  std::thread saver_;
  std::thread watcher_;
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_BACKGROUND_TASKS_H_
