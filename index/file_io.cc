// Reading files without a signal cutting the read short (file_io.h).
#include "index/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

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
  struct stat seen;
  if (fstatat(dirfd, rel, &seen, AT_SYMLINK_NOFOLLOW) != 0) return -1;
  if (!S_ISREG(seen.st_mode)) {
    errno = ENOENT;  // not a regular file: nothing of that kind is there
    return -1;
  }
  const int fd = openat(dirfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return -1;
  struct stat opened;
  if (fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode) || opened.st_ino != seen.st_ino ||
      opened.st_dev != seen.st_dev) {
    // Replaced between the two looks: what is there now was not checked.
    close(fd);
    errno = ENOENT;
    return -1;
  }
  return fd;
}

}  // namespace logdex::index
