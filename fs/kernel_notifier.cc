#include "fs/kernel_notifier.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace logdex::fs {
namespace {

constexpr uint64_t kPageSize = 4096;

}  // namespace

void KernelNotifier::Start(fuse_session* se) {
  {
    absl::MutexLock lock(&mu_);
    se_ = se;
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void KernelNotifier::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  se_ = nullptr;
  pending_.clear();
}

void KernelNotifier::Invalidate(NodeId id, uint64_t offset) {
  offset -= offset % kPageSize;
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = pending_.try_emplace(id, offset);
  if (!inserted) it->second = std::min(it->second, offset);
}

uint64_t KernelNotifier::sent() const {
  absl::MutexLock lock(&mu_);
  return sent_;
}

void KernelNotifier::Loop() {
  for (;;) {
    std::vector<std::pair<NodeId, uint64_t>> batch;
    fuse_session* se = nullptr;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !pending_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      batch.assign(pending_.begin(), pending_.end());
      pending_.clear();
      se = se_;
    }
    for (const auto& [id, offset] : batch) {
      // len 0: to the end of the file. -ENOENT (the kernel does not hold the
      // node) and -ENOTCONN (unmounting) need nothing more.
      (void)fuse_lowlevel_notify_inval_inode(se, id, static_cast<off_t>(offset), 0);
    }
    absl::MutexLock lock(&mu_);
    sent_ += batch.size();
  }
}

}  // namespace logdex::fs
