// The filesystem object: one per mount, reached from every FUSE request via
// fuse_req_userdata (no process-wide state).
//
// Each DoX() serves one kind of request and returns a Status; ops.cc turns
// that into exactly one reply (errno made only by StatusToErrno). Changes to
// the tree pass through to the log dir with the backing syscall's own result
// (SPEC §5), or fail with EROFS under `-o ro`; changes to the virtual nodes
// fail with EPERM/EACCES, and names of virtual nodes cannot be created
// (EEXIST). Node methods are in logdex_fs.cc, open/read/write/readdir in
// logdex_fs_files.cc, tree changes in logdex_fs_changes.cc.
//
// Credentials: a backing node's descriptor is found as the daemon
// (inode_table.h), then the syscall that looks up, creates, changes or
// opens something runs as the request's caller (caller_credentials.h), so
// ownership and permissions are the log dir's own. Virtual and derived
// nodes never run as the caller: their content is the daemon's work.
#ifndef LOGDEX_FS_LOGDEX_FS_H_
#define LOGDEX_FS_LOGDEX_FS_H_

#include <fuse_lowlevel.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fs/background_tasks.h"
#include "fs/caller_credentials.h"
#include "fs/compressed_logs.h"
#include "fs/daemon_log.h"
#include "fs/derived_files.h"
#include "fs/descriptor_limit.h"
#include "fs/file_handles.h"
#include "fs/index_holder.h"
#include "fs/inode_table.h"
#include "fs/kernel_notifier.h"
#include "fs/kernel_timeouts.h"
#include "fs/mount_options.h"
#include "fs/page_cache_stamps.h"
#include "fs/pi_view_files.h"
#include "fs/problem_watch.h"
#include "fs/request_metrics.h"
#include "fs/session_view_files.h"
#include "fs/status_files.h"

namespace logdex::fs {

struct OpenResult {
  std::unique_ptr<FileHandle> handle;
  bool keep_cache = false;  // content cannot change while cached
  bool direct_io = false;   // I/O must go to this handle, never the page cache
};

struct CreateResult {
  fuse_entry_param entry;
  OpenResult open;
};

class LogdexFs {
 public:
  // Opens the daemon's log (daemon_log.h: -o log=FILE that cannot be opened
  // fails here, before anything is mounted) and the log dir
  // (config.log_dir must be its absolute real path).
  // `limit`: the descriptor limit in force (RaiseDescriptorLimit()).
  static absl::StatusOr<std::unique_ptr<LogdexFs>> Create(MountConfig config,
                                                          DescriptorLimit limit);
  LogdexFs(const LogdexFs&) = delete;
  LogdexFs& operator=(const LogdexFs&) = delete;

  const MountConfig& config() const { return config_; }
  IndexHolder& index() { return index_; }
  DaemonLog& log() { return *log_; }
  RequestMetrics& request_metrics() { return requests_; }
  // Whether requests run with their caller's credentials (a root daemon).
  bool can_switch_credentials() const { return can_switch_; }

  // Background work of a serving mount (kernel notifier, refresher, saver).
  // Start after daemonizing; stop after the session loop, before unmount.
  void StartBackground(fuse_session* se);
  void StopBackground();

  // Nodes (logdex_fs.cc).
  absl::StatusOr<fuse_entry_param> DoLookup(const RequestCaller& who, NodeId parent,
                                            const char* name);
  void DoForget(NodeId id, uint64_t nlookup);
  // `handle`: the open file the kernel names (fstat-like), else null.
  absl::StatusOr<struct stat> DoGetattr(NodeId id, const FileHandle* handle);
  // Sends `reply` (a getattr reply showing node `id` with st_size `size`):
  // for a derived file once the kernel's cached size cannot be below it
  // (DerivedFiles::ReplyInOrder, possibly later and from another thread),
  // else at once.
  void ReplyInOrder(NodeId id, uint64_t size, std::function<void()> reply);
  absl::StatusOr<std::string> DoReadlink(NodeId id);
  absl::StatusOr<struct statvfs> DoStatfs(NodeId id);
  absl::Status DoAccess(const RequestCaller& who, NodeId id, int mask);

  // Tree changes (logdex_fs_changes.cc).
  // setattr (chmod, chown, truncate, utimens) of `id`; `handle` is the open
  // file's handle when the kernel names one (ftruncate, futimens), else null.
  absl::StatusOr<struct stat> DoSetattr(const RequestCaller& who, NodeId id,
                                        const struct stat& attr, int to_set, FileHandle* handle);
  absl::StatusOr<fuse_entry_param> DoMknod(const RequestCaller& who, NodeId parent,
                                           const char* name, mode_t mode, dev_t rdev);
  absl::StatusOr<fuse_entry_param> DoMkdir(const RequestCaller& who, NodeId parent,
                                           const char* name, mode_t mode);
  absl::StatusOr<fuse_entry_param> DoSymlink(const RequestCaller& who, const char* target,
                                             NodeId parent, const char* name);
  absl::StatusOr<fuse_entry_param> DoLink(const RequestCaller& who, NodeId id, NodeId newparent,
                                          const char* newname);
  absl::Status DoUnlink(const RequestCaller& who, NodeId parent, const char* name);
  absl::Status DoRmdir(const RequestCaller& who, NodeId parent, const char* name);
  // rename(2)/renameat2(2) with its flags (RENAME_NOREPLACE, RENAME_EXCHANGE).
  absl::Status DoRename(const RequestCaller& who, NodeId parent, const char* name,
                        NodeId newparent, const char* newname, unsigned int flags);
  absl::StatusOr<CreateResult> DoCreate(const RequestCaller& who, NodeId parent,
                                        const char* name, mode_t mode, int flags);
  // Extended attribute changes of `id`: not served (ENOTSUP), EPERM on
  // virtual nodes, EROFS under -o ro.
  absl::Status DoChangeXattr(NodeId id);

