#include "fs/derived_files.h"

#include <time.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"
#include "fs/errno_status.h"
#include "fs/kernel_timeouts.h"

namespace logdex::fs {

// Reads one version; while it is current, each read first brings the source
// up to date (SPEC §4 freshness), which may make a newer version: this
// handle then reads its own version on to its end. (Through the page cache a
// read past the size the kernel knows asks for attributes first, which
// refreshes too; bytes past what any reply showed only fill a page's tail.)
class DerivedFiles::Handle : public FileHandle {
 public:
  Handle(VersionPtr version, DerivedSource* source)
      : version_(std::move(version)), source_(source) {}

  absl::Status Read(uint64_t offset, size_t size, std::string* out) const override {
    if (!version_->superseded()) {
      absl::StatusOr<VersionPtr> now = source_->Current(/*may_open=*/true);
      if (!now.ok()) return now.status();
    }
    absl::Status s = version_->Read(offset, size, out);
    // Bytes of this version that are gone for good (a session view's frame
    // left its log file): the file this descriptor opened is stale; a new
    // open gets the current version.
    if (absl::IsDataLoss(s)) return PosixError(ESTALE, s.message());
    return s;
  }

 private:
  const VersionPtr version_;
  DerivedSource* const source_;
};

DerivedFiles::File* DerivedFiles::MakeFile(std::string dir, std::string name, DerivedSpec spec) {
  auto file = std::make_unique<File>();
  file->dir = std::move(dir);
  file->name = std::move(name);
  file->spec = spec;
  ::clock_gettime(CLOCK_REALTIME, &file->made);
  file->current = next_id_++;
  nodes_[file->current] = Node{file.get(), nullptr, 0};
  File* raw = file.get();
  by_source_[spec.source].push_back(raw);
  files_.insert(std::move(file));
  return raw;
}

void DerivedFiles::Add(std::string dir, std::string name, DerivedSpec spec) {
  absl::MutexLock lock(&mu_);
  names_.push_back(name);
  fixed_.push_back(MakeFile(std::move(dir), std::move(name), spec));
}

void DerivedFiles::SetResolver(Resolver resolve, Lister list, std::vector<std::string> names) {
  absl::MutexLock lock(&mu_);
  resolve_ = std::move(resolve);
  list_ = std::move(list);
  for (std::string& n : names) names_.push_back(std::move(n));
}

bool DerivedFiles::IsCandidate(std::string_view name) const {
  absl::MutexLock lock(&mu_);
  for (const std::string& n : names_) {
    if (n == name) return true;
  }
  return false;
}

std::optional<DerivedSpec> DerivedFiles::Find(std::string_view dir, std::string_view name) {
  Resolver resolve;
  {
    absl::MutexLock lock(&mu_);
    for (const File* f : fixed_) {
      if (f->dir == dir && f->name == name) return f->spec;
    }
    resolve = resolve_;
  }
  if (!resolve) return std::nullopt;
  return resolve(dir, name);
}

DerivedFiles::File* DerivedFiles::FileFor(std::string_view dir, std::string_view name) {
  // Called with a spec already resolved (Find): make the file if new.
  auto it = files_.find(PathKey{dir, name});
  return it == files_.end() ? nullptr : it->get();
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
  if (file.parent != 0) notifier_->InvalidateEntry(file.parent, file.name);
  const NodeId id = next_id_++;
  nodes_[id] = Node{&file, version, 0};
  file.current = id;
  return id;
}

struct stat DerivedFiles::Attr(const DerivedSpec& spec, const struct timespec& made, NodeId id,
                               const VersionPtr& version) const {
  struct stat st;
  std::memset(&st, 0, sizeof(st));
  const DerivedPerms perms = spec.source->Permissions();
  st.st_ino = static_cast<ino_t>(id);
  st.st_uid = perms.uid;
  st.st_gid = perms.gid;
  st.st_blksize = 4096;
  if (spec.kind == DerivedSpec::Kind::kDirectory) {
    st.st_mode = S_IFDIR | (perms.mode & 07777);
    st.st_nlink = 2;
    st.st_size = 4096;
    st.st_mtim = made;
  } else {
    st.st_mode = S_IFREG | (perms.mode & 07777);
    st.st_nlink = 1;
    st.st_size = version != nullptr ? static_cast<off_t>(version->Size()) : 0;
    if (version != nullptr) {
      const int64_t ns = version->ChangedNs();
      st.st_mtim.tv_sec = static_cast<time_t>(ns / 1000000000);
      st.st_mtim.tv_nsec = static_cast<long>(ns % 1000000000);
    } else {
      st.st_mtim = made;
    }
    if (perms.mtime) st.st_mtim = *perms.mtime;
  }
  st.st_blocks = static_cast<blkcnt_t>((st.st_size + 511) / 512);
  st.st_atim = st.st_ctim = st.st_mtim;
  return st;
}

std::optional<absl::StatusOr<fuse_entry_param>> DerivedFiles::Lookup(NodeId parent,
                                                                     std::string_view dir,
                                                                     std::string_view name) {
  const std::optional<DerivedSpec> spec = Find(dir, name);
  if (!spec) return std::nullopt;
  VersionPtr version;
  if (spec->kind == DerivedSpec::Kind::kFile) {
    absl::StatusOr<VersionPtr> now = spec->source->Current(/*may_open=*/false);
    if (!now.ok()) return now.status();
    version = *std::move(now);
  }
  absl::MutexLock lock(&mu_);
  File* file = FileFor(dir, name);
  if (file == nullptr) file = MakeFile(std::string(dir), std::string(name), *spec);
  if (file->spec.source != spec->source) by_source_[spec->source].push_back(file);
  file->spec = *spec;
  file->parent = parent;
  const NodeId id = file->spec.kind == DerivedSpec::Kind::kFile ? Sync(*file, version) : file->current;
  Node& node = nodes_[id];
  ++node.nlookup;
  fuse_entry_param e;
  std::memset(&e, 0, sizeof(e));
  e.ino = id;
  // With attr_timeout 0 the kernel never answers stat from these attributes,
  // so an unbound node's size 0 is never what a stat shows.
  e.attr = Attr(file->spec, file->made, id, node.version);
  const uint64_t size = static_cast<uint64_t>(e.attr.st_size);
  if (!node.kernel_has) {
    // This reply may make the kernel's inode, with i_size `size` and no
    // pages (an older inode of the node is gone: nlookup had reached 0).
    node.kernel_has = true;
    node.told = size;
    node.shown = std::max(node.shown, size);
  } else if (node.version != nullptr && size > node.told) {
    // The kernel's i_size is at most `told` (header comment): showing more
    // here would make it drop every page; the next getattr stores it.
    e.attr.st_size = static_cast<off_t>(node.told);
  }
  e.entry_timeout = kDerivedEntryTimeout;
  e.attr_timeout = kAttrTimeout;
  return e;
}

absl::StatusOr<DerivedFiles::Snapshot> DerivedFiles::Refreshed(NodeId id) {
  DerivedSource* source = nullptr;
  {
    absl::MutexLock lock(&mu_);
    auto it = nodes_.find(id);
    if (it == nodes_.end()) return PosixError(ESTALE, absl::StrFormat("no derived node %d", id));
    const File& file = *it->second.file;
    if (file.current != id || file.spec.kind == DerivedSpec::Kind::kDirectory) {
      return Snapshot{it->second.version, file.spec, file.made};  // older (final), or a directory
    }
    source = file.spec.source;
  }
  absl::StatusOr<VersionPtr> version = source->Current(/*may_open=*/true);
  if (!version.ok()) return version.status();
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return PosixError(ESTALE, absl::StrFormat("no derived node %d", id));
  // What `id` shows: its version, or the one Sync binds it to. Sync may add
  // a node for a newer version, which can move this one in nodes_ or erase
  // it: nothing of it is read after.
  const Node& node = it->second;
  File& file = *node.file;
  const VersionPtr shown = node.version != nullptr ? node.version : *version;
  Sync(file, *version);
  return Snapshot{shown, file.spec, file.made};
}

absl::StatusOr<struct stat> DerivedFiles::Getattr(NodeId id) {
  absl::StatusOr<Snapshot> r = Refreshed(id);
  if (!r.ok()) return r.status();
  return Attr(r->spec, r->made, id, r->version);
}

absl::StatusOr<struct stat> DerivedFiles::AttrsAfterChange(NodeId id) {
  absl::StatusOr<struct stat> st = Getattr(id);
  if (!st.ok()) return st;
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(id);
  if (it != nodes_.end() && it->second.kernel_has && it->second.version != nullptr &&
      static_cast<uint64_t>(st->st_size) > it->second.told) {
    st->st_size = static_cast<off_t>(it->second.told);
  }
  return st;
}

absl::StatusOr<std::unique_ptr<FileHandle>> DerivedFiles::Open(NodeId id, VersionPtr* opened) {
  absl::StatusOr<Snapshot> r = Refreshed(id);
  if (!r.ok()) return r.status();
  if (r->spec.kind == DerivedSpec::Kind::kDirectory) return PosixError(EISDIR, "open");
  if (r->version == nullptr) return PosixError(EIO, "derived file has no version");
  if (opened != nullptr) *opened = r->version;
  return std::unique_ptr<FileHandle>(new Handle(r->version, r->spec.source));
}

void DerivedFiles::Forget(NodeId id, uint64_t nlookup) {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return;
  Node& node = it->second;
  node.nlookup = node.nlookup > nlookup ? node.nlookup - nlookup : 0;
  if (node.nlookup == 0) node.kernel_has = false;  // the kernel dropped its inode
  if (node.nlookup == 0 && node.file->current != id) nodes_.erase(it);
}

void DerivedFiles::ReplyInOrder(NodeId id, uint64_t size, std::function<void()> reply) {
  {
    absl::MutexLock lock(&mu_);
    auto it = nodes_.find(id);
    if (it != nodes_.end() && it->second.version != nullptr && notifier_->running()) {
      // A getattr: the kernel has the inode (kernel_has may be false only
      // in a race with its forget; `told` is still a lower bound).
      Node& node = it->second;
      node.kernel_has = true;
      bool held = notifier_->ordered_busy();  // a store queued before may show less
      if (size > node.told) {
        // From `told` (the lowest i_size the kernel may hold): its partial
        // page is rewritten. Small growth is stored whole (it is what the
        // next read wants); large growth only up to the end of the last
        // page that may be partial, plus the last byte, which sets i_size.
        constexpr uint64_t kPage = 4096;
        constexpr uint64_t kStoreWhole = uint64_t{1} << 20;
        const uint64_t from = node.told;
        const uint64_t head_end =
            size - from <= kStoreWhole
                ? size
                : std::min(size, (std::max(node.shown, from) / kPage + 1) * kPage);
        std::string head;
        // A failed read stores nothing: the reply then shows the size alone.
        if (!node.version->Read(from, head_end - from, &head).ok()) head.clear();
        const uint64_t stored = head.size();
        if (!head.empty()) notifier_->Store(id, from, std::move(head));
        if (from + stored < size) {
          std::string last;
          if (!node.version->Read(size - 1, 1, &last).ok()) last.clear();
          if (!last.empty()) notifier_->Store(id, size - 1, std::move(last));
        }
        node.told = size;
        held = true;
      }
      node.shown = std::max(node.shown, size);
      if (held) {
        notifier_->Then(std::move(reply));
        return;
      }
    }
  }
  reply();
}

std::optional<DerivedFiles::NodeInfo> DerivedFiles::Info(NodeId id) const {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return std::nullopt;
  const File& f = *it->second.file;
  return NodeInfo{f.dir, f.name, f.spec, f.parent};
}

std::vector<DirEntry> DerivedFiles::Entries(std::string_view dir) {
  Listed listed;
  Lister list;
  {
    absl::MutexLock lock(&mu_);
    for (const File* f : fixed_) {
      if (f->dir == dir) listed.emplace_back(f->name, f->spec);
    }
    list = list_;
  }
  if (list) {
    for (auto& entry : list(dir)) listed.push_back(std::move(entry));
  }
  std::vector<DirEntry> out;
  out.reserve(listed.size());
  absl::MutexLock lock(&mu_);
  for (auto& [name, spec] : listed) {
    File* file = FileFor(dir, name);
    if (file == nullptr) file = MakeFile(std::string(dir), name, spec);
    const mode_t type = spec.kind == DerivedSpec::Kind::kDirectory ? S_IFDIR : S_IFREG;
    out.push_back(DirEntry{std::move(name), static_cast<ino_t>(file->current), type});
  }
  return out;
}

void DerivedFiles::Changed(DerivedSource* source, const VersionPtr& version,
                           uint64_t /*old_size*/) {
  absl::MutexLock lock(&mu_);
  if (version == nullptr) return;
  auto it = by_source_.find(source);
  if (it == by_source_.end()) return;
  for (File* file : it->second) {
    if (file->spec.source != source || file->spec.kind != DerivedSpec::Kind::kFile) continue;
    // A new version's name notice is queued by Sync; growth is told with
    // the next reply that shows it (ReplyInOrder).
    Sync(*file, version);
  }
}

uint64_t DerivedFiles::node_count() const {
  absl::MutexLock lock(&mu_);
  return nodes_.size();
}

}  // namespace logdex::fs
