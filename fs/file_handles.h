// What an open file or directory of the mount holds between open and release.
//
// The kernel hands back fi->fh on every read and write; it holds a
// FileHandle* or a DirHandle* made by LogdexFs::DoOpen / DoCreate /
// DoOpendir and deleted in release.
#ifndef LOGDEX_FS_FILE_HANDLES_H_
#define LOGDEX_FS_FILE_HANDLES_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fs/unique_fd.h"

namespace logdex::fs {

class FileHandle {
 public:
  virtual ~FileHandle() = default;
  // Appends up to `size` bytes from `offset` to *out (fewer at end of file).
  virtual absl::Status Read(uint64_t offset, size_t size, std::string* out) const = 0;
  // Writes `data` at `offset`; returns the count written. Only backing files
  // are ever opened for writing (the kernel refuses writes to a handle opened
  // read-only), so the default is EBADF.
  virtual absl::StatusOr<size_t> Write(absl::string_view data, uint64_t offset);
  // close(2) of one of the file's descriptors (flush) and fsync(2).
  virtual absl::Status Flush() { return absl::OkStatus(); }
  virtual absl::Status Fsync(bool datasync) { return absl::OkStatus(); }
  // The backing fd, or -1 for virtual files (setattr on an open file).
  virtual int fd() const { return -1; }
  // A descriptor whose bytes at an offset are exactly what Read() returns
  // there, so a read reply can be spliced from it (fuse_reply_data); -1 if
  // the bytes are made here.
  virtual int splice_fd() const { return -1; }
};

// A backing file, opened with the caller's flags (O_APPEND, O_TRUNC, O_SYNC
// ... kept); bytes pass through unchanged. The descriptor is shared so the
// inode table can use it for the node while the file is open
// (InodeTable::NoteOpenFile).
class BackingFileHandle : public FileHandle {
 public:
  explicit BackingFileHandle(UniqueFd fd)
      : fd_(std::make_shared<const UniqueFd>(std::move(fd))) {}
  absl::Status Read(uint64_t offset, size_t size, std::string* out) const override;
  // One pwrite(2). On an O_APPEND fd Linux ignores `offset` and appends at
  // the real end of file atomically, which is what concurrent appenders
  // (through the mount or straight into the log dir) rely on; the kernel's
  // offset for an O_APPEND write is only its possibly stale idea of EOF.
  absl::StatusOr<size_t> Write(absl::string_view data, uint64_t offset) override;
  absl::Status Flush() override;
  absl::Status Fsync(bool datasync) override;
  int fd() const override { return fd_->get(); }
  int splice_fd() const override { return fd_->get(); }
  const std::shared_ptr<const UniqueFd>& shared_fd() const { return fd_; }

 private:
  const std::shared_ptr<const UniqueFd> fd_;
};

// status.json / metrics.prom: text rendered at open, served as is.
class RenderedFileHandle : public FileHandle {
 public:
  explicit RenderedFileHandle(std::string text) : text_(std::move(text)) {}
  absl::Status Read(uint64_t offset, size_t size, std::string* out) const override;

 private:
  const std::string text_;
};

struct DirEntry {
  std::string name;
  ino_t ino = 0;     // st_ino shown in readdir
  mode_t type = 0;   // S_IFMT bits, 0 if unknown
};

// A directory's entries, read whole at opendir; readdir offset i+1 means
// "after entry i", so large directories page correctly.
struct DirHandle {
  std::vector<DirEntry> entries;
};

// Reads the entries of the directory `dir_fd` (an O_PATH fd) other than "."
// and "..", in the order the file system gives them. `open_dir` opens the
// directory for reading (InodeTable::OpenRetrying).
using OpenFn = std::function<UniqueFd(const std::function<int()>&)>;
absl::StatusOr<std::vector<DirEntry>> ListDirectory(int dir_fd, const OpenFn& open_dir);

// "/proc/self/fd/N": how an O_PATH fd is reopened for I/O or access checks.
// (The magic link is followed with the daemon's ptrace rights over itself,
// which a root daemon keeps while it runs as a caller: CAP_SYS_PTRACE is not
// one of the file-system capabilities a setfsuid drops.)
std::string ProcFdPath(int fd);

// The flags a backing file is opened with for a FUSE open/create: the
// caller's (O_APPEND, O_TRUNC, O_SYNC ... kept) less what the kernel already
// dealt with (O_CREAT, O_EXCL, O_NOCTTY), O_NOFOLLOW (the /proc/self/fd magic
// link must be followed) and O_DIRECT (our buffers are not aligned; the
// kernel's FUSE side already bypassed its own page cache), plus O_CLOEXEC.
int BackingOpenFlags(int fuse_flags);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_FILE_HANDLES_H_
