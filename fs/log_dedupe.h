// Which problems the daemon's log has told already (daemon_log.h): one line
// per distinct problem, not one per read or rescan. A problem's identity is a
// key the caller makes (kind, file, offset or reason). Memory is bounded:
// past kCapacity keys the oldest is forgotten, so a problem seen again after
// that many others may get a second line, but memory never grows with the
// number of problems.
#ifndef LOGDEX_FS_LOG_DEDUPE_H_
#define LOGDEX_FS_LOG_DEDUPE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"

namespace logdex::fs {

class LogDedupe {
 public:
  static constexpr size_t kCapacity = 4096;
  explicit LogDedupe(size_t capacity = kCapacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // True the first time `key` is seen (since it was last forgotten), and
  // remembers it; false after that. Not thread-safe (the log's lock guards it).
  bool FirstTime(std::string_view key);
  // Forgets `key`, so it is told again when it comes back (a problem that
  // cleared).
  void Forget(std::string_view key);
  size_t size() const { return keys_.size(); }
  uint64_t suppressed() const { return suppressed_; }

 private:
  const size_t capacity_;
  absl::flat_hash_set<std::string> keys_;
  std::deque<std::string> order_;  // oldest first; may hold keys already forgotten
  uint64_t suppressed_ = 0;
};

// The key of a problem: its parts joined by NUL bytes, which no file name
// and no kind contains.
std::string ProblemKey(std::string_view kind, std::string_view path, std::string_view detail);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_LOG_DEDUPE_H_
