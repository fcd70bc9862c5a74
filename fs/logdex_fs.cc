// LogdexFs: nodes (lookup, getattr, readlink, statfs, access) and the
// mount's background work. See logdex_fs.h.
#include "fs/logdex_fs.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"
#include "fs/errno_status.h"
#include "fs/virtual_nodes.h"

namespace logdex::fs {

absl::StatusOr<std::unique_ptr<LogdexFs>> LogdexFs::Create(MountConfig config) {
  UniqueFd root(::open(config.log_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) {
    return PosixError(errno, absl::StrFormat("open log dir '%s'", config.log_dir));
  }
  struct stat st;
  if (::fstat(root.get(), &st) != 0) {
    return PosixError(errno, absl::StrFormat("stat log dir '%s'", config.log_dir));
  }
  auto inodes = std::make_unique<InodeTable>(std::move(root), st);
  return std::unique_ptr<LogdexFs>(new LogdexFs(std::move(config), std::move(inodes), st));
}

LogdexFs::LogdexFs(MountConfig config, std::unique_ptr<InodeTable> inodes,
                   const struct stat& root_st)
    : config_(std::move(config)),
      inodes_(std::move(inodes)),
      index_(
          IndexHolder::Options{
              .log_dir = config_.log_dir,
              .scan = config_.scan,
              .cache_dir = config_.cache_dir,
              .verify = config_.verify,
              // The crash-injection seam (MountConfig::test_crash_before_rename).
              .before_rename = config_.test_crash_before_rename
                                   ? recovery::BeforeRenameHook([] { std::abort(); })
                                   : recovery::BeforeRenameHook(),
          },
          // Growth: pages from the old end on are stale (the last one was
          // partial); regeneration: every page is.
          [this](const index::IndexUpdate& u) {
            notifier_.Invalidate(kIndexId, u.regenerated ? 0 : std::min(u.old_size, u.new_size));
          }),
      background_(&index_, absl::Seconds(config_.save_interval_seconds)),
      uid_(root_st.st_uid),
      gid_(root_st.st_gid),
      mounted_at_(absl::Now()) {}

absl::StatusOr<std::shared_ptr<const Inode>> LogdexFs::Backing(NodeId id) const {
  std::shared_ptr<const Inode> inode = inodes_->Get(id);
  if (inode == nullptr) {
    return absl::NotFoundError(absl::StrFormat("no backing node %d", id));
  }
  return inode;
}

absl::StatusOr<struct stat> LogdexFs::StatBacking(const Inode& inode) const {
  struct stat st;
  if (::fstatat(inode.fd.get(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    return PosixError(errno, "fstatat");
  }
  return st;
}

void LogdexFs::StartBackground(fuse_session* se) {
  notifier_.Start(se);
  background_.Start();
}

void LogdexFs::StopBackground() {
  background_.Stop();  // first: the refresher queues to the notifier
  notifier_.Stop();
}

StatusInputs LogdexFs::CurrentStatus() const {
  StatusInputs in;
  in.config = &config_;
  in.index = index_.Report();
  in.mounted_at = mounted_at_;
  in.known_nodes = inodes_->size();
  in.notifications_sent = notifier_.sent();
  return in;
}

std::string LogdexFs::RenderVirtual(VirtualId id) const {
  return id == kMetricsPromId ? RenderMetricsProm(CurrentStatus())
                              : RenderStatusJson(CurrentStatus());
}

absl::StatusOr<struct stat> LogdexFs::StatVirtual(VirtualId id, bool may_open) {
  switch (id) {
    case kIndexId: {
      if (!may_open && !index_.is_open()) {
        return VirtualStat(id, 0, absl::ToTimespec(mounted_at_), uid_, gid_);
      }
      absl::StatusOr<FreshIndex> fresh = index_.GetFresh();
      if (!fresh.ok()) return fresh.status();
      return VirtualStat(id, fresh->size, fresh->mtime, uid_, gid_);
    }
    case kStatusJsonId:
    case kMetricsPromId: {
      struct timespec now;
      ::clock_gettime(CLOCK_REALTIME, &now);
      return VirtualStat(id, RenderVirtual(id).size(), now, uid_, gid_);
    }
    case kLogdexDirId:
      return VirtualStat(id, 0, absl::ToTimespec(mounted_at_), uid_, gid_);
  }
  return absl::NotFoundError("no such virtual node");
}

absl::StatusOr<fuse_entry_param> LogdexFs::DoLookup(NodeId parent, const char* name) {
  fuse_entry_param e;
  std::memset(&e, 0, sizeof(e));
  e.entry_timeout = kEntryTimeout;
  e.attr_timeout = kAttrTimeout;
  if (std::optional<VirtualId> v = VirtualChild(parent, name)) {
    // A lookup never waits for the first build: the kernel serializes
    // lookups in a directory (libfuse 3.14 never grants parallel dirops), so
    // a build here would hold up every first lookup at the root. With
    // attr_timeout 0 the kernel never answers stat from these attributes;
    // its GETATTR (or open, or read past the size it knows) opens the index.
    absl::StatusOr<struct stat> st = StatVirtual(*v, /*may_open=*/false);
    if (!st.ok()) return st.status();
    e.ino = *v;
    e.attr = *st;
    return e;
  }
  if (IsVirtual(parent)) {
    return parent == kLogdexDirId ? PosixError(ENOENT, name) : PosixError(ENOTDIR, name);
  }
  // Only reachable with export support, which is off; never walk out of the log dir.
  if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) {
    return PosixError(ENOENT, name);
  }
  absl::StatusOr<std::shared_ptr<const Inode>> dir = Backing(parent);
  if (!dir.ok()) return dir.status();
  return LookupBacking(**dir, name);
}

absl::StatusOr<fuse_entry_param> LogdexFs::LookupBacking(const Inode& dir, const char* name) {
  fuse_entry_param e;
  std::memset(&e, 0, sizeof(e));
  e.entry_timeout = kEntryTimeout;
  e.attr_timeout = kAttrTimeout;
  UniqueFd fd(::openat(dir.fd.get(), name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return PosixError(errno, "lookup");
  struct stat st;
  if (::fstatat(fd.get(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    return PosixError(errno, "lookup fstatat");
  }
  e.ino = inodes_->Remember(std::move(fd), st);
  e.attr = st;
  return e;
}

void LogdexFs::DoForget(NodeId id, uint64_t nlookup) { inodes_->Forget(id, nlookup); }

absl::StatusOr<struct stat> LogdexFs::DoGetattr(NodeId id) {
  if (IsVirtual(id)) return StatVirtual(static_cast<VirtualId>(id));
  absl::StatusOr<std::shared_ptr<const Inode>> inode = Backing(id);
  if (!inode.ok()) return inode.status();
  return StatBacking(**inode);
}

absl::StatusOr<std::string> LogdexFs::DoReadlink(NodeId id) {
  if (IsVirtual(id)) return PosixError(EINVAL, "readlink of a virtual node");
  absl::StatusOr<std::shared_ptr<const Inode>> inode = Backing(id);
  if (!inode.ok()) return inode.status();
  std::string target(PATH_MAX + 1, '\0');
  ssize_t n = ::readlinkat((*inode)->fd.get(), "", target.data(), target.size());
  if (n < 0) return PosixError(errno, "readlinkat");
  if (static_cast<size_t>(n) >= target.size()) return PosixError(ENAMETOOLONG, "readlinkat");
  target.resize(static_cast<size_t>(n));
  return target;
}

absl::StatusOr<struct statvfs> LogdexFs::DoStatfs(NodeId /*id*/) {
  std::shared_ptr<const Inode> root = inodes_->Get(kRootId);
  struct statvfs sv;
  if (::fstatvfs(root->fd.get(), &sv) != 0) return PosixError(errno, "fstatvfs");
  return sv;
}

absl::Status LogdexFs::DoAccess(NodeId id, int mask) {
  if (IsVirtual(id)) {
    if (mask & W_OK) return PosixError(EACCES, "virtual nodes are read-only");
    if ((mask & X_OK) && id != kLogdexDirId) return PosixError(EACCES, "not executable");
    return absl::OkStatus();
  }
  absl::StatusOr<std::shared_ptr<const Inode>> inode = Backing(id);
  if (!inode.ok()) return inode.status();
  if ((mask & W_OK) && config_.read_only) return PosixError(EROFS, "read-only mount");
  if (mask == F_OK) return absl::OkStatus();
  if (::faccessat(AT_FDCWD, ProcFdPath((*inode)->fd.get()).c_str(), mask, 0) != 0) {
    return PosixError(errno, "access");
  }
  return absl::OkStatus();
}

}  // namespace logdex::fs
