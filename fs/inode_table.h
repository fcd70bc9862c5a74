// Which FUSE node id names which backing object, and how the daemon reaches
// that object without holding a descriptor for every node it has shown.
//
// ID spaces (four of them; never mix them up):
//  1. FUSE node ids (fuse_ino_t), what the kernel hands back to us:
//     - 1 (FUSE_ROOT_ID) is the log dir root, a backing node, pinned: the
//       kernel never forgets it, and its descriptor is always open.
//     - 2..kFirstBackingId-1: fixed virtual nodes (VirtualId below: /.logdex
//       and its status files). No backing object, no lookup count; forget on
//       them is a no-op.
//     - kFirstBackingId..kFirstDerivedId-1: backing objects, numbered from a
//       counter in the order first looked up.
//     - kFirstDerivedId and up: versions of derived files (index.ndjson;
//       derived_files.h), numbered from a counter of their own.
//     No id is reused within a mount, so a stale id from the kernel can only
//     miss, never hit the wrong object. Ids are values, not addresses.
//  2. Backing identity: (st_dev, st_ino) of the object in the log dir. One
//     node per identity, so hard links share a node.
//  3. Names: each backing node remembers the parent node and the name it was
//     last looked up (or created, or renamed through the mount) under. That
//     path of names, from the root, is how a node is found again.
//  4. st_ino we report: the backing st_ino for backing nodes (so `ls -i`,
//     `find` and hard-link detection see the real values); kVirtualInoBase +
//     id for fixed virtual nodes; the node id itself for derived versions
//     (both far above what file systems hand out).
//
// Descriptors. A node does not own a descriptor. The table keeps a bounded
// LRU cache of O_PATH descriptors (capacity set from RLIMIT_NOFILE at start);
// Open(id) returns the cached one, or the descriptor of a file the kernel
// has open on that node, or else walks the node's names down from its
// nearest ancestor that has one (openat per name, O_PATH | O_NOFOLLOW),
// checking at every step that the object found has the identity that node
// recorded. Nodes on the walk are cached. The root is always open.
//
// Trade-offs of this choice, against one descriptor per node (what libfuse's
// passthrough examples do) and against open_by_handle_at:
//  - Any tree size under any RLIMIT_NOFILE: descriptors held are the cache
//    plus the files the kernel has open, never one per node shown.
//  - A node whose path changed behind the mount (a rename straight in the
//    log dir) is still reached while its descriptor is cached, and is found
//    again by the next lookup of its new name (a lookup re-records the
//    name). Until then a walk of the old names finds nothing, or another
//    object, and gives ESTALE: never another file's bytes. The kernel's own
//    answer to ESTALE on a path-based call is to look the path up again, so
//    callers see ENOENT where the log dir would give it. What the log dir
//    would still serve but this cannot: an uncached node reached only by a
//    stale kernel reference (say the working directory of a process, after
//    its directory was renamed behind the mount): ESTALE.
//  - Without a descriptor pinning it, a deleted object's inode number can be
//    reused by a new file; a walk that finds the new file under the node's
//    name accepts it (same identity). That is exactly what a path lookup of
//    that name would give, so it serves the file that is really there.
//  - open_by_handle_at would survive renames behind the mount but needs
//    CAP_DAC_READ_SEARCH and file-handle support from the log dir's file
//    system; logdex also runs unprivileged, so it walks names instead.
//  - Parents stay known while children are: a node counts the known nodes
//    whose parent it is, and is dropped only when that count and its lookup
//    count are both zero, so a walk always has its whole chain of names.
#ifndef LOGDEX_FS_INODE_TABLE_H_
#define LOGDEX_FS_INODE_TABLE_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "fs/unique_fd.h"
#include "index/exhaustion.h"

namespace logdex::fs {

using NodeId = uint64_t;  // same width as fuse_ino_t; fs/ never mixes in pointers

inline constexpr NodeId kRootId = 1;
enum VirtualId : NodeId {
  kLogdexDirId = 3,    // /.logdex (2 was /index.ndjson's before it had versions)
  kStatusJsonId = 4,   // /.logdex/status.json
  kMetricsPromId = 5,  // /.logdex/metrics.prom
};
inline constexpr NodeId kFirstBackingId = 16;  // 6..15 reserved for virtual nodes
inline constexpr NodeId kFirstDerivedId = NodeId{1} << 62;
inline constexpr uint64_t kVirtualInoBase = 0x7fffffff00000000ull;

inline bool IsVirtual(NodeId id) { return id > kRootId && id < kFirstBackingId; }
inline bool IsDerived(NodeId id) { return id >= kFirstDerivedId; }
inline bool IsBacking(NodeId id) { return id == kRootId || (id >= kFirstBackingId && !IsDerived(id)); }

// A descriptor for a backing node (O_PATH, or a file the kernel has open),
// shared with the cache: it stays open while held, even if evicted.
class NodeFd {
 public:
  NodeFd() = default;
  NodeFd(std::shared_ptr<const UniqueFd> fd, NodeId id, ino_t ino, mode_t type)
      : fd_(std::move(fd)), id_(id), ino_(ino), type_(type) {}
  int get() const { return fd_->get(); }
  NodeId id() const { return id_; }
  ino_t ino() const { return ino_; }
  mode_t type() const { return type_; }  // S_IFMT bits at first lookup

