// LogdexFs: changes to the tree (setattr, mknod, mkdir, symlink, link,
// unlink, rmdir, rename, create), passed through to the log dir. See
// logdex_fs.h.
//
// Each change is the *at() syscall on the parent's descriptor (or the node's
// /proc/self/fd path), run with the caller's credentials (a root daemon) or
// the daemon's own, so the result and errno are what the same call by the
// same user gives on the log dir itself. The daemon's umask is 0
// (mount_session.cc): the kernel has already applied the caller's umask to
// every mode it sends. The index notices the changes through its own watch
// of the log dir, like changes made there directly.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "fs/errno_status.h"
#include "fs/kernel_timeouts.h"
#include "fs/logdex_fs.h"
#include "fs/virtual_nodes.h"
#include "index/lz4_format.h"

namespace logdex::fs {
namespace {

absl::Status Setattrs(const NodeFd& node, const struct stat& attr, int to_set, int open_fd) {
  const std::string proc = ProcFdPath(node.get());
  if (to_set & FUSE_SET_ATTR_MODE) {
    int rc = open_fd >= 0 ? ::fchmod(open_fd, attr.st_mode) : ::chmod(proc.c_str(), attr.st_mode);
    if (rc != 0) return PosixError(errno, "chmod");
  }
  if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
    uid_t uid = (to_set & FUSE_SET_ATTR_UID) ? attr.st_uid : static_cast<uid_t>(-1);
    gid_t gid = (to_set & FUSE_SET_ATTR_GID) ? attr.st_gid : static_cast<gid_t>(-1);
    if (::fchownat(node.get(), "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
      return PosixError(errno, "chown");
    }
  }
  if (to_set & FUSE_SET_ATTR_SIZE) {
    int rc = open_fd >= 0 ? ::ftruncate(open_fd, attr.st_size) : ::truncate(proc.c_str(), attr.st_size);
    if (rc != 0) return PosixError(errno, "truncate");
  }
  if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
    struct timespec tv[2];
    tv[0].tv_sec = tv[1].tv_sec = 0;
    tv[0].tv_nsec = tv[1].tv_nsec = UTIME_OMIT;
    if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
      tv[0].tv_nsec = UTIME_NOW;
    } else if (to_set & FUSE_SET_ATTR_ATIME) {
      tv[0] = attr.st_atim;
    }
    if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
      tv[1].tv_nsec = UTIME_NOW;
    } else if (to_set & FUSE_SET_ATTR_MTIME) {
      tv[1] = attr.st_mtim;
    }
    int rc = open_fd >= 0 ? ::futimens(open_fd, tv)
                          : ::utimensat(node.get(), "", tv, AT_EMPTY_PATH);
    if (rc != 0 && open_fd < 0 && errno == EINVAL && node.type() != S_IFLNK) {
      rc = ::utimensat(AT_FDCWD, proc.c_str(), tv, 0);  // kernels before AT_EMPTY_PATH here
    }
    if (rc != 0) return PosixError(errno, "utimensat");
  }
  return absl::OkStatus();
}

// Whether changing a regular file's mode from `from` to `to` only clears its
// set-user-ID and/or set-group-ID bits.
bool OnlyClearsSetIdBits(mode_t from, mode_t to) {
  constexpr mode_t kSetId = S_ISUID | S_ISGID;
  return S_ISREG(from) && (from & 07777 & ~kSetId) == (to & 07777 & ~kSetId) &&
         (to & kSetId & ~from) == 0 && (to & kSetId) != (from & kSetId);
}

}  // namespace

absl::StatusOr<NodeFd> LogdexFs::WritableDir(NodeId parent, const char* name,
                                            int virtual_errno) {
  std::optional<DerivedFiles::NodeInfo> info;
  if (IsDerived(parent)) info = derived_.Info(parent);
  // A derived directory that passes changes through (a pi store's index/)
  // is made in the log dir for them; the others (/.logdex/sessions) are
  // as read-only as /.logdex.
  const bool derived_dir =
      info && info->spec.kind == DerivedSpec::Kind::kDirectory && info->spec.pass_writes;
  if (!IsBacking(parent) && !derived_dir) {
    return PosixError(EPERM, "virtual directories cannot be changed");
  }
  if (IsReservedName(parent, name)) return PosixError(virtual_errno, "virtual nodes cannot be changed");
  if (config_.read_only) return PosixError(EROFS, "read-only mount");
  if (derived_dir) return MaterializeDir(parent);
  return Backing(parent);
}

