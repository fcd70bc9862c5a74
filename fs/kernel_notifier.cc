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
  std::deque<Ordered> left;
  {
    absl::MutexLock lock(&mu_);
    se_ = nullptr;
    pending_.clear();
    entries_.clear();
    left.swap(ordered_);
    ordered_running_ = left.size();
  }
  // Held-back replies still go out (the session is not destroyed yet).
  for (Ordered& o : left) {
    if (o.fn) o.fn();
  }
  absl::MutexLock lock(&mu_);
  ordered_running_ = 0;
}

void KernelNotifier::Store(NodeId id, uint64_t offset, std::string bytes) {
  absl::MutexLock lock(&mu_);
  ordered_.push_back(Ordered{id, offset, std::move(bytes), nullptr});
}

void KernelNotifier::Then(std::function<void()> fn) {
  absl::MutexLock lock(&mu_);
  ordered_.push_back(Ordered{0, 0, std::string(), std::move(fn)});
}

bool KernelNotifier::ordered_busy() const {
  absl::MutexLock lock(&mu_);
  return !ordered_.empty() || ordered_running_ > 0;
}

bool KernelNotifier::running() const {
  absl::MutexLock lock(&mu_);
  return se_ != nullptr && !stopping_;
}

uint64_t KernelNotifier::stores_sent() const {
  absl::MutexLock lock(&mu_);
  return stores_sent_;
}

void KernelNotifier::Invalidate(NodeId id, uint64_t offset) {
  offset -= offset % kPageSize;
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = pending_.try_emplace(id, offset);
  if (!inserted) it->second = std::min(it->second, offset);
}

void KernelNotifier::InvalidateEntry(NodeId parent, std::string name) {
  absl::MutexLock lock(&mu_);
  entries_.emplace(parent, std::move(name));
}

uint64_t KernelNotifier::sent() const {
  absl::MutexLock lock(&mu_);
  return sent_;
}

void KernelNotifier::Loop() {
  for (;;) {
    std::vector<std::pair<NodeId, uint64_t>> batch;
    std::vector<std::pair<NodeId, std::string>> entries;
    std::deque<Ordered> ordered;
    fuse_session* se = nullptr;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !pending_.empty() || !entries_.empty() || !ordered_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      batch.assign(pending_.begin(), pending_.end());
      pending_.clear();
      entries.assign(entries_.begin(), entries_.end());
      entries_.clear();
      ordered.swap(ordered_);
      ordered_running_ = ordered.size();
      se = se_;
    }
    // Names first: a path walk after this asks for the new node.
    for (const auto& [parent, name] : entries) {
      // -ENOENT (the kernel holds no such entry) and -ENOTCONN (unmounting)
      // need nothing more.
      (void)fuse_lowlevel_notify_inval_entry(se, parent, name.data(), name.size());
    }
    for (const auto& [id, offset] : batch) {
      // len 0: to the end of the file.
      (void)fuse_lowlevel_notify_inval_inode(se, id, static_cast<off_t>(offset), 0);
    }
    uint64_t stores = 0;
    for (Ordered& o : ordered) {
      if (o.fn) {
        o.fn();
        continue;
      }
      fuse_bufvec buf = FUSE_BUFVEC_INIT(o.bytes.size());
      buf.buf[0].mem = o.bytes.data();
      // -ENOENT: the kernel holds no inode for the node (nothing cached).
      (void)fuse_lowlevel_notify_store(se, o.id, static_cast<off_t>(o.offset), &buf,
                                       FUSE_BUF_NO_SPLICE);
      ++stores;
    }
    absl::MutexLock lock(&mu_);
    ordered_running_ = 0;
    sent_ += batch.size() + entries.size() + stores;
    stores_sent_ += stores;
  }
}

}  // namespace logdex::fs