 private:
  std::shared_ptr<const UniqueFd> fd_;
  NodeId id_ = 0;
  ino_t ino_ = 0;
  mode_t type_ = 0;
};

class InodeTable {
 public:
  // root_fd: O_PATH fd of the log dir; root_st its stat. At most
  // `fd_cache_capacity` descriptors are cached (the root's not counted).
  InodeTable(UniqueFd root_fd, const struct stat& root_st, size_t fd_cache_capacity);
  InodeTable(const InodeTable&) = delete;
  InodeTable& operator=(const InodeTable&) = delete;

  // A descriptor for node `id`. NotFound for an id that is not known (never
  // looked up, forgotten, or not a backing id); ESTALE when its names no
  // longer lead to it.
  absl::StatusOr<NodeFd> Open(NodeId id) ABSL_LOCKS_EXCLUDED(mu_);

  // Records one lookup of the object `fd` (O_PATH) opens, found as `name` in
  // directory `parent`, that `st` describes; returns its node id. A known
  // identity keeps its node (and takes the new name); fd goes to the cache.
  NodeId Remember(NodeId parent, std::string_view name, UniqueFd fd, const struct stat& st)
      ABSL_LOCKS_EXCLUDED(mu_);

  // A file the kernel opened on node `id`: until it is closed (the last
  // reference dropped), Open(id) may use it instead of walking names.
  void NoteOpenFile(NodeId id, const std::shared_ptr<const UniqueFd>& fd) ABSL_LOCKS_EXCLUDED(mu_);

  // The object with identity (dev, ino), if it has a node, is now `name` in
  // `parent` (a rename through the mount).
  void Moved(dev_t dev, ino_t ino, NodeId parent, std::string_view name) ABSL_LOCKS_EXCLUDED(mu_);

  // The path of node `id` relative to the log dir ("" for the root), from
  // the names the nodes were last seen under; nullopt for an unknown id. It
  // may be stale if something was renamed behind the mount (it names where
  // the node was last seen).
  std::optional<std::string> PathOf(NodeId id) const ABSL_LOCKS_EXCLUDED(mu_);

  // Drops nlookup lookups of `id`; the node goes when none are left and no
  // known node has it as parent.
  void Forget(NodeId id, uint64_t nlookup) ABSL_LOCKS_EXCLUDED(mu_);

  // Runs open_fn (an open/openat returning an fd, or -1 with errno). When it
  // fails for lack of descriptors, notes the event, closes every cached
  // descriptor no request is using, and runs it once more. errno is the
  // last call's.
  UniqueFd OpenRetrying(const std::function<int()>& open_fn) ABSL_LOCKS_EXCLUDED(mu_);

  struct Counts {
    uint64_t nodes = 0;         // backing nodes known (root included)
    uint64_t cached_fds = 0;    // descriptors in the cache (root not counted)
    uint64_t capacity = 0;
    uint64_t walks = 0;         // Open() calls that walked names
    uint64_t stale = 0;         // walks that ended in ESTALE
  };
  Counts counts() const ABSL_LOCKS_EXCLUDED(mu_);
  index::ExhaustionLog::Summary exhaustion() const { return exhaustion_.Get(); }

 private:
  struct Node {
    NodeId id = 0;
    dev_t dev = 0;
    ino_t ino = 0;
    mode_t type = 0;
    NodeId parent = 0;  // 0 for the root
    std::string name;
    uint64_t nlookup = 0;
    uint64_t children = 0;  // known nodes whose parent this is
    std::shared_ptr<const UniqueFd> fd;   // cached descriptor, or null
    std::list<NodeId>::iterator lru;      // valid while fd is cached (not the root)
    std::weak_ptr<const UniqueFd> open_file;
  };
  using Key = std::pair<dev_t, ino_t>;

  Node* Find(NodeId id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Caches `fd` for `node` (most recently used), evicting past capacity.
  void Cache(Node& node, std::shared_ptr<const UniqueFd> fd) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Touch(Node& node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Uncache(Node& node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetParent(Node& node, NodeId parent, std::string_view name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops `id` and then any ancestors left with no lookups and no children.
  void MaybeDrop(NodeId id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DropCachedFds() ABSL_LOCKS_EXCLUDED(mu_);

  const size_t capacity_;
  index::ExhaustionLog exhaustion_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<NodeId, std::unique_ptr<Node>> nodes_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<Key, NodeId> by_key_ ABSL_GUARDED_BY(mu_);
  std::list<NodeId> lru_ ABSL_GUARDED_BY(mu_);  // front: most recently used
  NodeId next_id_ ABSL_GUARDED_BY(mu_) = kFirstBackingId;
  uint64_t walks_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t stale_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_INODE_TABLE_H_