absl::StatusOr<NodeFd> LogdexFs::MaterializeDir(NodeId dir) {
  std::optional<DerivedFiles::NodeInfo> info = derived_.Info(dir);
  if (!info || info->spec.kind != DerivedSpec::Kind::kDirectory || info->parent == 0) {
    return PosixError(ESTALE, "derived directory");
  }
  absl::StatusOr<NodeFd> store = Backing(info->parent);
  if (!store.ok()) return store.status();
  // With the thread's credentials (the caller's, under AsCaller): what pi
  // itself would do, `mkdir -m 0700 index`.
  if (::mkdirat(store->get(), info->name.c_str(), 0700) != 0 && errno != EEXIST) {
    return PosixError(errno, "mkdir of a pi store's index directory");
  }
  // A backing node for it from now on (the kernel is told its entry for the
  // name is stale), so what is made inside has a real parent.
  UniqueFd fd(::openat(store->get(), info->name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return PosixError(errno, "open of a pi store's index directory");
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return PosixError(errno, "fstat");
  if (!S_ISDIR(st.st_mode)) return PosixError(ENOTDIR, "a pi store's index");
  const NodeId id = inodes_->Remember(info->parent, info->name, std::move(fd), st);
  notifier_.InvalidateEntry(info->parent, info->name);
  return inodes_->Open(id);
}

absl::StatusOr<UniqueFd> LogdexFs::OpenPassThrough(NodeId id, int flags) {
  std::optional<DerivedFiles::NodeInfo> info = derived_.Info(id);
  if (!info || !info->spec.pass_writes) return PosixError(EACCES, "not a pass-through file");
  const std::string path = info->path();
  if ((flags & O_CREAT) && !info->dir.empty()) {
    struct stat st;
    if (::fstatat(root_.get(), info->dir.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT &&
        ::mkdirat(root_.get(), info->dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return PosixError(errno, "mkdir of a pi store's index directory");
    }
  }
  const int open_flags = BackingOpenFlags(flags) | O_NOFOLLOW | (flags & O_CREAT);
  const int root = root_.get();
  UniqueFd fd = inodes_->OpenRetrying(
      [root, &path, open_flags] { return ::openat(root, path.c_str(), open_flags, 0600); });
  if (!fd.valid()) return PosixError(errno, "open of a pi index");
  return fd;
}

absl::StatusOr<struct stat> LogdexFs::DoSetattr(const RequestCaller& who, NodeId id,
                                                const struct stat& attr, int to_set,
                                                FileHandle* handle) {
  if (IsDerived(id)) {
    // A pi view: truncate, chmod, chown and utimens go to the backing file.
    std::optional<DerivedFiles::NodeInfo> info = derived_.Info(id);
    if (!info || !info->spec.pass_writes || info->spec.kind != DerivedSpec::Kind::kFile) {
      return PosixError(EACCES, "virtual nodes cannot be changed");
    }
    if (config_.read_only) return PosixError(EROFS, "read-only mount");
    {
      AsCaller as(who.Get());
      if (!as.status().ok()) return as.status();
      const std::string path = info->path();
      UniqueFd fd(::openat(root_.get(), path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!fd.valid()) return PosixError(errno, "setattr of a pi index");
      struct stat st;
      if (::fstat(fd.get(), &st) != 0) return PosixError(errno, "fstat");
      const NodeFd backing(std::make_shared<const UniqueFd>(std::move(fd)), id, st.st_ino,
                           st.st_mode & S_IFMT);
      const int open_fd = handle != nullptr ? handle->fd() : -1;
      if (absl::Status s = Setattrs(backing, attr, to_set, open_fd); !s.ok()) return s;
    }
    return derived_.AttrsAfterChange(id);  // page cache rules: derived_files.h
  }
  if (!IsBacking(id)) return PosixError(EACCES, "virtual nodes cannot be changed");
  if (config_.read_only) return PosixError(EROFS, "read-only mount");
  absl::StatusOr<NodeFd> node = Backing(id);
  if (!node.ok()) return node.status();
  const bool compressed = compressed_.IsCompressed(id);
  if (compressed && (to_set & FUSE_SET_ATTR_SIZE)) {
    return PosixError(EACCES, "compressed logs are read-only");  // compressed_logs.h
  }
  const int open_fd = handle != nullptr ? handle->fd() : -1;
  // When someone who may write a set-ID file writes or truncates it, the
  // kernel clears its set-ID bits itself, with a mode setattr sent under the
  // writer's credentials (this mount does not take FUSE_CAP_HANDLE_KILLPRIV).
  // The writer need not own the file, so a chmod as the writer would fail:
  // that one change runs with the daemon's rights, once the caller is shown
  // to have write access (what writing would have done anyway).
  if ((to_set & FUSE_SET_ATTR_MODE) && who.Get().switch_to) {
    absl::StatusOr<struct stat> now = StatBacking(*node);
    if (now.ok() && OnlyClearsSetIdBits(now->st_mode, attr.st_mode)) {
      bool may_write = false;
      {
        AsCaller as(who.Get());
        may_write = as.status().ok() &&
                    ::faccessat(AT_FDCWD, ProcFdPath(node->get()).c_str(), W_OK, AT_EACCESS) == 0;
      }
      if (may_write) {
        if (absl::Status s = Setattrs(*node, attr, FUSE_SET_ATTR_MODE, open_fd); !s.ok()) return s;
        to_set &= ~FUSE_SET_ATTR_MODE;
      }
    }
  }
  {
    AsCaller as(who.Get());
    if (!as.status().ok()) return as.status();
    if (absl::Status s = Setattrs(*node, attr, to_set, open_fd); !s.ok()) return s;
  }
  absl::StatusOr<struct stat> st = StatBacking(*node);
  if (compressed && st.ok()) return compressed_.Present(node->get(), *st);
  return st;
}

absl::StatusOr<fuse_entry_param> LogdexFs::DoMknod(const RequestCaller& who, NodeId parent,
                                                   const char* name, mode_t mode, dev_t rdev) {
  absl::StatusOr<NodeFd> dir = WritableDir(parent, name, EEXIST);
  if (!dir.ok()) return dir.status();
  AsCaller as(who.Get());
  if (!as.status().ok()) return as.status();
  if (::mknodat(dir->get(), name, mode, rdev) != 0) return PosixError(errno, "mknod");
  return LookupBacking(*dir, name);
}

absl::StatusOr<fuse_entry_param> LogdexFs::DoMkdir(const RequestCaller& who, NodeId parent,
                                                   const char* name, mode_t mode) {
  absl::StatusOr<NodeFd> dir = WritableDir(parent, name, EEXIST);
  if (!dir.ok()) return dir.status();
  AsCaller as(who.Get());
  if (!as.status().ok()) return as.status();
  if (::mkdirat(dir->get(), name, mode) != 0) return PosixError(errno, "mkdir");
  return LookupBacking(*dir, name);
}

absl::StatusOr<fuse_entry_param> LogdexFs::DoSymlink(const RequestCaller& who, const char* target,
                                                     NodeId parent, const char* name) {
  absl::StatusOr<NodeFd> dir = WritableDir(parent, name, EEXIST);
  if (!dir.ok()) return dir.status();
  AsCaller as(who.Get());
  if (!as.status().ok()) return as.status();
  if (::symlinkat(target, dir->get(), name) != 0) return PosixError(errno, "symlink");
  return LookupBacking(*dir, name);
}

absl::StatusOr<fuse_entry_param> LogdexFs::DoLink(const RequestCaller& who, NodeId id,
                                                  NodeId newparent, const char* newname) {
  if (!IsBacking(id)) return PosixError(EPERM, "virtual nodes cannot be linked");
  absl::StatusOr<NodeFd> dir = WritableDir(newparent, newname, EEXIST);
  if (!dir.ok()) return dir.status();
  absl::StatusOr<NodeFd> node = Backing(id);
  if (!node.ok()) return node.status();
  // ln NAME T of a NAME shown for NAME.lz4 links NAME.lz4 as T.lz4, as mv does.
  std::string link_name = newname;
  if (compressed_.IsCompressed(id)) {
    const std::optional<std::string> to_path = inodes_->PathOf(dir->id());
    if (!to_path || !compressed_.MayStandFor(*to_path, newname)) {
      return PosixError(EXDEV, "a compressed log links only to a log-file name");
    }
    link_name += index::lz4_format::kSuffix;
  }
  AsCaller as(who.Get());
  if (!as.status().ok()) return as.status();
  // linkat(fd, "", AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the magic link
  // does not, and names the very object (symlinks too) without following it.
  if (::linkat(AT_FDCWD, ProcFdPath(node->get()).c_str(), dir->get(), link_name.c_str(),
               AT_SYMLINK_FOLLOW) != 0) {
    return PosixError(errno, "link");
  }
  return LookupBacking(*dir, newname);
}

std::string LogdexFs::BackingName(NodeId dir, int dir_fd, const char* name) const {
  std::optional<std::string> path = inodes_->PathOf(dir);
  if (path && compressed_.StandsFor(dir_fd, *path, name)) {
    return std::string(name) + std::string(index::lz4_format::kSuffix);
  }
  return name;
}

absl::Status LogdexFs::DoUnlink(const RequestCaller& who, NodeId parent, const char* name) {
  absl::StatusOr<NodeFd> dir = WritableDir(parent, name, EPERM);
  if (!dir.ok()) return dir.status();
  // unlink(NAME) of a NAME shown for NAME.lz4 removes NAME.lz4 (compressed_logs.h).
  const std::string backing = BackingName(parent, dir->get(), name);
  AsCaller as(who.Get());
  if (!as.status().ok()) return as.status();
  if (::unlinkat(dir->get(), backing.c_str(), 0) != 0) return PosixError(errno, "unlink");
  return absl::OkStatus();
}

absl::Status LogdexFs::DoRmdir(const RequestCaller& who, NodeId parent, const char* name) {
  absl::StatusOr<NodeFd> dir = WritableDir(parent, name, EPERM);
  if (!dir.ok()) return dir.status();
  AsCaller as(who.Get());
  if (!as.status().ok()) return as.status();
  if (::unlinkat(dir->get(), name, AT_REMOVEDIR) != 0) return PosixError(errno, "rmdir");
  return absl::OkStatus();
}

absl::Status LogdexFs::DoRename(const RequestCaller& who, NodeId parent, const char* name,
                                NodeId newparent, const char* newname, unsigned int flags) {
  // Either end virtual: EPERM (checked on both before EROFS, as before).
  absl::StatusOr<NodeFd> from = WritableDir(parent, name, EPERM);
  absl::StatusOr<NodeFd> to = WritableDir(newparent, newname, EPERM);
  if (StatusToErrno(from.status()) == EPERM) return from.status();
  if (!to.ok()) return to.status();
  if (!from.ok()) return from.status();
  // rename(NAME, T) of a NAME shown for NAME.lz4 renames NAME.lz4 to T.lz4.
  const std::string from_name = BackingName(parent, from->get(), name);
  std::string to_name_buf = newname;
  if (from_name != name) {
    const std::optional<std::string> to_path = inodes_->PathOf(to->id());
    if (!to_path || !compressed_.MayStandFor(*to_path, newname) || (flags & RENAME_EXCHANGE)) {
      return PosixError(EXDEV, "a compressed log moves only to a log-file name");
    }
    to_name_buf += index::lz4_format::kSuffix;
  }
  name = from_name.c_str();
  newname = to_name_buf.c_str();
  {
    AsCaller as(who.Get());
    if (!as.status().ok()) return as.status();
    int rc = flags == 0 ? ::renameat(from->get(), name, to->get(), newname)
                        : ::renameat2(from->get(), name, to->get(), newname, flags);
    if (rc != 0) return PosixError(errno, "rename");
  }
  // The moved objects' nodes take their new names, so they are found again
  // by name when their descriptors are not cached (inode_table.h).
  struct stat st;
  if (::fstatat(to->get(), newname, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    inodes_->Moved(st.st_dev, st.st_ino, newparent, newname);
  }
  if ((flags & RENAME_EXCHANGE) && ::fstatat(from->get(), name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    inodes_->Moved(st.st_dev, st.st_ino, parent, name);
  }
  return absl::OkStatus();
}

absl::StatusOr<CreateResult> LogdexFs::DoCreate(const RequestCaller& who, NodeId parent,
                                                const char* name, mode_t mode, int flags) {
  absl::StatusOr<NodeFd> dir = WritableDir(parent, name, EEXIST);
  if (!dir.ok()) return dir.status();
  AsCaller as(who.Get());
  if (!as.status().ok()) return as.status();
  // O_EXCL and O_NOFOLLOW as the caller gave them.
  const int open_flags = BackingOpenFlags(flags) | O_CREAT | (flags & (O_EXCL | O_NOFOLLOW));
  const int dir_fd = dir->get();
  UniqueFd fd = inodes_->OpenRetrying(
      [dir_fd, name, open_flags, mode] { return ::openat(dir_fd, name, open_flags, mode); });
  if (!fd.valid()) return PosixError(errno, "create");
  // The node's O_PATH fd names the object just opened, not whatever the name
  // may point at by now.
  const std::string proc = ProcFdPath(fd.get());
  UniqueFd path_fd =
      inodes_->OpenRetrying([&proc] { return ::open(proc.c_str(), O_PATH | O_CLOEXEC); });
  if (!path_fd.valid()) return PosixError(errno, "create: reopen O_PATH");
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return PosixError(errno, "create: fstat");
  CreateResult r;
  std::memset(&r.entry, 0, sizeof(r.entry));
  r.entry.entry_timeout = kEntryTimeout;
  r.entry.attr_timeout = kAttrTimeout;
  r.entry.ino = inodes_->Remember(dir->id(), name, std::move(path_fd), st);
  r.entry.attr = st;
  r.open.direct_io = (flags & O_APPEND) != 0;  // see DoOpen
  auto handle = std::make_unique<BackingFileHandle>(std::move(fd));
  inodes_->NoteOpenFile(r.entry.ino, handle->shared_fd());
  r.open.handle = std::move(handle);
  return r;
}

absl::Status LogdexFs::DoChangeXattr(NodeId id) {
  if (!IsBacking(id)) return PosixError(EPERM, "virtual nodes cannot be changed");
  if (config_.read_only) return PosixError(EROFS, "read-only mount");
  return PosixError(ENOTSUP, "extended attributes are not served");
}

}  // namespace logdex::fs
