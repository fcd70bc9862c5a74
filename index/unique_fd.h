// An owned file descriptor, closed when the owner goes away: the one RAII fd
// of the project (the core and the FUSE front-end; fs/unique_fd.h names it
// there).
#ifndef LOGDEX_INDEX_UNIQUE_FD_H_
#define LOGDEX_INDEX_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace logdex::index {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) Reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  // Closes now and returns close(2)'s result: for a file just written, the
  // error it may carry for that data (Reset() drops it).
  int Close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_ = -1;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_UNIQUE_FD_H_
