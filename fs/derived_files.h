// The derived files of the mount (/index.ndjson now; pi offsets views and
// session views later) and the nodes the kernel knows them by: the one
// mechanism behind SPEC §4's "whole rows, always" for all of them.
//
// A derived file is a name in a directory backed by a DerivedSource, whose
// content is a sequence of versions (index/file_version.h: each append-only,
// a regeneration makes the next). Every version the kernel sees gets a node
// of its own, with its own node id and st_ino, the way `mv new name` gives
// `name` a new inode:
//  - a lookup of the name answers with the node of the current version
//    (brought up to date first), so every new open gets the newest version;
//    when that is a new version, the kernel is also told to drop its entry
//    for the name (notify_inval_entry) so no cached path leads to the old one;
//  - an open makes a handle that holds its node's version: it reads that
//    version to its end, whole rows, then EOF, however many regenerations
//    follow; while the version is current, reads see it grow (tail -f);
//  - a node of an older version keeps answering getattr with that version's
//    final size until the kernel forgets it; the version lives as long as a
//    node or a handle holds it.
// Nodes of versions have ids from kFirstDerivedId up (inode_table.h).
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
#include <memory>
#include <optional>
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

class DerivedSource {
 public:
  virtual ~DerivedSource() = default;
  // The current version after applying every change so far. When the source
  // is not open yet: opens it if may_open, else returns null.
  virtual absl::StatusOr<VersionPtr> Current(bool may_open) = 0;
};

class DerivedFiles {
 public:
  // `notifier` outlives this object; kernel notices are queued there.
  explicit DerivedFiles(KernelNotifier* notifier) : notifier_(notifier) {}
  DerivedFiles(const DerivedFiles&) = delete;
  DerivedFiles& operator=(const DerivedFiles&) = delete;

  // Serves `source` as the file `name` (mode 0444) in directory `parent`,
  // owned by uid:gid. Call before serving requests; `source` outlives this.
  void Add(NodeId parent, std::string name, DerivedSource* source, uid_t uid, gid_t gid)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Whether `name` in `parent` is a derived file (it hides a backing entry).
  bool Has(NodeId parent, std::string_view name) const ABSL_LOCKS_EXCLUDED(mu_);

  // The entry for `name` in `parent`, with one lookup counted; nullopt when
  // it is not a derived file. Never opens a source (the kernel serializes
  // lookups in a directory, so a build here would hold up every first lookup
  // in it); refreshes one that is open.
  std::optional<absl::StatusOr<fuse_entry_param>> Lookup(NodeId parent, std::string_view name)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Attributes of node `id` (current: refreshed, and the source opened if
  // need be; older: its version's final attributes).
  absl::StatusOr<struct stat> Getattr(NodeId id) ABSL_LOCKS_EXCLUDED(mu_);

  // A read handle on node `id`'s version.
  absl::StatusOr<std::unique_ptr<FileHandle>> Open(NodeId id) ABSL_LOCKS_EXCLUDED(mu_);

  void Forget(NodeId id, uint64_t nlookup) ABSL_LOCKS_EXCLUDED(mu_);

  // Entries for readdir of `dir`: each derived file in it with the st_ino of
  // its current node.
  std::vector<DirEntry> Entries(NodeId dir) const ABSL_LOCKS_EXCLUDED(mu_);

  // `source` has `version` now (a change found outside any request, or a
  // regeneration): points its name at the version's node and queues what
  // the kernel must hear (an entry invalidation for a new version, a page
  // invalidation from `old_size` for growth).
  void Changed(DerivedSource* source, const VersionPtr& version, uint64_t old_size)
      ABSL_LOCKS_EXCLUDED(mu_);

  uint64_t node_count() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct File {
    NodeId parent = 0;
    std::string name;
    DerivedSource* source = nullptr;
    uid_t uid = 0;
    gid_t gid = 0;
    struct timespec made = {};  // st_mtime until the source is open
    NodeId current = 0;  // node of the newest version (unbound until the source opens)
  };
  struct Node {
    File* file = nullptr;
    VersionPtr version;  // null: not bound yet (the source was not open)
    uint64_t nlookup = 0;
  };
  class Handle;

  File* FindFile(NodeId parent, std::string_view name) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  File* FindFile(DerivedSource* source) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes `version` (null: not open yet) the file's current node's version:
  // binds an unbound current node, or creates a node for a newer version;
  // returns the current node id.
  NodeId Sync(File& file, const VersionPtr& version) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Brings node `id`'s file up to date if `id` is its current node; returns
  // the node's version (null if not bound) and its file.
  absl::StatusOr<std::pair<VersionPtr, File*>> Refreshed(NodeId id) ABSL_LOCKS_EXCLUDED(mu_);
  struct stat Attr(const File& file, NodeId id, const VersionPtr& version) const;

  KernelNotifier* const notifier_;
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<File>> files_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<NodeId, Node> nodes_ ABSL_GUARDED_BY(mu_);
  NodeId next_id_ ABSL_GUARDED_BY(mu_) = kFirstDerivedId;
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_DERIVED_FILES_H_
