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
#include "fs/kernel_timeouts.h"
#include "fs/health.h"
#include "fs/log_dedupe.h"
#include "fs/ops.h"
#include "fs/virtual_nodes.h"
#include "index/lz4_format.h"

namespace logdex::fs {

absl::StatusOr<std::unique_ptr<LogdexFs>> LogdexFs::Create(MountConfig config,
                                                          DescriptorLimit limit) {
  absl::StatusOr<std::unique_ptr<DaemonLog>> log = DaemonLog::ForMount(config);
  if (!log.ok()) return log.status();
  UniqueFd root(::open(config.log_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) {
    return PosixError(errno, absl::StrFormat("open log dir '%s'", config.log_dir));
  }
  struct stat st;
  if (::fstat(root.get(), &st) != 0) {
    return PosixError(errno, absl::StrFormat("stat log dir '%s'", config.log_dir));
  }
  auto inodes = std::make_unique<InodeTable>(std::move(root), st, FdCacheCapacity(limit));
  return std::unique_ptr<LogdexFs>(
      new LogdexFs(std::move(config), limit, *std::move(log), std::move(inodes), st));
}

LogdexFs::LogdexFs(MountConfig config, DescriptorLimit limit, std::unique_ptr<DaemonLog> log,
                   std::unique_ptr<InodeTable> inodes, const struct stat& root_st)
    : config_(std::move(config)),
      limit_(limit),
      log_(std::move(log)),
      requests_(kLogdexOps),
      problems_(log_.get()),
      inodes_(std::move(inodes)),
      derived_(&notifier_),
      index_(
          IndexHolder::Options{
              .log_dir = config_.log_dir,
              .scan = config_.scan,
              .cache_dir = config_.cache_dir,
              .verify = config_.verify,
              // The crash-injection seam (MountConfig::test_crash_before_rename).
              .files = config_.test_crash_before_rename ? &recovery::AbortBeforeRenameFiles()
                                                        : &recovery::PosixFiles(),
              .perms = DerivedPerms{0444, root_st.st_uid, root_st.st_gid, std::nullopt},
              .log = log_.get(),
          },
          [this](const index::IndexUpdate& u, const VersionPtr& version) {
            derived_.Changed(&index_, version, std::min(u.old_size, u.new_size));
          }),
      root_(*inodes_->Open(kRootId)),  // the root's descriptor is pinned: never fails
      pi_files_(&index_, root_.get()),
      session_files_(&index_, DerivedPerms{0444, root_st.st_uid, root_st.st_gid, std::nullopt}),
      compressed_(root_.get()),
      background_(&index_, absl::Seconds(config_.save_interval_seconds),
                  [this] { WatchProblems(); }),
      uid_(root_st.st_uid),
      gid_(root_st.st_gid),
      mounted_at_(absl::Now()),
      can_switch_(DaemonCanSwitchCredentials()) {
  derived_.Add("", std::string(kIndexName), DerivedSpec{DerivedSpec::Kind::kFile, &index_, false});
  derived_.Add(std::string(kSessionsParent), std::string(kSessionsName), session_files_.DirSpec());
  derived_.SetResolver(
      [this](std::string_view dir, std::string_view name) {
        return dir == kSessionsDir ? session_files_.Resolve(name) : pi_files_.Resolve(dir, name);
      },
      [this](std::string_view dir) {
        return dir == kSessionsDir ? session_files_.List() : pi_files_.List(dir);
      },
      PiViewFiles::Names());
  if (config_.trace_requests) requests_.SetTracer(log_.get());
  requests_.SetEioReporter([this](RequestOp op, uint64_t ino) { ReportEio(op, ino); });
}

void LogdexFs::WatchProblems() {
  // What health needs; nothing costly (no descriptor count).
  StatusInputs in;
  in.config = &config_;
  in.index = index_.Report();
  in.nodes = inodes_->counts();
  in.fs_exhaustion = inodes_->exhaustion();
  in.descriptor_limit = limit_;
  std::vector<recovery::PiViews::StoreReport> stores;
  if (index_.is_open()) stores = index_.pi_views().Report();
  problems_.Update(ActiveWarnings(in, absl::Now()), stores, in.index.lz4_damaged);
}

void LogdexFs::ReportEio(RequestOp op, uint64_t ino) {
  std::optional<std::string> path;
  if (IsBacking(ino)) path = inodes_->PathOf(ino);
  const std::string what = path ? (path->empty() ? std::string(".") : *path)
                                : absl::StrFormat("inode %d", ino);
  const std::string_view name = RequestOpName(op);
  log_->LogOnce(DaemonLog::Level::kError, ProblemKey("eio", what, ""),
                absl::StrFormat("file %s: EIO from the backing file (%s)", what,
                                absl::string_view(name.data(), name.size())));
}

absl::StatusOr<NodeFd> LogdexFs::Backing(NodeId id) const { return inodes_->Open(id); }

absl::StatusOr<struct stat> LogdexFs::StatBacking(const NodeFd& node) const {
  struct stat st;
  if (::fstatat(node.get(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    return PosixError(errno, "fstatat");
  }
  return st;
}

std::optional<std::string> LogdexFs::DirPathOf(NodeId dir) const {
  if (IsBacking(dir)) return inodes_->PathOf(dir);
  if (dir == kLogdexDirId) return std::string(kLogdexDirName);  // holds sessions/
  if (IsDerived(dir)) {
    std::optional<DerivedFiles::NodeInfo> info = derived_.Info(dir);
    if (info && info->spec.kind == DerivedSpec::Kind::kDirectory) return info->path();
  }
  return std::nullopt;
}

std::optional<DerivedSpec> LogdexFs::DerivedChild(NodeId parent, std::string_view name) const {
  if (!derived_.IsCandidate(name)) return std::nullopt;
  std::optional<std::string> dir = DirPathOf(parent);
  if (!dir) return std::nullopt;
  return const_cast<DerivedFiles&>(derived_).Find(*dir, name);
}

bool LogdexFs::IsReservedName(NodeId parent, std::string_view name) const {
  if (VirtualChild(parent, name).has_value()) return true;
  std::optional<DerivedSpec> spec = DerivedChild(parent, name);
  return spec.has_value() && !spec->pass_writes;
}

void LogdexFs::StartBackground(fuse_session* se) {
  notifier_.Start(se);
  background_.Start();
}

void LogdexFs::StopBackground() {
  background_.Stop();  // first: the refresher queues to the notifier
  notifier_.Stop();
}

StatusInputs LogdexFs::CurrentStatus() {
  StatusInputs in;
  in.config = &config_;
  in.index = index_.Report();
  in.mounted_at = mounted_at_;
  in.nodes = inodes_->counts();
  in.derived_nodes = derived_.node_count();
  if (index_.is_open()) {
    in.pi_stores = index_.pi_views().Report();
    in.pi_pending = index_.pi_views().Pending();
    in.sessions = index_.SessionReport();
  }
  in.fs_exhaustion = inodes_->exhaustion();
  in.descriptor_limit = limit_;
  in.descriptors_open = OpenDescriptorCount();
  in.credentials = can_switch_ ? "caller" : "daemon";
  in.notifications_sent = notifier_.sent();
  in.requests = &requests_;
  in.log_lines = log_->lines();
  in.log_suppressed = log_->suppressed();
  return in;
}

std::string LogdexFs::RenderVirtual(VirtualId id) {
  return id == kMetricsPromId ? RenderMetricsProm(CurrentStatus())
                              : RenderStatusJson(CurrentStatus());
}

absl::StatusOr<struct stat> LogdexFs::StatVirtual(VirtualId id) {
  switch (id) {
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

absl::StatusOr<fuse_entry_param> LogdexFs::DoLookup(const RequestCaller& who, NodeId parent,
                                                    const char* name) {
  // In a derived directory every name is derived; elsewhere only the names
  // derived files may have are looked for.
  if (IsDerived(parent) || derived_.IsCandidate(name)) {
    if (std::optional<std::string> dir = DirPathOf(parent)) {
      if (auto derived = derived_.Lookup(parent, *dir, name)) return *std::move(derived);
    }
  }
  if (IsDerived(parent)) return PosixError(DirPathOf(parent) ? ENOENT : ENOTDIR, name);
  if (std::optional<VirtualId> v = VirtualChild(parent, name)) {
    absl::StatusOr<struct stat> st = StatVirtual(*v);
    if (!st.ok()) return st.status();
    fuse_entry_param e;
    std::memset(&e, 0, sizeof(e));
    e.entry_timeout = kEntryTimeout;
    e.attr_timeout = kAttrTimeout;
    e.ino = *v;
    e.attr = *st;
    return e;
  }
  if (!IsBacking(parent)) {
    return parent == kLogdexDirId ? PosixError(ENOENT, name) : PosixError(ENOTDIR, name);
  }
  // Only reachable with export support, which is off; never walk out of the log dir.
  if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) {
    return PosixError(ENOENT, name);
  }
  absl::StatusOr<NodeFd> dir = Backing(parent);
  if (!dir.ok()) return dir.status();
  AsCaller as(who.Get());
  if (!as.status().ok()) return as.status();
  return LookupBacking(*dir, name);
}

absl::StatusOr<fuse_entry_param> LogdexFs::LookupBacking(const NodeFd& dir, const char* name) {
  fuse_entry_param e;
  std::memset(&e, 0, sizeof(e));
  e.entry_timeout = kEntryTimeout;
  e.attr_timeout = kAttrTimeout;
  const int dir_fd = dir.get();
  // NAME for a backing NAME.lz4, or NAME.lz4 hidden by it (compressed_logs.h).
  std::string backing_name = name;
  bool compressed = false;
  if (std::optional<std::string> dir_path = inodes_->PathOf(dir.id())) {
    if (compressed_.IsHidden(dir_fd, *dir_path, name)) return PosixError(ENOENT, "lookup");
    if (compressed_.StandsFor(dir_fd, *dir_path, name)) {
      backing_name += index::lz4_format::kSuffix;
      compressed = true;
    }
  }
  const char* const open_name = backing_name.c_str();
  UniqueFd fd = inodes_->OpenRetrying(
      [dir_fd, open_name] { return ::openat(dir_fd, open_name, O_PATH | O_NOFOLLOW | O_CLOEXEC); });
  if (!fd.valid()) return PosixError(errno, "lookup");
  struct stat st;
  if (::fstatat(fd.get(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    return PosixError(errno, "lookup fstatat");
  }
  if (compressed) {
    absl::StatusOr<struct stat> shown = compressed_.Present(fd.get(), st);
    if (!shown.ok()) return shown.status();
    st = *shown;
  }
  e.ino = inodes_->Remember(dir.id(), backing_name, std::move(fd), st);
  compressed_.Mark(e.ino, compressed);
  e.attr = st;
  return e;
}

void LogdexFs::DoForget(NodeId id, uint64_t nlookup) {
  if (IsDerived(id)) {
    derived_.Forget(id, nlookup);
  } else {
    page_stamps_.Drop(id);
    inodes_->Forget(id, nlookup);
  }
}

void LogdexFs::ReplyInOrder(NodeId id, uint64_t size, std::function<void()> reply) {
  if (IsDerived(id)) return derived_.ReplyInOrder(id, size, std::move(reply));
  reply();
}

absl::StatusOr<struct stat> LogdexFs::DoGetattr(NodeId id, const FileHandle* handle) {
  if (IsDerived(id)) return derived_.Getattr(id);
  if (IsVirtual(id)) return StatVirtual(static_cast<VirtualId>(id));
  if (compressed_.IsCompressed(id)) {
    absl::StatusOr<NodeFd> node = Backing(id);
    if (!node.ok()) return node.status();
    absl::StatusOr<struct stat> st = StatBacking(*node);
    if (!st.ok()) return st.status();
    return compressed_.Present(node->get(), *st);
  }
  if (handle != nullptr && handle->fd() >= 0) {
    // An open file answers for itself, also once its name is gone.
    struct stat st;
    if (::fstat(handle->fd(), &st) != 0) return PosixError(errno, "fstat");
    return st;
  }
  absl::StatusOr<NodeFd> node = Backing(id);
  if (!node.ok()) return node.status();
  return StatBacking(*node);
}

absl::StatusOr<std::string> LogdexFs::DoReadlink(NodeId id) {
  if (!IsBacking(id)) return PosixError(EINVAL, "readlink of a virtual node");
  absl::StatusOr<NodeFd> node = Backing(id);
  if (!node.ok()) return node.status();
  std::string target(PATH_MAX + 1, '\0');
  ssize_t n = ::readlinkat(node->get(), "", target.data(), target.size());
  if (n < 0) return PosixError(errno, "readlinkat");
  if (static_cast<size_t>(n) >= target.size()) return PosixError(ENAMETOOLONG, "readlinkat");
  target.resize(static_cast<size_t>(n));
  return target;
}

absl::StatusOr<struct statvfs> LogdexFs::DoStatfs(NodeId /*id*/) {
  absl::StatusOr<NodeFd> root = Backing(kRootId);
  if (!root.ok()) return root.status();
  struct statvfs sv;
  if (::fstatvfs(root->get(), &sv) != 0) return PosixError(errno, "fstatvfs");
  return sv;
}

absl::Status LogdexFs::DoAccess(const RequestCaller& who, NodeId id, int mask) {
  if (IsDerived(id)) {
    // A pi view answers for the backing file it passes writes to.
    std::optional<DerivedFiles::NodeInfo> info = derived_.Info(id);
    if (info && info->spec.pass_writes) {
      if ((mask & W_OK) && config_.read_only) return PosixError(EROFS, "read-only mount");
      if (mask == F_OK) return absl::OkStatus();
      AsCaller as(who.Get());
      if (!as.status().ok()) return as.status();
      const std::string path = info->path();
      if (::faccessat(root_.get(), path.c_str(), mask, AT_EACCESS | AT_SYMLINK_NOFOLLOW) == 0) {
        return absl::OkStatus();
      }
      if (errno != ENOENT) return PosixError(errno, "access");
      // No backing file yet: reading is allowed; writing needs the directory.
      if (!(mask & W_OK)) return absl::OkStatus();
      if (::faccessat(root_.get(), info->dir.empty() ? "." : info->dir.c_str(), W_OK | X_OK,
                      AT_EACCESS) == 0 || errno == ENOENT) {
        return absl::OkStatus();
      }
      return PosixError(errno, "access");
    }
  }
  if (!IsBacking(id)) {
    if (mask & W_OK) return PosixError(EACCES, "virtual nodes are read-only");
    const bool dir = id == kLogdexDirId || (IsDerived(id) && DirPathOf(id).has_value());
    if ((mask & X_OK) && !dir) return PosixError(EACCES, "not executable");
    return absl::OkStatus();
  }
  absl::StatusOr<NodeFd> node = Backing(id);
  if (!node.ok()) return node.status();
  if ((mask & W_OK) && config_.read_only) return PosixError(EROFS, "read-only mount");
  if (mask == F_OK) return absl::OkStatus();
  AsCaller as(who.Get());
  if (!as.status().ok()) return as.status();
  // AT_EACCESS: checked with the thread's (the caller's) fsuid and groups,
  // not the process's real ids.
  if (::faccessat(AT_FDCWD, ProcFdPath(node->get()).c_str(), mask, AT_EACCESS) != 0) {
    return PosixError(errno, "access");
  }
  return absl::OkStatus();
}

}  // namespace logdex::fs
