// The filesystem object: one per mount, reached from every FUSE request via
// fuse_req_userdata (no process-wide state).
//
// Each DoX() serves one kind of request and returns a Status; ops.cc turns
// that into exactly one reply (errno made only by StatusToErrno). This issue's
// mount is read-only: every change fails with EROFS, and changes to the
// virtual nodes with EPERM/EACCES (SPEC §5). Node methods are in
// logdex_fs.cc, open/read/readdir in logdex_fs_files.cc.
#ifndef LOGDEX_FS_LOGDEX_FS_H_
#define LOGDEX_FS_LOGDEX_FS_H_

#include <fuse_lowlevel.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fs/file_handles.h"
#include "fs/index_holder.h"
#include "fs/inode_table.h"
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
  bool direct_io = false;   // reads must come from this handle, never the page cache
};

class LogdexFs {
 public:
  // Opens the log dir (config.log_dir must be its absolute real path).
  static absl::StatusOr<std::unique_ptr<LogdexFs>> Create(MountConfig config);
  LogdexFs(const LogdexFs&) = delete;
  LogdexFs& operator=(const LogdexFs&) = delete;

  const MountConfig& config() const { return config_; }

  // Nodes (logdex_fs.cc).
  absl::StatusOr<fuse_entry_param> DoLookup(NodeId parent, const char* name);
  void DoForget(NodeId id, uint64_t nlookup);
  absl::StatusOr<struct stat> DoGetattr(NodeId id);
  absl::StatusOr<std::string> DoReadlink(NodeId id);
  absl::StatusOr<struct statvfs> DoStatfs(NodeId id);
  absl::Status DoAccess(NodeId id, int mask);
  // setattr (chmod, chown, truncate, utimens) of `id`.
  absl::Status DoSetattr(NodeId id);
  // Any change to entry `name` of `parent`: mknod, mkdir, unlink, rmdir,
  // symlink, link, create.
  absl::Status DoChangeEntry(NodeId parent, const char* name);
  // rename(2): refused with EPERM if either end is virtual, else EROFS.
  absl::Status DoRename(NodeId parent, const char* name, NodeId newparent, const char* newname);
  // Extended attribute changes of `id`.
  absl::Status DoChangeXattr(NodeId id);

  // Files and directories (logdex_fs_files.cc).
  absl::StatusOr<OpenResult> DoOpen(NodeId id, int flags);
  absl::StatusOr<std::string> DoRead(const FileHandle& handle, uint64_t offset, size_t size);
  absl::StatusOr<std::unique_ptr<DirHandle>> DoOpendir(NodeId id);
  // The readdir reply buffer: entries from offset `off` that fit in `size`.
  std::string DoReaddir(fuse_req_t req, const DirHandle& dir, size_t size, off_t off);

 private:
  LogdexFs(MountConfig config, std::unique_ptr<InodeTable> inodes, const struct stat& root_st);

  // The backing node `id`, or ENOENT (also for virtual ids).
  absl::StatusOr<std::shared_ptr<const Inode>> Backing(NodeId id) const;
  absl::StatusOr<struct stat> StatBacking(const Inode& inode) const;
  absl::StatusOr<struct stat> StatVirtual(VirtualId id);
  StatusInputs CurrentStatus() const;
  std::string RenderVirtual(VirtualId id) const;

  const MountConfig config_;
  const std::unique_ptr<InodeTable> inodes_;
  IndexHolder index_;
  const uid_t uid_;  // owner of the log dir root, shown for virtual nodes
  const gid_t gid_;
  const absl::Time mounted_at_;
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_LOGDEX_FS_H_
