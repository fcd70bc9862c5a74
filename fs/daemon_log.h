// The daemon's log: warnings and errors of a mount, one line per distinct
// problem, and (-o debug) one line per FUSE request.
//
// Where lines go (chosen once, at mount, before anything is mounted):
//   -o log=FILE   appended to FILE (opened once, O_APPEND|O_CLOEXEC, mode
//                 0640 if created); a FILE that cannot be opened fails the
//                 mount (exit 2) before mounting
//   -f            stderr (it stays the terminal's: no daemonizing)
//   otherwise     syslog(3), ident "logdex", facility LOG_DAEMON (the daemon's
//                 stderr is /dev/null once it has daemonized)
// A line in a file or on stderr is
//   2026-12-01T11:39:12.123456Z logdex[4242] warning: file a/b.jsonl: 3 corrupt frames, first at byte 1234 (json)
// (ISO-8601 UTC time to the microsecond, pid, level, message); syslog adds
// its own time and gets the level as priority. Bytes of a message that are
// control characters (a file name may hold any) are written as \xNN, so an
// event is always exactly one line, written with one write(2).
//
// What is logged: the mount and the unmount (one info line each), and each
// distinct problem once (LogOnce, keys in log_dedupe.h): corrupt frames of a
// file (per first corrupt offset), unreadable files, a cache moved aside,
// cache save failures (per distinct error, and once when saving works again),
// the mount's warnings when they start and when they clear (health.h), pi
// store stops, EIO from backing files. Nothing for ordinary requests, except
// under -o debug.
//
// Thread-safe: one mutex (a leaf: nothing else is locked under it) around the
// dedupe memory and the write.
#ifndef LOGDEX_FS_DAEMON_LOG_H_
#define LOGDEX_FS_DAEMON_LOG_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "fs/log_dedupe.h"
#include "fs/mount_options.h"
#include "fs/unique_fd.h"
#include "index/problem_sink.h"

namespace logdex::fs {

class DaemonLog : public index::ProblemSink {
 public:
  enum class Level { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };
  static constexpr int kLevelCount = 4;
  enum class Target { kSyslog, kFile, kStderr };

  // Where config says (see above). Fails, naming the file, when -o log=FILE
  // cannot be opened for appending.
  static absl::StatusOr<std::unique_ptr<DaemonLog>> ForMount(const MountConfig& config);
  // Lines to `fd` (a file opened for appending, or stderr when not owned).
  DaemonLog(Target target, UniqueFd owned, int fd);
  ~DaemonLog() override;
  DaemonLog(const DaemonLog&) = delete;
  DaemonLog& operator=(const DaemonLog&) = delete;

  void Log(Level level, std::string_view message) ABSL_LOCKS_EXCLUDED(mu_);
  // Logs `message` unless `key` was logged already (and not forgotten).
  // True if it logged.
  bool LogOnce(Level level, std::string_view key, std::string_view message)
      ABSL_LOCKS_EXCLUDED(mu_);
  // `key` may be logged again (its problem cleared).
  void Forget(std::string_view key) ABSL_LOCKS_EXCLUDED(mu_);

  // index::ProblemSink: a warning, once per (kind, path, offset), or per
  // (kind, path) when there is no offset. At most kMaxProblemLinesPerKind
  // lines per kind for the life of the mount (a tree of a million garbage
  // files must not flood syslog); the line that reaches the cap says so,
  // and status.json keeps counting.
  static constexpr uint64_t kMaxProblemLinesPerKind = 1000;
  void Report(const index::Problem& problem) override ABSL_LOCKS_EXCLUDED(mu_);

  Target target() const { return target_; }
  // Lines written by level, and problems not written again (deduped).
  std::array<uint64_t, kLevelCount> lines() const;
  uint64_t suppressed() const ABSL_LOCKS_EXCLUDED(mu_);

  // One line as written to a file or stderr, '\n' included.
  static std::string FormatLine(absl::Time time, int pid, Level level, std::string_view message);

 private:
  void WriteLocked(Level level, std::string_view message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Target target_;
  const UniqueFd owned_;
  const int fd_;  // owned_, or stderr; unused for syslog
  mutable absl::Mutex mu_;
  LogDedupe dedupe_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint64_t> problem_lines_ ABSL_GUARDED_BY(mu_);  // by kind
  std::array<std::atomic<uint64_t>, kLevelCount> lines_ = {};
};

std::string_view LevelName(DaemonLog::Level level);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_DAEMON_LOG_H_
