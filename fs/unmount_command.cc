#include "fs/unmount_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "fs/logdex_mount.h"
#include "fs/mount_holders.h"
#include "fs/unique_fd.h"
#include "recovery/cache_format.h"
#include "recovery/mount_probe.h"

namespace logdex::fs {
namespace {

constexpr absl::Duration kFusermountTimeout = absl::Seconds(60);

// A process as it was when we looked: its pid and its start time (field 22
// of /proc/PID/stat), so that a pid reused by another process is not waited
// for.
struct Process {
  pid_t pid = 0;
  std::string start_time;
};

std::optional<std::string> StartTime(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  const size_t paren = text.rfind(')');  // comm may hold spaces and parentheses
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(paren + 1));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) return field;
  }
  return std::nullopt;
}

bool Alive(const Process& p) {
  const std::optional<std::string> now = StartTime(p.pid);
  return now && *now == p.start_time;
}

std::optional<struct timespec> MtimeOf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return st.st_mtim;
}

bool Newer(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
}

struct Fusermount {
  int exit_code = -1;   // -1: did not finish (timeout, or could not start)
  std::string errors;   // its stderr, trimmed
};

// Runs `fusermount3 -u -- MOUNTPOINT` (found on PATH) and collects its stderr.
Fusermount RunFusermount(const std::string& mountpoint) {
  Fusermount result;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    result.errors = absl::StrCat("cannot make a pipe: ", std::strerror(errno));
    return result;
  }
  UniqueFd read_end(pipe_fds[0]);
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(pipe_fds[1]);
    result.errors = absl::StrCat("cannot fork: ", std::strerror(errno));
    return result;
  }
  if (child == 0) {
    ::dup2(pipe_fds[1], STDERR_FILENO);
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, STDIN_FILENO);
      ::dup2(null, STDOUT_FILENO);
    }
    const char* argv[] = {"fusermount3", "-u", "--", mountpoint.c_str(), nullptr};
    ::execvp(argv[0], const_cast<char* const*>(argv));
    std::fprintf(stderr, "cannot run fusermount3: %s\n", std::strerror(errno));
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  const absl::Time deadline = absl::Now() + kFusermountTimeout;
  char buf[1024];
  for (;;) {
    struct pollfd pfd = {read_end.get(), POLLIN, 0};
    const int left_ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (left_ms <= 0) break;
    const int n = ::poll(&pfd, 1, left_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    const ssize_t got = ::read(read_end.get(), buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: fusermount3 is done
    if (result.errors.size() < 4096) result.errors.append(buf, static_cast<size_t>(got));
  }
  int wstatus = 0;
  pid_t waited = ::waitpid(child, &wstatus, WNOHANG);
  while (waited == 0 && absl::Now() < deadline) {
    ::usleep(10'000);
    waited = ::waitpid(child, &wstatus, WNOHANG);
  }
  if (waited == 0) {  // hung: stop it, say so
    ::kill(child, SIGKILL);
    ::waitpid(child, &wstatus, 0);
    result.errors = "fusermount3 did not finish in 60 s";
    return result;
  }
  if (waited == child && WIFEXITED(wstatus)) result.exit_code = WEXITSTATUS(wstatus);
  const absl::string_view trimmed = absl::StripAsciiWhitespace(result.errors);
  std::string one_line(trimmed);
  for (char& c : one_line) {
    if (c == '\n') c = ' ';
  }
  result.errors = one_line;
  return result;
}

int Fail(int code, absl::string_view message) {
  std::fprintf(stderr, "logdex unmount: %.*s\n", static_cast<int>(message.size()), message.data());
  return code;
}

}  // namespace

int UnmountCommand(const UnmountArgs& args) {
  absl::StatusOr<LogdexMount> mount = FindLogdexMount(args.mountpoint);
  if (!mount.ok()) return Fail(2, mount.status().message());
  const std::string& mnt = mount->mountpoint;

  // What to wait for and what to check afterwards, while the mount serves.
  std::optional<Process> daemon;
  std::string cache_file;
  std::optional<struct timespec> cache_before;
  std::string unknown_daemon;  // why there is no pid to wait for
  if (mount->dead) {
    unknown_daemon = "its daemon was already gone, so no cache was saved at unmount";
  } else if (absl::StatusOr<MountStatus> status = MountStatus::Read(mnt); !status.ok()) {
    unknown_daemon = absl::StrCat("not waiting for the daemon (", status.status().message(), ")");
  } else {
    const std::optional<uint64_t> pid = status->Uint("/pid");
    if (pid && *pid > 0 && *pid < (uint64_t{1} << 31)) {
      const pid_t p = static_cast<pid_t>(*pid);
      if (std::optional<std::string> start = StartTime(p)) daemon = Process{p, *start};
    }
    if (!daemon) unknown_daemon = "status.json names no running daemon pid; not waiting for it";
    if (std::optional<std::string> dir = status->String("/cache_dir")) {
      cache_file = absl::StrCat(*dir, "/", std::string(recovery::kCacheFileName));
      cache_before = MtimeOf(cache_file);
    }
  }

  const Fusermount fm = RunFusermount(mnt);
  if (fm.exit_code != 0) {
    const bool still_mounted = recovery::MountTypeAt(mnt).has_value();
    if (still_mounted) {
      const std::vector<MountHolder> holders = FindMountHolders(mnt);
      const bool busy = !holders.empty() || absl::StrContains(fm.errors, "busy");
      if (busy) {
        return Fail(1, absl::StrFormat(
                           "'%s' is busy: %s; still mounted (close those, or cd out, and run it again)",
                           mnt,
                           holders.empty() ? std::string("held by a process this user cannot see")
                                           : "held by " + DescribeMountHolders(holders)));
      }
      return Fail(1, absl::StrFormat("fusermount3 -u '%s' failed: %s; still mounted", mnt,
                                     fm.errors.empty() ? "no message" : fm.errors));
    }
    // fusermount3 failed, yet the mount is gone (someone else unmounted it): go on and wait.
  }

  if (daemon) {
    const absl::Time deadline = absl::Now() + args.daemon_timeout;
    while (Alive(*daemon)) {
      if (absl::Now() >= deadline) {
        return Fail(1, absl::StrFormat(
                           "'%s' is unmounted, but its daemon (pid %d) is still running after %s; "
                           "it may still be saving the cache",
                           mnt, daemon->pid, absl::FormatDuration(args.daemon_timeout)));
      }
      ::usleep(20'000);
    }
  }

  std::string cache;
  if (!unknown_daemon.empty()) {
    cache = unknown_daemon;
  } else if (cache_file.empty()) {
    cache = "cache dir unknown";
  } else if (const std::optional<struct timespec> after = MtimeOf(cache_file); !after) {
    cache = absl::StrCat("no cache written (the index was never built, or the save failed: see the "
                         "daemon's log); ", cache_file, " does not exist");
  } else if (!cache_before || Newer(*after, *cache_before)) {
    cache = absl::StrCat("cache saved to ", cache_file);
  } else {
    cache = absl::StrCat("cache unchanged since its last save (", cache_file, ")");
  }
  std::printf("logdex unmount: %s unmounted; %s%s\n", mnt.c_str(),
              daemon ? absl::StrFormat("daemon %d exited; ", daemon->pid).c_str() : "", cache.c_str());
  return 0;
}

}  // namespace logdex::fs
