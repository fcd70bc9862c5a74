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
#ifndef LOGDEX_FS_LOGDEX_FS_H_
#define LOGDEX_FS_LOGDEX_FS_H_

#include <fuse_lowlevel.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fs/background_tasks.h"
#include "fs/file_handles.h"
#include "fs/index_holder.h"
#include "fs/inode_table.h"
#include "fs/kernel_notifier.h"
#include "fs/mount_options.h"
#include "fs/status_files.h"

namespace logdex::fs {

// Seconds the kernel may cache names and attributes. Zero: the log dir can
// change underneath (writers append straight into it), and stat/open must
// see that (SPEC §4 freshness).
inline constexpr double kEntryTimeout = 0.0;
inline constexpr double kAttrTimeout = 0.0;

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
  // Opens the log dir (config.log_dir must be its absolute real path).
  static absl::StatusOr<std::unique_ptr<LogdexFs>> Create(MountConfig config);
  LogdexFs(const LogdexFs&) = delete;
  LogdexFs& operator=(const LogdexFs&) = delete;

  const MountConfig& config() const { return config_; }
  IndexHolder& index() { return index_; }

  // Background work of a serving mount (kernel notifier, refresher, saver).
  // Start after daemonizing; stop after the session loop, before unmount.
  void StartBackground(fuse_session* se);
  void StopBackground();

  // Nodes (logdex_fs.cc).
  absl::StatusOr<fuse_entry_param> DoLookup(NodeId parent, const char* name);
  void DoForget(NodeId id, uint64_t nlookup);
  absl::StatusOr<struct stat> DoGetattr(NodeId id);
  absl::StatusOr<std::string> DoReadlink(NodeId id);
  absl::StatusOr<struct statvfs> DoStatfs(NodeId id);
  absl::Status DoAccess(NodeId id, int mask);

  // Tree changes (logdex_fs_changes.cc).
  // setattr (chmod, chown, truncate, utimens) of `id`; `handle` is the open
  // file's handle when the kernel names one (ftruncate, futimens), else null.
  absl::StatusOr<struct stat> DoSetattr(NodeId id, const struct stat& attr, int to_set,
                                        FileHandle* handle);
  absl::StatusOr<fuse_entry_param> DoMknod(NodeId parent, const char* name, mode_t mode,
                                           dev_t rdev);
  absl::StatusOr<fuse_entry_param> DoMkdir(NodeId parent, const char* name, mode_t mode);
  absl::StatusOr<fuse_entry_param> DoSymlink(const char* target, NodeId parent, const char* name);
  absl::StatusOr<fuse_entry_param> DoLink(NodeId id, NodeId newparent, const char* newname);
  absl::Status DoUnlink(NodeId parent, const char* name);
  absl::Status DoRmdir(NodeId parent, const char* name);
  // rename(2)/renameat2(2) with its flags (RENAME_NOREPLACE, RENAME_EXCHANGE).
  absl::Status DoRename(NodeId parent, const char* name, NodeId newparent, const char* newname,
                        unsigned int flags);
  absl::StatusOr<CreateResult> DoCreate(NodeId parent, const char* name, mode_t mode, int flags);
  // Extended attribute changes of `id`: not served (ENOTSUP), EPERM on
  // virtual nodes, EROFS under -o ro.
  absl::Status DoChangeXattr(NodeId id);

  // Files and directories (logdex_fs_files.cc).
  absl::StatusOr<OpenResult> DoOpen(NodeId id, int flags);
  absl::StatusOr<std::string> DoRead(const FileHandle& handle, uint64_t offset, size_t size);
  absl::StatusOr<size_t> DoWrite(FileHandle& handle, absl::string_view data, uint64_t offset);
  absl::Status DoFlush(FileHandle& handle) { return handle.Flush(); }
  absl::Status DoFsync(FileHandle& handle, bool datasync) { return handle.Fsync(datasync); }
  absl::StatusOr<std::unique_ptr<DirHandle>> DoOpendir(NodeId id);
  // The readdir reply buffer: entries from offset `off` that fit in `size`.
  std::string DoReaddir(fuse_req_t req, const DirHandle& dir, size_t size, off_t off);

 private:
  LogdexFs(MountConfig config, std::unique_ptr<InodeTable> inodes, const struct stat& root_st);

  // The backing node `id`, or ENOENT (also for virtual ids).
  absl::StatusOr<std::shared_ptr<const Inode>> Backing(NodeId id) const;
  absl::StatusOr<struct stat> StatBacking(const Inode& inode) const;
  // Looks up `name` in the backing directory `dir` and records one lookup.
  absl::StatusOr<fuse_entry_param> LookupBacking(const Inode& dir, const char* name);
  // The backing directory `parent`, after checking that entry `name` of it
  // may be changed: EPERM inside /.logdex, `virtual_errno` if `name` is a
  // virtual node, EROFS under -o ro.
  absl::StatusOr<std::shared_ptr<const Inode>> WritableDir(NodeId parent, const char* name,
                                                           int virtual_errno) const;
  // Attributes of a virtual node. For /index.ndjson: refreshed first; with
  // may_open false (lookup) an index not yet open is not opened, and shows
  // size 0 (see DoLookup).
  absl::StatusOr<struct stat> StatVirtual(VirtualId id, bool may_open = true);
  StatusInputs CurrentStatus() const;
  std::string RenderVirtual(VirtualId id) const;

  const MountConfig config_;
  const std::unique_ptr<InodeTable> inodes_;
  KernelNotifier notifier_;  // before index_: its update listener queues here
  IndexHolder index_;
  BackgroundTasks background_;
  const uid_t uid_;  // owner of the log dir root, shown for virtual nodes
  const gid_t gid_;
  const absl::Time mounted_at_;
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_LOGDEX_FS_H_
