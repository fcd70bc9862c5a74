#include "fs/daemon_log.h"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace logdex::fs {
namespace {

int SyslogPriority(DaemonLog::Level level) {
  switch (level) {
    case DaemonLog::Level::kError:
      return LOG_ERR;
    case DaemonLog::Level::kWarning:
      return LOG_WARNING;
    case DaemonLog::Level::kInfo:
      return LOG_INFO;
    case DaemonLog::Level::kDebug:
      return LOG_DEBUG;
  }
  return LOG_WARNING;
}

// `message` on one line: control bytes as \xNN.
std::string OneLine(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (unsigned char c : message) {
    if (c < 0x20 || c == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

}  // namespace

std::string_view LevelName(DaemonLog::Level level) {
  switch (level) {
    case DaemonLog::Level::kError:
      return "error";
    case DaemonLog::Level::kWarning:
      return "warning";
    case DaemonLog::Level::kInfo:
      return "info";
    case DaemonLog::Level::kDebug:
      return "debug";
  }
  return "warning";
}

absl::StatusOr<std::unique_ptr<DaemonLog>> DaemonLog::ForMount(const MountConfig& config) {
  if (!config.log_file.empty()) {
    UniqueFd fd(::open(config.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    if (!fd.valid()) {
      return absl::InvalidArgumentError(absl::StrFormat("cannot open log file '%s': %s",
                                                        config.log_file, std::strerror(errno)));
    }
    const int raw = fd.get();
    return std::make_unique<DaemonLog>(Target::kFile, std::move(fd), raw);
  }
  if (config.foreground) return std::make_unique<DaemonLog>(Target::kStderr, UniqueFd(), STDERR_FILENO);
  return std::make_unique<DaemonLog>(Target::kSyslog, UniqueFd(), -1);
}

DaemonLog::DaemonLog(Target target, UniqueFd owned, int fd)
    : target_(target), owned_(std::move(owned)), fd_(fd) {
  // LOG_PID: syslog looks the pid up at each call, so it is right after
  // fuse_daemonize's fork too; file lines take getpid() per line likewise.
  if (target_ == Target::kSyslog) ::openlog("logdex", LOG_PID, LOG_DAEMON);
}

DaemonLog::~DaemonLog() {
  if (target_ == Target::kSyslog) ::closelog();
}

std::string DaemonLog::FormatLine(absl::Time time, int pid, Level level,
                                  std::string_view message) {
  const std::string_view lvl = LevelName(level);
  return absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone()),
                      " logdex[", pid, "] ", absl::string_view(lvl.data(), lvl.size()), ": ",
                      OneLine(message), "\n");
}

void DaemonLog::WriteLocked(Level level, std::string_view message) {
  lines_[static_cast<int>(level)].fetch_add(1, std::memory_order_relaxed);
  if (target_ == Target::kSyslog) {
    ::syslog(SyslogPriority(level), "%s", OneLine(message).c_str());
    return;
  }
  // The pid after daemonizing is the child's, not the one at construction.
  const std::string line = FormatLine(absl::Now(), static_cast<int>(::getpid()), level, message);
  // One write: O_APPEND makes it one record even with other writers. A short
  // write or a failure (disk full) loses the line; there is nowhere to say so.
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
}

void DaemonLog::Log(Level level, std::string_view message) {
  absl::MutexLock lock(&mu_);
  WriteLocked(level, message);
}

bool DaemonLog::LogOnce(Level level, std::string_view key, std::string_view message) {
  absl::MutexLock lock(&mu_);
  if (!dedupe_.FirstTime(key)) return false;
  WriteLocked(level, message);
  return true;
}

void DaemonLog::Forget(std::string_view key) {
  absl::MutexLock lock(&mu_);
  dedupe_.Forget(key);
}

void DaemonLog::Report(const index::Problem& problem) {
  const std::string detail = problem.offset ? absl::StrCat(*problem.offset) : std::string();
  const absl::string_view kind(problem.kind.data(), problem.kind.size());
  absl::MutexLock lock(&mu_);
  uint64_t& lines = problem_lines_[kind];
  if (lines >= kMaxProblemLinesPerKind) return;
  if (!dedupe_.FirstTime(ProblemKey(problem.kind, problem.path, detail))) return;
  if (++lines < kMaxProblemLinesPerKind) {
    WriteLocked(Level::kWarning, problem.message);
  } else {
    WriteLocked(Level::kWarning,
                absl::StrCat(problem.message, " (", kMaxProblemLinesPerKind, " ", kind,
                             " problems logged: no more are; status.json counts them all)"));
  }
}

std::array<uint64_t, DaemonLog::kLevelCount> DaemonLog::lines() const {
  std::array<uint64_t, kLevelCount> out;
  for (int i = 0; i < kLevelCount; ++i) out[i] = lines_[i].load(std::memory_order_relaxed);
  return out;
}

uint64_t DaemonLog::suppressed() const {
  absl::MutexLock lock(&mu_);
  return dedupe_.suppressed();
}

}  // namespace logdex::fs
