// Reading files without a signal cutting the read short (file_io.h).
#include "index/file_io.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
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

namespace {

// openat(2) read-only, non-blocking, that follows no symlink anywhere in
// `rel` (openat2's RESOLVE_NO_SYMLINKS): a directory on the way replaced by
// a link to elsewhere fails with ENOENT instead of reading outside the tree.
// Without openat2 (kernels before 5.6, some seccomp filters) only the last
// component is checked.
int OpenNoSymlinks(int dirfd, const char* rel) {
  struct open_how how = {};
  how.flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
  how.resolve = RESOLVE_NO_SYMLINKS;
  const long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
  if (fd >= 0) return static_cast<int>(fd);
  if (errno == ELOOP) {
    errno = ENOENT;  // a symlink on the way: no log file by that path
    return -1;
  }
  // No openat2 here (an old kernel, or a seccomp filter that refuses it).
  if (errno != ENOSYS && errno != EPERM) return -1;
  return openat(dirfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
}

}  // namespace

int OpenRegularAt(int dirfd, const char* rel) {
  struct stat seen;
  if (fstatat(dirfd, rel, &seen, AT_SYMLINK_NOFOLLOW) != 0) return -1;
  if (!S_ISREG(seen.st_mode)) {
    errno = ENOENT;  // not a regular file: nothing of that kind is there
    return -1;
  }
  const int fd = OpenNoSymlinks(dirfd, rel);
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
