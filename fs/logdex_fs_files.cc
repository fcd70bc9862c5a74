// LogdexFs: open, read, write, opendir, readdir. See logdex_fs.h.
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"
#include "fs/errno_status.h"
#include "fs/kernel_timeouts.h"
#include "fs/logdex_fs.h"
#include "fs/virtual_nodes.h"
#include "index/lz4_format.h"

namespace logdex::fs {
namespace {

bool OpensForWriting(int flags) {
  return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
}

}  // namespace

absl::StatusOr<OpenResult> LogdexFs::DoOpen(const RequestCaller& who, NodeId id, int flags) {
  OpenResult r;
  if (IsDerived(id)) {
    std::optional<DerivedFiles::NodeInfo> info = derived_.Info(id);
    if (!info) return PosixError(ESTALE, "open of a forgotten node");
    if (info->spec.kind == DerivedSpec::Kind::kDirectory) return PosixError(EISDIR, "open");
    if (OpensForWriting(flags)) {
      if (!info->spec.pass_writes) return PosixError(EACCES, "derived files are read-only");
      // A pi view: writes go to the backing file (SPEC §5), as the caller.
      if (config_.read_only) return PosixError(EROFS, "read-only mount");
      absl::StatusOr<UniqueFd> fd;
      {
        AsCaller as(who.Get());
        if (!as.status().ok()) return as.status();
        fd = OpenPassThrough(id, flags | O_CREAT);
      }
      if (!fd.ok()) return fd.status();
      r.handle = std::make_unique<BackingFileHandle>(*std::move(fd));
      r.direct_io = true;  // the node's reads are the view's; keep no pages
      return r;
    }
    // Through the page cache, kept across opens: a version's bytes never
    // change once served. Reads are cut at the kernel's cached size, which
    // must therefore never lag behind a size a reply showed; no invalidation
    // notice is sent for growth (it would make the kernel drop the
    // attributes of a getattr reply in flight, which was seen as short reads
    // under concurrent appends while this was direct_io): derived_files.h,
    // ReplyInOrder, says how the size is kept exact instead.
    VersionPtr version;
    absl::StatusOr<std::unique_ptr<FileHandle>> handle = derived_.Open(id, &version);
    if (!handle.ok()) return handle.status();
    // A session view serves log files' bytes: only to a caller who may
    // read them all (SPEC §5), as the caller's own open of them would.
    if (absl::Status s = CheckCallerReads(who, version->SourceFiles()); !s.ok()) return s;
    r.handle = *std::move(handle);
    r.keep_cache = true;
    return r;
  }
  if (IsVirtual(id)) {
    if (id == kLogdexDirId) return PosixError(EISDIR, "open");
    if (OpensForWriting(flags)) return PosixError(EACCES, "virtual files are read-only");
    r.handle = std::make_unique<RenderedFileHandle>(RenderVirtual(static_cast<VirtualId>(id)));
    r.direct_io = true;  // size and bytes are what was rendered at this open
    return r;
  }
  absl::StatusOr<NodeFd> node = Backing(id);
  if (!node.ok()) return node.status();
  if (node->type() == S_IFDIR) return PosixError(EISDIR, "open");
  if (compressed_.IsCompressed(id)) {
    // Decompressed bytes cannot be written (compressed_logs.h: EACCES; under
    // -o ro, EROFS as for every file).
    if (OpensForWriting(flags)) {
      return config_.read_only ? PosixError(EROFS, "read-only mount")
                               : PosixError(EACCES, "compressed logs are read-only");
    }
    UniqueFd fd;
    {
      AsCaller as(who.Get());  // the caller must be allowed to read the .lz4
      if (!as.status().ok()) return as.status();
      const std::string path = ProcFdPath(node->get());
      fd = inodes_->OpenRetrying(
          [&path] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK); });
      if (!fd.valid()) return PosixError(errno, "open");
    }
    r.handle = compressed_.OpenHandle(std::move(fd));
    return r;
  }
  if (OpensForWriting(flags) && config_.read_only) return PosixError(EROFS, "read-only mount");
  UniqueFd fd;
  {
    AsCaller as(who.Get());
    if (!as.status().ok()) return as.status();
    const std::string path = ProcFdPath(node->get());
    const int open_flags = BackingOpenFlags(flags);
    fd = inodes_->OpenRetrying([&path, open_flags] { return ::open(path.c_str(), open_flags); });
    if (!fd.valid()) return PosixError(errno, "open");
  }
  // O_APPEND: the kernel writes at its cached idea of EOF, which is stale
  // when others append straight into the log dir; the backing fd appends at
  // the real end. Bypassing the page cache keeps the kernel from caching the
  // written bytes at the offset it guessed.
  r.direct_io = (flags & O_APPEND) != 0;
  // Pages kept only for a read-only open of a file unchanged since the last
  // one (page_cache_stamps.h).
  struct stat st;
  struct timespec now;
  if (OpensForWriting(flags) || r.direct_io || ::fstat(fd.get(), &st) != 0 ||
      ::clock_gettime(CLOCK_REALTIME, &now) != 0) {
    page_stamps_.Drop(id);
  } else {
    r.keep_cache = page_stamps_.KeepAtOpen(id, st, now);
  }
  auto handle = std::make_unique<BackingFileHandle>(std::move(fd));
  inodes_->NoteOpenFile(id, handle->shared_fd());
  r.handle = std::move(handle);
  return r;
}

