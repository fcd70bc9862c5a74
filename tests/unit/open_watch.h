// OpenWatch: counts the opens of one name in one directory (inotify IN_OPEN),
// so a test can assert that a FIFO (or any file) was never opened at all.
// Opening a FIFO for reading, even non-blocking, releases a writer blocked on
// it; "never opened" is the contract, and only the kernel sees every open.
#ifndef LOGDEX_TESTS_UNIT_OPEN_WATCH_H_
#define LOGDEX_TESTS_UNIT_OPEN_WATCH_H_

#include <sys/inotify.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace logdex::testing {

// Counts IN_OPEN events on `name` in `dir` from construction on.
class OpenWatch {
 public:
  OpenWatch(const std::string& dir, std::string name) : name_(std::move(name)) {
    fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    EXPECT_GE(fd_, 0);
    EXPECT_GE(inotify_add_watch(fd_, dir.c_str(), IN_OPEN), 0);
  }
  OpenWatch(const OpenWatch&) = delete;
  OpenWatch& operator=(const OpenWatch&) = delete;
  ~OpenWatch() { close(fd_); }

  int Opens() {
    alignas(inotify_event) char buf[4096];
    for (;;) {
      const ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) return opens_;
      for (ssize_t off = 0; off < n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
        if (ev->len > 0 && name_ == ev->name) ++opens_;
        off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      }
    }
  }

 private:
  int fd_ = -1;
  std::string name_;
  int opens_ = 0;
};

}  // namespace logdex::testing

#endif  // LOGDEX_TESTS_UNIT_OPEN_WATCH_H_
