#include "fs/background_tasks.h"

namespace logdex::fs {

void BackgroundTasks::Start() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
  }
  refresher_ = std::thread([this] { Every(kRefreshInterval, &BackgroundTasks::RefreshOnce); });
  saver_ = std::thread([this] { Every(save_interval_, &BackgroundTasks::SaveOnce); });
  if (watch_) watcher_ = std::thread([this] { Every(kWatchInterval, &BackgroundTasks::WatchOnce); });
}

void BackgroundTasks::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (refresher_.joinable()) refresher_.join();
  if (saver_.joinable()) saver_.join();
  if (watcher_.joinable()) watcher_.join();
}

void BackgroundTasks::Every(absl::Duration interval, void (BackgroundTasks::*work)()) {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      // Returns early, with stopping_ set, when Stop() is called.
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval);
      if (stopping_) return;
    }
    (this->*work)();
  }
}

void BackgroundTasks::RefreshOnce() { holder_->RefreshIfOpen(); }

// Errors are counted in status.json by the holder; the next period retries.
void BackgroundTasks::SaveOnce() { (void)holder_->SaveIfChanged(); }

}  // namespace logdex::fs
