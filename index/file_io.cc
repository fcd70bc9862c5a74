// Reading files without a signal cutting the read short (file_io.h).
#include "index/file_io.h"

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

}  // namespace logdex::index
