// Which FUSE node id names which object, and how long it stays known.
//
// ID spaces (three of them; never mix them up):
//  1. FUSE node ids (fuse_ino_t), what the kernel hands back to us:
//     - 1 (FUSE_ROOT_ID) is the log dir root. It is a backing node, pinned:
//       the kernel never forgets it.
//     - 2..kFirstBackingId-1 are virtual nodes with fixed ids (VirtualId
//       below: /index.ndjson, /.logdex and its files). They have no backing
//       object and no lookup count; forget on them is a no-op.
//     - kFirstBackingId and up: backing objects, numbered from a counter in
//       the order first looked up. An id is never reused within a mount, so a
//       stale id from the kernel can only miss, never hit the wrong object.
//       Ids are values, not addresses (STYLE §7).
//  2. Backing identity: (st_dev, st_ino) of the object in the log dir. One
//     node per identity, so hard links share a node. Each node holds an
//     O_PATH|O_NOFOLLOW fd, which also keeps the identity from being reused
//     while the node is known. The node lives while its lookup count (one per
//     entry reply, minus forgets) is above zero.
//  3. st_ino we report: the backing st_ino for backing nodes (so `ls -i`,
//     `find` and hard-link detection see the real values); kVirtualInoBase +
//     id for virtual nodes, far above what file systems hand out.
#ifndef LOGDEX_FS_INODE_TABLE_H_
#define LOGDEX_FS_INODE_TABLE_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "fs/unique_fd.h"

namespace logdex::fs {

using NodeId = uint64_t;  // same width as fuse_ino_t; fs/ never mixes in pointers

inline constexpr NodeId kRootId = 1;
enum VirtualId : NodeId {
  kIndexId = 2,        // /index.ndjson
  kLogdexDirId = 3,    // /.logdex
  kStatusJsonId = 4,   // /.logdex/status.json
  kMetricsPromId = 5,  // /.logdex/metrics.prom
};
inline constexpr NodeId kFirstBackingId = 16;  // 6..15 reserved for virtual nodes
inline constexpr uint64_t kVirtualInoBase = 0x7fffffff00000000ull;

inline bool IsVirtual(NodeId id) { return id > kRootId && id < kFirstBackingId; }

// A backing object: immutable once made. Shared so that a request still using
// a node keeps its fd open even if a (misbehaving) forget races with it.
struct Inode {
  NodeId id = 0;
  UniqueFd fd;        // O_PATH | O_NOFOLLOW
  dev_t dev = 0;
  ino_t ino = 0;
  mode_t type = 0;    // S_IFMT bits at first lookup
};

class InodeTable {
 public:
  // root_fd: O_PATH fd of the log dir; root_st its stat.
  InodeTable(UniqueFd root_fd, const struct stat& root_st);
  InodeTable(const InodeTable&) = delete;
  InodeTable& operator=(const InodeTable&) = delete;

  // The node with this id, or nullptr if the id is unknown (never looked up,
  // already forgotten, or virtual).
  std::shared_ptr<const Inode> Get(NodeId id) const;

  // Records one lookup of the object that `fd` (O_PATH) opens and `st`
  // describes, and returns its node id. A known identity keeps its node (fd
  // is closed); a new one gets the next id and keeps fd.
  NodeId Remember(UniqueFd fd, const struct stat& st);

  // Drops nlookup lookups of `id`; the node goes when none are left.
  void Forget(NodeId id, uint64_t nlookup);

  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const Inode> inode;
    uint64_t nlookup = 0;
  };
  using Key = std::pair<dev_t, ino_t>;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<NodeId, Entry> by_id_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<Key, NodeId> by_key_ ABSL_GUARDED_BY(mu_);
  NodeId next_id_ ABSL_GUARDED_BY(mu_) = kFirstBackingId;
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_INODE_TABLE_H_
