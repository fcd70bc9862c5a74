// LogdexFs: open, read, write, opendir, readdir. See logdex_fs.h.
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "fs/errno_status.h"
#include "fs/logdex_fs.h"
#include "fs/virtual_nodes.h"

namespace logdex::fs {
namespace {

bool OpensForWriting(int flags) {
  return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
}

}  // namespace

absl::StatusOr<OpenResult> LogdexFs::DoOpen(NodeId id, int flags) {
  OpenResult r;
  if (IsVirtual(id)) {
    if (id == kLogdexDirId) return PosixError(EISDIR, "open");
    if (OpensForWriting(flags)) return PosixError(EACCES, "virtual files are read-only");
    if (id == kIndexId) {
      // direct_io: every read comes here and is answered from the index as
      // it is now. Through the page cache, reads are cut at the kernel's
      // cached size, and that can lag behind a size a stat already showed:
      // an invalidation notice makes the kernel drop the attributes of a
      // getattr reply in flight (seen as short reads under concurrent
      // appends). The price: no shared mmap of index.ndjson.
      absl::StatusOr<FreshIndex> fresh = index_.GetFresh();
      if (!fresh.ok()) return fresh.status();
      r.handle = std::make_unique<IndexFileHandle>(&index_);
      r.direct_io = true;
    } else {
      r.handle = std::make_unique<RenderedFileHandle>(RenderVirtual(static_cast<VirtualId>(id)));
      r.direct_io = true;  // size and bytes are what was rendered at this open
    }
    return r;
  }
  absl::StatusOr<std::shared_ptr<const Inode>> inode = Backing(id);
  if (!inode.ok()) return inode.status();
  if ((*inode)->type == S_IFDIR) return PosixError(EISDIR, "open");
  if (OpensForWriting(flags) && config_.read_only) return PosixError(EROFS, "read-only mount");
  UniqueFd fd(::open(ProcFdPath((*inode)->fd.get()).c_str(), BackingOpenFlags(flags)));
  if (!fd.valid()) return PosixError(errno, "open");
  // O_APPEND: the kernel writes at its cached idea of EOF, which is stale
  // when others append straight into the log dir; the backing fd appends at
  // the real end. Bypassing the page cache keeps the kernel from caching the
  // written bytes at the offset it guessed.
  r.direct_io = (flags & O_APPEND) != 0;
  r.handle = std::make_unique<BackingFileHandle>(std::move(fd));
  return r;
}

absl::StatusOr<std::string> LogdexFs::DoRead(const FileHandle& handle, uint64_t offset,
                                             size_t size) {
  std::string out;
  if (absl::Status s = handle.Read(offset, size, &out); !s.ok()) return s;
  return out;
}

absl::StatusOr<size_t> LogdexFs::DoWrite(FileHandle& handle, absl::string_view data,
                                         uint64_t offset) {
  return handle.Write(data, offset);
}

absl::StatusOr<std::unique_ptr<DirHandle>> LogdexFs::DoOpendir(NodeId id) {
  auto dir = std::make_unique<DirHandle>();
  if (id == kLogdexDirId) {
    std::shared_ptr<const Inode> root = inodes_->Get(kRootId);
    dir->entries = {DirEntry{".", VirtualIno(kLogdexDirId), S_IFDIR},
                    DirEntry{"..", root->ino, S_IFDIR}};
  } else if (IsVirtual(id)) {
    return PosixError(ENOTDIR, "opendir");
  }
  std::shared_ptr<const Inode> inode;
  if (!IsVirtual(id)) {
    absl::StatusOr<std::shared_ptr<const Inode>> found = Backing(id);
    if (!found.ok()) return found.status();
    inode = *std::move(found);
    if (inode->type != S_IFDIR) return PosixError(ENOTDIR, "opendir");
    // d_ino 0 would hide the entry from readdir(3); ".." of the root shows
    // what lies above the log dir, as a bind mount would.
    struct stat up;
    ino_t up_ino = ::fstatat(inode->fd.get(), "..", &up, AT_SYMLINK_NOFOLLOW) == 0
                       ? up.st_ino
                       : inode->ino;
    dir->entries = {DirEntry{".", inode->ino, S_IFDIR}, DirEntry{"..", up_ino, S_IFDIR}};
  }
  for (DirEntry& e : VirtualEntries(id)) dir->entries.push_back(std::move(e));
  if (inode != nullptr) {
    absl::StatusOr<std::vector<DirEntry>> listed = ListDirectory(inode->fd.get());
    if (!listed.ok()) return listed.status();
    for (DirEntry& e : *listed) {
      if (VirtualChild(id, e.name).has_value()) continue;  // hidden by a virtual node
      dir->entries.push_back(std::move(e));
    }
  }
  return dir;
}

std::string LogdexFs::DoReaddir(fuse_req_t req, const DirHandle& dir, size_t size, off_t off) {
  std::string buf(size, '\0');
  size_t used = 0;
  for (size_t i = off < 0 ? 0 : static_cast<size_t>(off); i < dir.entries.size(); ++i) {
    const DirEntry& e = dir.entries[i];
    struct stat st;
    std::memset(&st, 0, sizeof(st));
    st.st_ino = e.ino;
    st.st_mode = e.type;
    size_t need = fuse_add_direntry(req, buf.data() + used, size - used, e.name.c_str(), &st,
                                    static_cast<off_t>(i + 1));
    if (need > size - used) break;  // does not fit; the kernel asks again from here
    used += need;
  }
  buf.resize(used);
  return buf;
}

}  // namespace logdex::fs
