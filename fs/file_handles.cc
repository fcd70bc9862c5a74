#include "fs/file_handles.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "fs/errno_status.h"

namespace logdex::fs {

absl::Status BackingFileHandle::Read(uint64_t offset, size_t size, std::string* out) const {
  size_t start = out->size();
  out->resize(start + size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd_.get(), out->data() + start + got, size - got,
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

absl::Status IndexFileHandle::Read(uint64_t offset, size_t size, std::string* out) const {
  snap_->index->Read(offset, size, out);
  return absl::OkStatus();
}

absl::Status RenderedFileHandle::Read(uint64_t offset, size_t size, std::string* out) const {
  if (offset < text_.size()) out->append(text_, offset, size);
  return absl::OkStatus();
}

std::string ProcFdPath(int fd) { return absl::StrCat("/proc/self/fd/", fd); }

absl::StatusOr<std::vector<DirEntry>> ListDirectory(int dir_fd) {
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return PosixError(errno, "open directory");
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
