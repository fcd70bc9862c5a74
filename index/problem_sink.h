// Where the core tells of problems it found in the log dir, for the daemon's
// log (fs/daemon_log.h implements it; the core never logs by itself and
// never includes FUSE). A problem is told when it is found, which may be
// again and again for the same one (a file rescanned at a regeneration): the
// sink decides what is worth a line, using `kind`, `path` and `offset` as
// the identity of the problem.
#ifndef LOGDEX_INDEX_PROBLEM_SINK_H_
#define LOGDEX_INDEX_PROBLEM_SINK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace logdex::index {

struct Problem {
  std::string_view kind;               // "corrupt_frames", "unreadable"
  std::string_view path;               // relative to the log dir
  std::optional<uint64_t> offset;      // byte offset in `path`, if there is one
  std::string message;                 // one sentence naming path and offset
};

class ProblemSink {
 public:
  virtual ~ProblemSink() = default;
  // Thread-safe; may be called with the caller's locks held, so it must
  // take none but its own (a leaf) and never call back into the core.
  virtual void Report(const Problem& problem) = 0;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_PROBLEM_SINK_H_
