// LogdexFs: changes to the tree (setattr, mknod, mkdir, symlink, link,
// unlink, rmdir, rename, create), passed through to the log dir. See
// logdex_fs.h.
//
// Each change is the *at() syscall on the parent's O_PATH fd (or the node's
// /proc/self/fd path), run as the daemon's user, so the result and errno are
// what the same call gives on the log dir itself. The daemon's umask is 0
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
#include "fs/logdex_fs.h"
#include "fs/virtual_nodes.h"

namespace logdex::fs {
namespace {

absl::Status Setattrs(const Inode& inode, const struct stat& attr, int to_set, int open_fd) {
  const std::string proc = ProcFdPath(inode.fd.get());
  if (to_set & FUSE_SET_ATTR_MODE) {
    int rc = open_fd >= 0 ? ::fchmod(open_fd, attr.st_mode) : ::chmod(proc.c_str(), attr.st_mode);
    if (rc != 0) return PosixError(errno, "chmod");
  }
  if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
    uid_t uid = (to_set & FUSE_SET_ATTR_UID) ? attr.st_uid : static_cast<uid_t>(-1);
    gid_t gid = (to_set & FUSE_SET_ATTR_GID) ? attr.st_gid : static_cast<gid_t>(-1);
    if (::fchownat(inode.fd.get(), "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
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
                          : ::utimensat(inode.fd.get(), "", tv, AT_EMPTY_PATH);
    if (rc != 0 && open_fd < 0 && errno == EINVAL && inode.type != S_IFLNK) {
      rc = ::utimensat(AT_FDCWD, proc.c_str(), tv, 0);  // kernels before AT_EMPTY_PATH here
    }
    if (rc != 0) return PosixError(errno, "utimensat");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Inode>> LogdexFs::WritableDir(NodeId parent,
                                                                   const char* name,
                                                                   int virtual_errno) const {
  if (IsVirtual(parent)) return PosixError(EPERM, "virtual directories cannot be changed");
  if (VirtualChild(parent, name).has_value()) {
    return PosixError(virtual_errno, "virtual nodes cannot be changed");
  }
  if (config_.read_only) return PosixError(EROFS, "read-only mount");
  return Backing(parent);
}

absl::StatusOr<struct stat> LogdexFs::DoSetattr(NodeId id, const struct stat& attr, int to_set,
                                                FileHandle* handle) {
  if (IsVirtual(id)) return PosixError(EACCES, "virtual nodes cannot be changed");
  if (config_.read_only) return PosixError(EROFS, "read-only mount");
  absl::StatusOr<std::shared_ptr<const Inode>> inode = Backing(id);
  if (!inode.ok()) return inode.status();
  const int open_fd = handle != nullptr ? handle->fd() : -1;
  if (absl::Status s = Setattrs(**inode, attr, to_set, open_fd); !s.ok()) return s;
  return StatBacking(**inode);
}

absl::StatusOr<fuse_entry_param> LogdexFs::DoMknod(NodeId parent, const char* name, mode_t mode,
                                                   dev_t rdev) {
  absl::StatusOr<std::shared_ptr<const Inode>> dir = WritableDir(parent, name, EEXIST);
  if (!dir.ok()) return dir.status();
  if (::mknodat((*dir)->fd.get(), name, mode, rdev) != 0) return PosixError(errno, "mknod");
  return LookupBacking(**dir, name);
}

absl::StatusOr<fuse_entry_param> LogdexFs::DoMkdir(NodeId parent, const char* name, mode_t mode) {
  absl::StatusOr<std::shared_ptr<const Inode>> dir = WritableDir(parent, name, EEXIST);
  if (!dir.ok()) return dir.status();
  if (::mkdirat((*dir)->fd.get(), name, mode) != 0) return PosixError(errno, "mkdir");
  return LookupBacking(**dir, name);
}

absl::StatusOr<fuse_entry_param> LogdexFs::DoSymlink(const char* target, NodeId parent,
                                                     const char* name) {
  absl::StatusOr<std::shared_ptr<const Inode>> dir = WritableDir(parent, name, EEXIST);
  if (!dir.ok()) return dir.status();
  if (::symlinkat(target, (*dir)->fd.get(), name) != 0) return PosixError(errno, "symlink");
  return LookupBacking(**dir, name);
}

absl::StatusOr<fuse_entry_param> LogdexFs::DoLink(NodeId id, NodeId newparent,
                                                  const char* newname) {
  if (IsVirtual(id)) return PosixError(EPERM, "virtual nodes cannot be linked");
  absl::StatusOr<std::shared_ptr<const Inode>> dir = WritableDir(newparent, newname, EEXIST);
  if (!dir.ok()) return dir.status();
  absl::StatusOr<std::shared_ptr<const Inode>> inode = Backing(id);
  if (!inode.ok()) return inode.status();
  // linkat(fd, "", AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the magic link
  // does not, and names the very object (symlinks too) without following it.
  if (::linkat(AT_FDCWD, ProcFdPath((*inode)->fd.get()).c_str(), (*dir)->fd.get(), newname,
               AT_SYMLINK_FOLLOW) != 0) {
    return PosixError(errno, "link");
  }
  return LookupBacking(**dir, newname);
}

absl::Status LogdexFs::DoUnlink(NodeId parent, const char* name) {
  absl::StatusOr<std::shared_ptr<const Inode>> dir = WritableDir(parent, name, EPERM);
  if (!dir.ok()) return dir.status();
  if (::unlinkat((*dir)->fd.get(), name, 0) != 0) return PosixError(errno, "unlink");
  return absl::OkStatus();
}

absl::Status LogdexFs::DoRmdir(NodeId parent, const char* name) {
  absl::StatusOr<std::shared_ptr<const Inode>> dir = WritableDir(parent, name, EPERM);
  if (!dir.ok()) return dir.status();
  if (::unlinkat((*dir)->fd.get(), name, AT_REMOVEDIR) != 0) return PosixError(errno, "rmdir");
  return absl::OkStatus();
}

absl::Status LogdexFs::DoRename(NodeId parent, const char* name, NodeId newparent,
                                const char* newname, unsigned int flags) {
  // Either end virtual: EPERM (checked on both before EROFS, as before).
  absl::StatusOr<std::shared_ptr<const Inode>> from = WritableDir(parent, name, EPERM);
  absl::StatusOr<std::shared_ptr<const Inode>> to = WritableDir(newparent, newname, EPERM);
  if (StatusToErrno(from.status()) == EPERM) return from.status();
  if (!to.ok()) return to.status();
  if (!from.ok()) return from.status();
  int rc = flags == 0 ? ::renameat((*from)->fd.get(), name, (*to)->fd.get(), newname)
                      : ::renameat2((*from)->fd.get(), name, (*to)->fd.get(), newname, flags);
  if (rc != 0) return PosixError(errno, "rename");
  return absl::OkStatus();
}

absl::StatusOr<CreateResult> LogdexFs::DoCreate(NodeId parent, const char* name, mode_t mode,
                                                int flags) {
  absl::StatusOr<std::shared_ptr<const Inode>> dir = WritableDir(parent, name, EEXIST);
  if (!dir.ok()) return dir.status();
  // O_EXCL and O_NOFOLLOW as the caller gave them.
  const int open_flags = BackingOpenFlags(flags) | O_CREAT | (flags & (O_EXCL | O_NOFOLLOW));
  UniqueFd fd(::openat((*dir)->fd.get(), name, open_flags, mode));
  if (!fd.valid()) return PosixError(errno, "create");
  // The node's O_PATH fd names the object just opened, not whatever the name
  // may point at by now.
  UniqueFd path_fd(::open(ProcFdPath(fd.get()).c_str(), O_PATH | O_CLOEXEC));
  if (!path_fd.valid()) return PosixError(errno, "create: reopen O_PATH");
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return PosixError(errno, "create: fstat");
  CreateResult r;
  std::memset(&r.entry, 0, sizeof(r.entry));
  r.entry.entry_timeout = kEntryTimeout;
  r.entry.attr_timeout = kAttrTimeout;
  r.entry.ino = inodes_->Remember(std::move(path_fd), st);
  r.entry.attr = st;
  r.open.direct_io = (flags & O_APPEND) != 0;  // see DoOpen
  r.open.handle = std::make_unique<BackingFileHandle>(std::move(fd));
  return r;
}

absl::Status LogdexFs::DoChangeXattr(NodeId id) {
  if (IsVirtual(id)) return PosixError(EPERM, "virtual nodes cannot be changed");
  if (config_.read_only) return PosixError(EROFS, "read-only mount");
  return PosixError(ENOTSUP, "extended attributes are not served");
}

}  // namespace logdex::fs
