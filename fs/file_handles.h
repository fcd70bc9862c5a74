// What an open file or directory of the mount holds between open and release.
//
// The kernel hands back fi->fh on every read; it holds a FileHandle* or a
// DirHandle* made by LogdexFs::DoOpen / DoOpendir and deleted in release.
#ifndef LOGDEX_FS_FILE_HANDLES_H_
#define LOGDEX_FS_FILE_HANDLES_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fs/index_holder.h"
#include "fs/unique_fd.h"

namespace logdex::fs {

class FileHandle {
 public:
  virtual ~FileHandle() = default;
  // Appends up to `size` bytes from `offset` to *out (fewer at end of file).
  virtual absl::Status Read(uint64_t offset, size_t size, std::string* out) const = 0;
};

// A backing file, opened O_RDONLY; bytes pass through unchanged.
class BackingFileHandle : public FileHandle {
 public:
  explicit BackingFileHandle(UniqueFd fd) : fd_(std::move(fd)) {}
  absl::Status Read(uint64_t offset, size_t size, std::string* out) const override;

 private:
  const UniqueFd fd_;
};

// /index.ndjson: reads the snapshot that was current at open, so one open
// file never changes under its reader.
class IndexFileHandle : public FileHandle {
 public:
  explicit IndexFileHandle(std::shared_ptr<const IndexSnapshot> snap) : snap_(std::move(snap)) {}
  absl::Status Read(uint64_t offset, size_t size, std::string* out) const override;

 private:
  const std::shared_ptr<const IndexSnapshot> snap_;
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
// and "..", in the order the file system gives them.
absl::StatusOr<std::vector<DirEntry>> ListDirectory(int dir_fd);

// "/proc/self/fd/N": how an O_PATH fd is reopened for I/O or access checks.
std::string ProcFdPath(int fd);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_FILE_HANDLES_H_
