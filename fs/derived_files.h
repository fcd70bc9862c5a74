// The derived files of the mount (/index.ndjson, every pi store's
// index/offsets.jsonl; session views later) and the nodes the kernel knows
// them by: the one mechanism behind SPEC §4's "whole rows, always" for all
// of them.
//
// A derived file is a path (a directory path relative to the log dir, and a
// name in it) backed by a DerivedSource, whose content is a sequence of
// versions (index/file_version.h: each append-only, a regeneration makes the
// next). Every version the kernel sees gets a node of its own, with its own
// node id and st_ino, the way `mv new name` gives `name` a new inode:
//  - a lookup of the name answers with the node of the current version
//    (brought up to date first), so every new open gets the newest version;
//    when that is a new version, the kernel is also told to drop its entry
//    for the name (notify_inval_entry) so no cached path leads to the old one;
//  - an open for reading makes a handle that holds its node's version: it
//    reads that version to its end, whole rows, then EOF, however many
//    regenerations follow; while the version is current, reads see it grow
//    (tail -f);
//  - a node of an older version keeps answering getattr with that version's
//    final size until the kernel forgets it; the version lives as long as a
//    node or a handle holds it.
// Nodes of versions have ids from kFirstDerivedId up (inode_table.h).
//
// Reads go through the kernel's page cache, kept across opens (keep_cache):
// a version's bytes never change once there, so a cached page stays right
// except past the version's end at the time it was read (zeros). Two rules
// keep reads exact (SPEC §4 freshness, whole rows):
//  - the kernel's i_size of a node must never be below a size a stat has
//    shown, since reads are cut there. A getattr reply can be dropped by the
//    kernel (its attr_version check: another reply or notice for the inode
//    was applied while it was in flight) while the stat still shows its
//    size, so a reply alone does not set i_size. ReplyInOrder() therefore
//    first has the notifier push the new bytes into the cache with
//    notify_store, which grows i_size itself and only ever up, and sends the
//    getattr reply after it; a reply that shows nothing new goes at once.
//    Attribute timeouts stay 0, so a read that reaches past i_size asks for
//    attributes first, and a stat never answers from the cache.
//  - the partial page at the old end must not keep its zeros: each store
//    starts at `told`, the lowest i_size the kernel may hold, so it rewrites
//    that page. A size change the kernel learns from a reply instead makes
//    it drop all of the node's pages (no FUSE_CAP_EXPLICIT_INVAL_DATA):
//    slower, never wrong.
// Entry replies (lookup) and setattr replies show no size to anyone (a stat
// always asks), so they go at once with st_size `told` for an inode the
// kernel has: the kernel's i_size is never above `told` (every size it got
// was stored first or was `told`), so applying it never shrinks i_size
// below a size a stat showed, and a read past i_size asks again anyway.
// Only getattr replies wait for the notifier: an entry reply held there
// could deadlock with an entry notice (the kernel takes the directory's lock
// for the notice while a lookup holding it waits for its reply).
// No page notice (notify_inval_inode) is ever sent for growth: it would drop
// a reply in flight without setting i_size.
//
// Some derived files exist only for reading (index.ndjson: changing it
// fails). Others pass changes through (a pi store's offsets.jsonl, SPEC §5:
// "writes to it still pass through"): opens for writing, truncation, renames
// and removal reach the backing file of the same path; that is the caller's
// (LogdexFs's) business, this table only says which kind a node is.
//
// A derived directory is a directory that exists only to hold derived files
// (a pi store's index/, when the store has none): one fixed node, mode 0700.
//
// Which paths are derived: fixed ones are added at start (Add); the others
// are asked of a resolver at each lookup and readdir, so they appear and go
// with what they derive from (a pi store).
//
// Sources open lazily: before the first open of a source, a lookup answers
// with a node not yet bound to a version (size 0); the getattr, open or read
// that opens the source binds it to the first version.
#ifndef LOGDEX_FS_DERIVED_FILES_H_
#define LOGDEX_FS_DERIVED_FILES_H_

#include <fuse_lowlevel.h>
#include <sys/stat.h>
#include <time.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "fs/file_handles.h"
#include "fs/inode_table.h"
#include "fs/kernel_notifier.h"
#include "index/file_version.h"