absl::Status LogdexFs::CheckCallerReads(const RequestCaller& who,
                                        const std::vector<std::string>& files) {
  if (files.empty()) return absl::OkStatus();
  AsCaller as(who.Get());
  if (!as.status().ok()) return as.status();
  for (const std::string& rel : files) {
    // NAME shown for NAME.lz4 (compressed_logs.h) is read from NAME.lz4.
    if (::faccessat(root_.get(), rel.c_str(), R_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW) == 0) continue;
    if (errno == ENOENT) {
      const std::string compressed = rel + std::string(index::lz4_format::kSuffix);
      if (::faccessat(root_.get(), compressed.c_str(), R_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW) == 0 ||
          errno == ENOENT) {
        continue;  // gone: its frames are cut from what this reads anyway
      }
    }
    return PosixError(errno, absl::StrFormat("a log file of this view (%s)", rel));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> LogdexFs::DoRead(const FileHandle& handle, uint64_t offset,
                                             size_t size) {
  std::string out;
  if (absl::Status s = handle.Read(offset, size, &out); !s.ok()) return s;
  return out;
}

absl::StatusOr<size_t> LogdexFs::DoWrite(const RequestCaller& who, FileHandle& handle,
                                         absl::string_view data, uint64_t offset) {
  // Writing a set-ID file clears its set-ID bits unless the writer has
  // CAP_FSETID. The kernel does that itself for writes through its page
  // cache, but not for direct_io (O_APPEND) writes, and the daemon's own
  // write would keep them: such a write runs as its caller. Checked per
  // write, since the owner may chmod the file while it is open.
  struct stat st;
  if (who.Get().switch_to && handle.fd() >= 0 && ::fstat(handle.fd(), &st) == 0 &&
      S_ISREG(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID)) != 0) {
    AsCaller as(who.Get());
    if (!as.status().ok()) return as.status();
    return handle.Write(data, offset);
  }
  return handle.Write(data, offset);
}

absl::StatusOr<std::unique_ptr<DirHandle>> LogdexFs::DoOpendir(const RequestCaller& who,
                                                              NodeId id) {
  auto dir = std::make_unique<DirHandle>();
  if (id == kLogdexDirId) {
    absl::StatusOr<NodeFd> root = Backing(kRootId);
    if (!root.ok()) return root.status();
    dir->entries = {DirEntry{".", VirtualIno(kLogdexDirId), S_IFDIR},
                    DirEntry{"..", root->ino(), S_IFDIR}};
    for (DirEntry& e : VirtualEntries(id)) dir->entries.push_back(std::move(e));
    for (DirEntry& e : derived_.Entries(kLogdexDirName)) dir->entries.push_back(std::move(e));
    return dir;
  }
  if (IsDerived(id)) {  // a derived directory (/.logdex/sessions, a pi store's missing index/)
    std::optional<std::string> path = DirPathOf(id);
    if (!path) return PosixError(ENOTDIR, "opendir");
    const std::string parent = path->find('/') == std::string::npos
                                   ? std::string()
                                   : path->substr(0, path->rfind('/'));
    struct stat up;
    const ino_t up_ino =
        parent == kLogdexDirName ? VirtualIno(kLogdexDirId)
        : ::fstatat(root_.get(), parent.empty() ? "." : parent.c_str(), &up,
                    AT_SYMLINK_NOFOLLOW) == 0
            ? up.st_ino
            : root_.ino();
    dir->entries = {DirEntry{".", static_cast<ino_t>(id), S_IFDIR}, DirEntry{"..", up_ino, S_IFDIR}};
    for (DirEntry& e : derived_.Entries(*path)) dir->entries.push_back(std::move(e));
    return dir;
  }
  if (!IsBacking(id)) return PosixError(ENOTDIR, "opendir");
  absl::StatusOr<NodeFd> node = Backing(id);
  if (!node.ok()) return node.status();
  if (node->type() != S_IFDIR) return PosixError(ENOTDIR, "opendir");
  // d_ino 0 would hide the entry from readdir(3); ".." of the root shows
  // what lies above the log dir, as a bind mount would.
  struct stat up;
  ino_t up_ino =
      ::fstatat(node->get(), "..", &up, AT_SYMLINK_NOFOLLOW) == 0 ? up.st_ino : node->ino();
  dir->entries = {DirEntry{".", node->ino(), S_IFDIR}, DirEntry{"..", up_ino, S_IFDIR}};
  for (DirEntry& e : VirtualEntries(id)) dir->entries.push_back(std::move(e));
  std::optional<std::string> path = DirPathOf(id);
  std::vector<DirEntry> derived = path ? derived_.Entries(*path) : std::vector<DirEntry>();
  for (const DirEntry& e : derived) dir->entries.push_back(e);
  absl::StatusOr<std::vector<DirEntry>> listed;
  {
    AsCaller as(who.Get());  // reading a directory needs the caller's read permission
    if (!as.status().ok()) return as.status();
    const int fd = node->get();
    listed = ListDirectory(fd, [this](const std::function<int()>& open_fn) {
      return inodes_->OpenRetrying(open_fn);
    });
  }
  if (!listed.ok()) return listed.status();
  for (DirEntry& e : *listed) {
    if (path) e.name = compressed_.ShownAs(node->get(), *path, e.name);  // NAME.lz4 as NAME
    if (VirtualChild(id, e.name).has_value()) continue;  // hidden by a virtual node
    const bool shown = std::any_of(derived.begin(), derived.end(),
                                   [&e](const DirEntry& d) { return d.name == e.name; });
    if (shown) continue;  // listed once, as the derived file that hides it
    dir->entries.push_back(std::move(e));
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
