// Whether the kernel's cached pages of a backing file may be kept at an open
// (FOPEN_KEEP_CACHE), so a file read twice is served from the page cache the
// second time.
//
// The kernel drops a node's pages at an open without keep_cache, and by
// itself whenever it learns a new size (appends straight into the log dir
// show in the next getattr: attribute timeouts are 0). What it cannot see is
// a rewrite in place that keeps the size, so a read-only open keeps the pages
// only when the file is the same as at the previous read-only open of the
// node: same device, inode, size, st_mtime and st_ctime. A file changed
// within kRacySeconds of that open is never trusted (a rewrite within one
// timestamp tick would leave both times equal), the way git treats "racily
// clean" index entries.
//
// Between opens this is close-to-open consistency: a reader that keeps the
// file open sees appends (size), not a same-size rewrite of bytes it cached.
#ifndef LOGDEX_FS_PAGE_CACHE_STAMPS_H_
#define LOGDEX_FS_PAGE_CACHE_STAMPS_H_

#include <sys/stat.h>
#include <time.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "fs/inode_table.h"

namespace logdex::fs {

class PageCacheStamps {
 public:
  static constexpr time_t kRacySeconds = 2;

  // A read-only open of node `id`, whose file is `st` now (fstat of the
  // opened descriptor), at wall-clock time `now`: whether the kernel may keep
  // the pages it has. Records `st` for the next open.
  bool KeepAtOpen(NodeId id, const struct stat& st, const struct timespec& now)
      ABSL_LOCKS_EXCLUDED(mu_);
  // The node may change through the mount (an open for writing), or the
  // kernel forgot it: its next open keeps nothing.
  void Drop(NodeId id) ABSL_LOCKS_EXCLUDED(mu_);

  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Stamp {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    struct timespec mtime = {};
    struct timespec ctime = {};
    bool trusted = false;  // not changed within kRacySeconds of being recorded
    bool operator==(const Stamp& o) const;
  };

  mutable absl::Mutex mu_;
  absl::flat_hash_map<NodeId, Stamp> stamps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_PAGE_CACHE_STAMPS_H_
