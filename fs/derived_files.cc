#include "fs/derived_files.h"

#include <time.h>

#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"
#include "fs/errno_status.h"
#include "fs/kernel_timeouts.h"

namespace logdex::fs {

// Reads one version; while it is current, each read first brings the source
// up to date (SPEC §4 freshness), which may make a newer version: this
// handle then reads its own version on to its end.
class DerivedFiles::Handle : public FileHandle {
 public:
  Handle(VersionPtr version, DerivedSource* source)
      : version_(std::move(version)), source_(source) {}

  absl::Status Read(uint64_t offset, size_t size, std::string* out) const override {
    if (!version_->superseded()) {
      absl::StatusOr<VersionPtr> now = source_->Current(/*may_open=*/true);
      if (!now.ok()) return now.status();
    }
    version_->Read(offset, size, out);
    return absl::OkStatus();
  }

 private:
  const VersionPtr version_;
  DerivedSource* const source_;
};

void DerivedFiles::Add(NodeId parent, std::string name, DerivedSource* source, uid_t uid,
                       gid_t gid) {
  auto file = std::make_unique<File>();
  file->parent = parent;
  file->name = std::move(name);
  file->source = source;
  file->uid = uid;
  file->gid = gid;
  ::clock_gettime(CLOCK_REALTIME, &file->made);
  absl::MutexLock lock(&mu_);
  file->current = next_id_++;
  nodes_[file->current] = Node{file.get(), nullptr, 0};
  files_.push_back(std::move(file));
}

DerivedFiles::File* DerivedFiles::FindFile(NodeId parent, std::string_view name) const {
  for (const auto& f : files_) {
    if (f->parent == parent && f->name == name) return f.get();
  }
  return nullptr;
}

DerivedFiles::File* DerivedFiles::FindFile(DerivedSource* source) const {
  for (const auto& f : files_) {
    if (f->source == source) return f.get();
  }
  return nullptr;
}

bool DerivedFiles::Has(NodeId parent, std::string_view name) const {
  absl::MutexLock lock(&mu_);
  return FindFile(parent, name) != nullptr;
}

NodeId DerivedFiles::Sync(File& file, const VersionPtr& version) {
  Node& cur = nodes_[file.current];
  if (version == nullptr || cur.version == version) return file.current;
  if (cur.version == nullptr) {  // first open of the source: bind the node
    cur.version = version;
    return file.current;
  }
  if (version->generation() <= cur.version->generation()) return file.current;  // late
  // A newer version: a new node. The old one stays while the kernel holds
  // it; the kernel is told to drop the name's entry so no path leads there.
  if (cur.nlookup == 0) nodes_.erase(file.current);
  notifier_->InvalidateEntry(file.parent, file.name);
  const NodeId id = next_id_++;
  nodes_[id] = Node{&file, version, 0};
  file.current = id;
  return id;
}

struct stat DerivedFiles::Attr(const File& file, NodeId id, const VersionPtr& version) const {
  struct stat st;
  std::memset(&st, 0, sizeof(st));
  st.st_ino = static_cast<ino_t>(id);
  st.st_mode = S_IFREG | 0444;
  st.st_nlink = 1;
  st.st_uid = file.uid;
  st.st_gid = file.gid;
  st.st_blksize = 4096;
  st.st_size = version != nullptr ? static_cast<off_t>(version->Size()) : 0;
  st.st_blocks = static_cast<blkcnt_t>((st.st_size + 511) / 512);
  if (version != nullptr) {
    const int64_t ns = version->ChangedNs();
    st.st_mtim.tv_sec = static_cast<time_t>(ns / 1000000000);
    st.st_mtim.tv_nsec = static_cast<long>(ns % 1000000000);
  } else {
    st.st_mtim = file.made;
  }
  st.st_atim = st.st_ctim = st.st_mtim;
  return st;
}

std::optional<absl::StatusOr<fuse_entry_param>> DerivedFiles::Lookup(NodeId parent,
                                                                     std::string_view name) {
  DerivedSource* source = nullptr;
  {
    absl::MutexLock lock(&mu_);
    File* file = FindFile(parent, name);
    if (file == nullptr) return std::nullopt;
    source = file->source;
  }
  absl::StatusOr<VersionPtr> version = source->Current(/*may_open=*/false);
  if (!version.ok()) return version.status();
  absl::MutexLock lock(&mu_);
  File& file = *FindFile(parent, name);
  const NodeId id = Sync(file, *version);
  Node& node = nodes_[id];
  ++node.nlookup;
  fuse_entry_param e;
  std::memset(&e, 0, sizeof(e));
  e.ino = id;
  // With attr_timeout 0 the kernel never answers stat from these attributes,
  // so an unbound node's size 0 is never what a stat shows.
  e.attr = Attr(file, id, node.version);
  e.entry_timeout = kDerivedEntryTimeout;
  e.attr_timeout = kAttrTimeout;
  return e;
}

absl::StatusOr<std::pair<VersionPtr, DerivedFiles::File*>> DerivedFiles::Refreshed(NodeId id) {
  DerivedSource* source = nullptr;
  {
    absl::MutexLock lock(&mu_);
    auto it = nodes_.find(id);
    if (it == nodes_.end()) return PosixError(ESTALE, absl::StrFormat("no derived node %d", id));
    File* file = it->second.file;
    if (file->current != id) return std::make_pair(it->second.version, file);  // older: final
    source = file->source;
  }
  absl::StatusOr<VersionPtr> version = source->Current(/*may_open=*/true);
  if (!version.ok()) return version.status();
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return PosixError(ESTALE, absl::StrFormat("no derived node %d", id));
  Sync(*it->second.file, *version);  // binds `id` if it was not yet
  return std::make_pair(it->second.version, it->second.file);
}

absl::StatusOr<struct stat> DerivedFiles::Getattr(NodeId id) {
  absl::StatusOr<std::pair<VersionPtr, File*>> r = Refreshed(id);
  if (!r.ok()) return r.status();
  return Attr(*r->second, id, r->first);
}

absl::StatusOr<std::unique_ptr<FileHandle>> DerivedFiles::Open(NodeId id) {
  absl::StatusOr<std::pair<VersionPtr, File*>> r = Refreshed(id);
  if (!r.ok()) return r.status();
  if (r->first == nullptr) return PosixError(EIO, "derived file has no version");
  return std::unique_ptr<FileHandle>(new Handle(r->first, r->second->source));
}

void DerivedFiles::Forget(NodeId id, uint64_t nlookup) {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return;
  Node& node = it->second;
  node.nlookup = node.nlookup > nlookup ? node.nlookup - nlookup : 0;
  if (node.nlookup == 0 && node.file->current != id) nodes_.erase(it);
}

std::vector<DirEntry> DerivedFiles::Entries(NodeId dir) const {
  absl::MutexLock lock(&mu_);
  std::vector<DirEntry> out;
  for (const auto& f : files_) {
    if (f->parent != dir) continue;
    out.push_back(DirEntry{f->name, static_cast<ino_t>(f->current), S_IFREG});
  }
  return out;
}

void DerivedFiles::Changed(DerivedSource* source, const VersionPtr& version, uint64_t old_size) {
  absl::MutexLock lock(&mu_);
  File* file = FindFile(source);
  if (file == nullptr || version == nullptr) return;
  const NodeId before = file->current;
  const NodeId now = Sync(*file, version);
  // Growth of the same version: its pages from the old end on are stale
  // (the last one was partial), and so is its size.
  if (now == before) notifier_->Invalidate(now, old_size);
}

uint64_t DerivedFiles::node_count() const {
  absl::MutexLock lock(&mu_);
  return nodes_.size();
}

}  // namespace logdex::fs
