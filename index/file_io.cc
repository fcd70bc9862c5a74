// Reading files without a signal cutting the read short (file_io.h).
#include "index/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace logdex::index {

ssize_t PreadFull(int fd, char* dst, size_t n, uint64_t offset) {
  for (;;) {
    const ssize_t r = pread(fd, dst, n, static_cast<off_t>(offset));
    if (r >= 0 || errno != EINTR) return r;
  }
}

size_t PreadAll(int fd, char* dst, size_t n, uint64_t offset, int* error) {
  if (error != nullptr) *error = 0;
  size_t got = 0;
  while (got < n) {
    const ssize_t r = pread(fd, dst + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && error != nullptr) *error = errno;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

bool ReadToEnd(int fd, std::string* out, uint64_t max_bytes) {
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > max_bytes) {
      errno = EFBIG;
      return false;
    }
  }
}

int OpenRegularAt(int dirfd, const char* rel) {
  const int path_fd = openat(dirfd, rel, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (path_fd < 0) return -1;
  struct stat st;
  if (fstat(path_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(path_fd);
    errno = ENOENT;  // not a regular file: nothing of that kind is there
    return -1;
  }
  char proc[64];
  std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", path_fd);
  int fd = open(proc, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  int err = errno;
  if (fd < 0 && err == ENOENT) {
    // No /proc: open by name and check that what opened is still regular
    // (a FIFO swapped in between would be opened; that window is all).
    fd = openat(dirfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    err = errno;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
      close(fd);
      fd = -1;
      err = ENOENT;
    }
  }
  close(path_fd);
  errno = err;
  return fd;
}

}  // namespace logdex::index
