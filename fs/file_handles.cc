#include "fs/file_handles.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "fs/errno_status.h"
#include "index/exhaustion.h"

namespace logdex::fs {

absl::Status BackingFileHandle::Read(uint64_t offset, size_t size, std::string* out) const {
  size_t start = out->size();
  out->resize(start + size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd_->get(), out->data() + start + got, size - got,
                        static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      out->resize(start);
      return PosixError(err, "pread");
    }
    if (n == 0) break;  // end of file
    got += static_cast<size_t>(n);
  }
  out->resize(start + got);
  return absl::OkStatus();
}

absl::StatusOr<size_t> FileHandle::Write(absl::string_view /*data*/, uint64_t /*offset*/) {
  return PosixError(EBADF, "write to a read-only file");
}

absl::StatusOr<size_t> BackingFileHandle::Write(absl::string_view data, uint64_t offset) {
  for (;;) {
    ssize_t n = ::pwrite(fd_->get(), data.data(), data.size(), static_cast<off_t>(offset));
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return PosixError(errno, "pwrite");
  }
}

absl::Status BackingFileHandle::Flush() {
  // What close(2) of the caller's descriptor would do to the backing file
  // (e.g. report delayed write errors, drop POSIX locks), without closing the
  // fd this handle still needs.
  int dup_fd = ::dup(fd_->get());
  // Out of descriptors: skip the check rather than fail the caller's close.
  if (dup_fd < 0) return index::IsExhaustion(errno) ? absl::OkStatus() : PosixError(errno, "dup");
  if (::close(dup_fd) != 0 && errno != EINTR) return PosixError(errno, "close");
  return absl::OkStatus();
}

absl::Status BackingFileHandle::Fsync(bool datasync) {
  int rc = datasync ? ::fdatasync(fd_->get()) : ::fsync(fd_->get());
  if (rc != 0) return PosixError(errno, datasync ? "fdatasync" : "fsync");
  return absl::OkStatus();
}

absl::Status RenderedFileHandle::Read(uint64_t offset, size_t size, std::string* out) const {
  if (offset < text_.size()) out->append(text_, offset, size);
  return absl::OkStatus();
}

std::string ProcFdPath(int fd) { return absl::StrCat("/proc/self/fd/", fd); }

int BackingOpenFlags(int fuse_flags) {
  return (fuse_flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW | O_DIRECT)) | O_CLOEXEC;
}

absl::StatusOr<std::vector<DirEntry>> ListDirectory(int dir_fd, const OpenFn& open_dir) {
  // Through the magic link, not openat(dir_fd, "."): looking up "." would
  // need search permission on the directory, which opening it to read does
  // not (a 0600 directory can be listed by its owner, not entered).
  const std::string path = ProcFdPath(dir_fd);
  UniqueFd opened =
      open_dir([&path] { return ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); });
  if (!opened.valid()) return PosixError(errno, "open directory");
  int fd = opened.Release();
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    int err = errno;
    ::close(fd);
    return PosixError(err, "fdopendir");
  }
  absl::Cleanup close_dir = [dir] { ::closedir(dir); };
  std::vector<DirEntry> entries;
  for (;;) {
    errno = 0;
    struct dirent* e = ::readdir(dir);
    if (e == nullptr) {
      if (errno != 0) return PosixError(errno, "readdir");
      break;
    }
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    mode_t type = e->d_type == DT_UNKNOWN ? 0 : DTTOIF(e->d_type);
    entries.push_back(DirEntry{e->d_name, e->d_ino, type});
  }
  return entries;
}

}  // namespace logdex::fs
