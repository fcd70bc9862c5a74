// Tells the kernel when cached pages of a node, or a cached name, went
// stale, from a thread of its own.
//
// libfuse warns that a notify call made while a request for the same node is
// being handled can deadlock (the kernel may wait for that request while we
// wait for the kernel). So request handlers and the refresher only queue:
// Invalidate() records the lowest stale offset per node, InvalidateEntry()
// the name, and both return at once; the notifier thread sends
// fuse_lowlevel_notify_inval_inode / _inval_entry for them.
//
// Ordered work: Store() and Then() items run one after another, in the order
// queued, after the name and page notices of the same round. Store() pushes
// bytes into the kernel's page cache of a node (fuse_lowlevel_notify_store;
// it waits for page locks a read in flight holds, which is why no request
// thread may send it); Then() runs a function there, after every store queued
// before it: a reply held back until the kernel knows what it reveals
// (derived_files.h says why).
#ifndef LOGDEX_FS_KERNEL_NOTIFIER_H_
#define LOGDEX_FS_KERNEL_NOTIFIER_H_

#include <fuse_lowlevel.h>
#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "fs/inode_table.h"

namespace logdex::fs {

class KernelNotifier {
 public:
  KernelNotifier() = default;
  ~KernelNotifier() { Stop(); }
  KernelNotifier(const KernelNotifier&) = delete;
  KernelNotifier& operator=(const KernelNotifier&) = delete;

  // Starts the thread that sends queued notifications to `se`. Call after
  // daemonizing (threads do not survive fork). Invalidations queued before
  // are sent then.
  void Start(fuse_session* se) ABSL_LOCKS_EXCLUDED(mu_);
  // Stops and joins the thread; pending notifications are dropped. Call
  // before the session is unmounted and destroyed.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  // Pages of `id` from `offset` (rounded down to a page) to the end are
  // stale, and so are its attributes. Never blocks on the kernel.
  void Invalidate(NodeId id, uint64_t offset) ABSL_LOCKS_EXCLUDED(mu_);
  // The kernel's entry for `name` in directory `parent` is stale (the name
  // now leads to another node). Never blocks on the kernel.
  void InvalidateEntry(NodeId parent, std::string name) ABSL_LOCKS_EXCLUDED(mu_);

  // Queues a store of `bytes` at `offset` into the kernel's cache of `id`
  // (growing its i_size to offset + size if smaller). Never blocks.
  void Store(NodeId id, uint64_t offset, std::string bytes) ABSL_LOCKS_EXCLUDED(mu_);
  // Queues `fn`, to run on the notifier thread after every item queued
  // before it. Items still queued at Stop() run then (their stores skipped),
  // so a held-back reply is never lost.
  void Then(std::function<void()> fn) ABSL_LOCKS_EXCLUDED(mu_);
  // Whether ordered items are queued or running; false before Start().
  bool ordered_busy() const ABSL_LOCKS_EXCLUDED(mu_);
  // Whether Start() was called and Stop() not yet: only then are ordered
  // items ever run by the thread.
  bool running() const ABSL_LOCKS_EXCLUDED(mu_);

  uint64_t sent() const ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t stores_sent() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Ordered {
    NodeId id = 0;  // a store when `fn` is empty
    uint64_t offset = 0;
    std::string bytes;
    std::function<void()> fn;
  };
  void Loop() ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  fuse_session* se_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<NodeId, uint64_t> pending_ ABSL_GUARDED_BY(mu_);  // id -> lowest offset
  absl::flat_hash_set<std::pair<NodeId, std::string>> entries_ ABSL_GUARDED_BY(mu_);
  std::deque<Ordered> ordered_ ABSL_GUARDED_BY(mu_);
  size_t ordered_running_ ABSL_GUARDED_BY(mu_) = 0;  // taken off the queue, not done
  uint64_t sent_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t stores_sent_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;  // only Start/Stop touch it, from the main thread
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_KERNEL_NOTIFIER_H_