namespace logdex::fs {

using VersionPtr = std::shared_ptr<const index::FileVersion>;

// Mode bits (no S_IFMT), owner and group a derived node shows, and the
// st_mtime when the source wants one other than its version's.
struct DerivedPerms {
  mode_t mode = 0444;
  uid_t uid = 0;
  gid_t gid = 0;
  std::optional<struct timespec> mtime;
};

class DerivedSource {
 public:
  virtual ~DerivedSource() = default;
  // The current version after applying every change so far. When the source
  // is not open yet: opens it if may_open, else returns null. (Never called
  // for directories.)
  virtual absl::StatusOr<VersionPtr> Current(bool may_open) = 0;
  virtual DerivedPerms Permissions() = 0;
};

// What a derived path is.
struct DerivedSpec {
  enum class Kind { kFile, kDirectory };
  Kind kind = Kind::kFile;
  DerivedSource* source = nullptr;  // must outlive the mount
  bool pass_writes = false;         // files only: changes go to the backing file
};

class DerivedFiles {
 public:
  // The derived path `name` in directory `dir` (a path relative to the log
  // dir; "" is the root), if there is one, beyond the fixed ones.
  using Resolver =
      std::function<std::optional<DerivedSpec>(std::string_view dir, std::string_view name)>;
  // The names the resolver knows in directory `dir`, each with what the
  // resolver would answer for it, for readdir (one call, however many names:
  // a directory of 100,000 session views is listed without 100,000
  // resolver calls).
  using Listed = std::vector<std::pair<std::string, DerivedSpec>>;
  using Lister = std::function<Listed(std::string_view dir)>;

  // `notifier` outlives this object; kernel notices are queued there.
  explicit DerivedFiles(KernelNotifier* notifier) : notifier_(notifier) {}
  DerivedFiles(const DerivedFiles&) = delete;
  DerivedFiles& operator=(const DerivedFiles&) = delete;