  // Files and directories (logdex_fs_files.cc).
  absl::StatusOr<OpenResult> DoOpen(const RequestCaller& who, NodeId id, int flags);
  absl::StatusOr<std::string> DoRead(const FileHandle& handle, uint64_t offset, size_t size);
  absl::StatusOr<size_t> DoWrite(const RequestCaller& who, FileHandle& handle,
                                 absl::string_view data, uint64_t offset);
  absl::Status DoFlush(FileHandle& handle) { return handle.Flush(); }
  absl::Status DoFsync(FileHandle& handle, bool datasync) { return handle.Fsync(datasync); }
  absl::StatusOr<std::unique_ptr<DirHandle>> DoOpendir(const RequestCaller& who, NodeId id);
  // The readdir reply buffer: entries from offset `off` that fit in `size`.
  std::string DoReaddir(fuse_req_t req, const DirHandle& dir, size_t size, off_t off);

 private:
  LogdexFs(MountConfig config, DescriptorLimit limit, std::unique_ptr<DaemonLog> log,
           std::unique_ptr<InodeTable> inodes, const struct stat& root_st);

  // A descriptor for the backing node `id` (found as the daemon), or ENOENT
  // (also for virtual ids), or ESTALE.
  absl::StatusOr<NodeFd> Backing(NodeId id) const;
  absl::StatusOr<struct stat> StatBacking(const NodeFd& node) const;
  // Looks up `name` in the backing directory `dir` with the thread's
  // credentials (the caller's, under AsCaller) and records one lookup.
  absl::StatusOr<fuse_entry_param> LookupBacking(const NodeFd& dir, const char* name);
  // The path (relative to the log dir) of directory node `dir`, backing or
  // derived; nullopt if unknown.
  std::optional<std::string> DirPathOf(NodeId dir) const;
  // What `name` in directory `parent` is when derived (index.ndjson, a pi
  // view), looking the path up only for candidate names.
  std::optional<DerivedSpec> DerivedChild(NodeId parent, std::string_view name) const;
  // Whether `name` in `parent` is a virtual or derived node that cannot be
  // changed (hiding any backing entry of that name). Derived names that
  // pass writes through (a pi view) are not.
  bool IsReservedName(NodeId parent, std::string_view name) const;
  // The backing directory for a derived directory node (a pi store's index/
  // the store lacks): made now, as the caller, so a change in it can pass
  // through.
  absl::StatusOr<NodeFd> MaterializeDir(NodeId dir);
  // For a derived file that passes writes through: the backing file of the
  // same path opened with `flags` (created 0600 if missing and O_CREAT), as
  // the thread's credentials allow; its directory made if it is derived.
  absl::StatusOr<UniqueFd> OpenPassThrough(NodeId id, int flags);
  // The backing directory `parent`, after checking that entry `name` of it
  // may be changed: EPERM inside /.logdex, `virtual_errno` if `name` is a
  // virtual node, EROFS under -o ro.
  absl::StatusOr<NodeFd> WritableDir(NodeId parent, const char* name, int virtual_errno);
  // The entry of backing directory `dir` (open as dir_fd) that `name` names:
  // NAME.lz4 when NAME is shown for it (compressed_logs.h), else name.
  std::string BackingName(NodeId dir, int dir_fd, const char* name) const;
  // OK if the caller may read each of `files` (paths relative to the log
  // dir; missing ones are skipped), checked with the caller's credentials.
  absl::Status CheckCallerReads(const RequestCaller& who, const std::vector<std::string>& files);
  // Attributes of a fixed virtual node.
  absl::StatusOr<struct stat> StatVirtual(VirtualId id);
  // Not const: the session views are brought up to date for their counts.
  StatusInputs CurrentStatus();
  // Logs warnings that started or cleared and new pi store stops
  // (problem_watch.h); the background watcher's work.
  void WatchProblems();
  // Logs EIO from the backing file of `ino`, once per file.
  void ReportEio(RequestOp op, uint64_t ino);
  std::string RenderVirtual(VirtualId id);

  const MountConfig config_;
  const DescriptorLimit limit_;
  const std::unique_ptr<DaemonLog> log_;  // before everything that logs
  RequestMetrics requests_;
  ProblemWatch problems_;
  const std::unique_ptr<InodeTable> inodes_;
  KernelNotifier notifier_;  // before derived_ and index_: both queue here
  DerivedFiles derived_;     // before index_: its update listener calls derived_
  IndexHolder index_;
  const NodeFd root_;        // the log dir, pinned for the mount's life
  PiViewFiles pi_files_;     // after index_ and root_, which it uses
  SessionViewFiles session_files_;  // after index_
  CompressedLogs compressed_;  // NAME.lz4 shown as NAME (SPEC §7); after root_
  PageCacheStamps page_stamps_;  // keep_cache of backing files (page_cache_stamps.h)
  BackgroundTasks background_;
  const uid_t uid_;  // owner of the log dir root, shown for virtual nodes
  const gid_t gid_;
  const absl::Time mounted_at_;
  const bool can_switch_;
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_LOGDEX_FS_H_