  // A fixed derived path. Call before serving requests.
  void Add(std::string dir, std::string name, DerivedSpec spec) ABSL_LOCKS_EXCLUDED(mu_);
  // Call before serving requests. `names`: the only names the resolver ever
  // answers for (so lookups of other names need no path).
  void SetResolver(Resolver resolve, Lister list, std::vector<std::string> names)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Whether `name` may be derived somewhere (a fixed name or one the
  // resolver answers for): only then is a lookup's directory path needed.
  bool IsCandidate(std::string_view name) const ABSL_LOCKS_EXCLUDED(mu_);

  // What `name` in directory `dir` is, if derived (fixed ones first).
  std::optional<DerivedSpec> Find(std::string_view dir, std::string_view name)
      ABSL_LOCKS_EXCLUDED(mu_);

  // The entry for `name` in directory `dir` (whose node is `parent`), with
  // one lookup counted; nullopt when it is not derived. Never opens a source
  // (the kernel serializes lookups in a directory, so a build here would
  // hold up every first lookup in it); refreshes one that is open.
  std::optional<absl::StatusOr<fuse_entry_param>> Lookup(NodeId parent, std::string_view dir,
                                                         std::string_view name)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Attributes of node `id` (current: refreshed, and the source opened if
  // need be; older: its version's final attributes).
  absl::StatusOr<struct stat> Getattr(NodeId id) ABSL_LOCKS_EXCLUDED(mu_);

  // Getattr() for a setattr reply (a pi view changed through the mount):
  // the kernel applies its size without showing it, so st_size is the
  // lowest size the kernel may hold (as for entry replies, header comment).
  absl::StatusOr<struct stat> AttrsAfterChange(NodeId id) ABSL_LOCKS_EXCLUDED(mu_);

  // A read handle on node `id`'s version; *opened (if not null) is set to
  // that version.
  absl::StatusOr<std::unique_ptr<FileHandle>> Open(NodeId id, VersionPtr* opened = nullptr)
      ABSL_LOCKS_EXCLUDED(mu_);

  void Forget(NodeId id, uint64_t nlookup) ABSL_LOCKS_EXCLUDED(mu_);

  // Sends `reply`, a getattr reply showing node `id` with st_size `size`,
  // once the kernel's i_size for the node cannot be below `size` (the rules
  // above): at once when that holds already (or the node is not a bound
  // file, or the notifier is not running), else from the notifier thread
  // after the stores it needs. `reply` runs exactly once and must not call
  // back into this object.
  void ReplyInOrder(NodeId id, uint64_t size, std::function<void()> reply)
      ABSL_LOCKS_EXCLUDED(mu_);

  // What node `id` is: its path (directory, name) and spec; nullopt for an
  // unknown id.
  struct NodeInfo {
    std::string dir;
    std::string name;
    DerivedSpec spec;
    NodeId parent = 0;  // node of `dir` at the last lookup (0: none yet)
    std::string path() const { return dir.empty() ? name : dir + "/" + name; }
  };
  std::optional<NodeInfo> Info(NodeId id) const ABSL_LOCKS_EXCLUDED(mu_);

  // Entries for readdir of directory `dir`: each derived path in it with the
  // st_ino of its current node (a node is made for those not yet looked up).
  std::vector<DirEntry> Entries(std::string_view dir) ABSL_LOCKS_EXCLUDED(mu_);

  // `source` has `version` now (a change found outside any request, or a
  // regeneration): points its name at the version's node and queues what
  // the kernel must hear (an entry invalidation for a new version; growth
  // needs nothing until a reply shows it, see above). `old_size` is unused.
  void Changed(DerivedSource* source, const VersionPtr& version, uint64_t old_size)
      ABSL_LOCKS_EXCLUDED(mu_);

  uint64_t node_count() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct File {
    std::string dir;
    std::string name;
    DerivedSpec spec;
    NodeId parent = 0;  // node of `dir` at the last lookup (for entry notices)
    struct timespec made = {};  // st_mtime until the source is open
    NodeId current = 0;  // node of the newest version (unbound until the source opens)
  };
  struct Node {
    File* file = nullptr;
    VersionPtr version;  // null: not bound yet (the source was not open), or a directory
    uint64_t nlookup = 0;
    // What the kernel's inode may hold (ReplyInOrder): whether an entry
    // reply may have made it (until the kernel forgets the node), the lowest
    // i_size it may have once queued stores are in, and the largest size a
    // reply showed.
    bool kernel_has = false;
    uint64_t told = 0;
    uint64_t shown = 0;
  };
  class Handle;

  // The file for dir/name, made when the resolver knows it (null if not
  // derived).
  File* FileFor(std::string_view dir, std::string_view name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  File* MakeFile(std::string dir, std::string name, DerivedSpec spec)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes `version` (null: not open yet) the file's current node's version:
  // binds an unbound current node, or creates a node for a newer version;
  // returns the current node id.
  NodeId Sync(File& file, const VersionPtr& version) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What a node's file is, copied under mu_: all Getattr and Open use once
  // the lock is released (a lookup of the same name rewrites the file's spec
  // meanwhile).
  struct Snapshot {
    VersionPtr version;  // the node's (null if not bound)
    DerivedSpec spec;
    struct timespec made = {};
  };
  // Brings node `id`'s file up to date if `id` is its current node; returns
  // the node's version and its file's spec.
  absl::StatusOr<Snapshot> Refreshed(NodeId id) ABSL_LOCKS_EXCLUDED(mu_);
  struct stat Attr(const DerivedSpec& spec, const struct timespec& made, NodeId id,
                   const VersionPtr& version) const;

  // Orders files by (dir, name), and finds one by a PathKey: no key string
  // of its own per file (there are 100,000 with as many sessions).
  struct PathKey {
    std::string_view dir;
    std::string_view name;
  };
  struct FileOrder {
    using is_transparent = void;
    static PathKey Of(const std::unique_ptr<File>& f) { return PathKey{f->dir, f->name}; }
    static PathKey Of(const PathKey& k) { return k; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const PathKey x = Of(a), y = Of(b);
      return x.dir != y.dir ? x.dir < y.dir : x.name < y.name;
    }
  };

  KernelNotifier* const notifier_;
  mutable absl::Mutex mu_;
  // The fixed ones and every one resolved so far.
  std::set<std::unique_ptr<File>, FileOrder> files_ ABSL_GUARDED_BY(mu_);
  // The files of each source (Changed() looks only at these).
  absl::flat_hash_map<DerivedSource*, std::vector<File*>> by_source_ ABSL_GUARDED_BY(mu_);
  std::vector<File*> fixed_ ABSL_GUARDED_BY(mu_);  // in files_
  Resolver resolve_ ABSL_GUARDED_BY(mu_);
  Lister list_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> names_ ABSL_GUARDED_BY(mu_);  // fixed and resolver names
  absl::flat_hash_map<NodeId, Node> nodes_ ABSL_GUARDED_BY(mu_);
  NodeId next_id_ ABSL_GUARDED_BY(mu_) = kFirstDerivedId;
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_DERIVED_FILES_H_
