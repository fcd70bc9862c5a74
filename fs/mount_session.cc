#include "fs/mount_session.h"

#include <fuse_lowlevel.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <sys/stat.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "fs/descriptor_limit.h"
#include "fs/logdex_fs.h"
#include "fs/ops.h"
#include "fs/progress_line.h"
#include "fs/sanitizer_report.h"

namespace logdex::fs {
namespace {

constexpr int kMaxThreads = 16;

// argv for fuse_session_new: our defaults first so the user's options win.
std::vector<std::string> FuseArgv(const MountConfig& config) {
  std::vector<std::string> opts;
  bool has_fsname = false, has_subtype = false;
  for (const std::string& o : config.fuse_options) {
    has_fsname |= absl::StartsWith(o, "fsname=");
    has_subtype |= absl::StartsWith(o, "subtype=");
  }
  if (!has_fsname) opts.push_back("fsname=logdex");
  if (!has_subtype) opts.push_back("subtype=logdex");
  opts.insert(opts.end(), config.fuse_options.begin(), config.fuse_options.end());
  // libfuse's fuse_opt_parse splits this at ',' and unescapes a backslash
  // before any byte: a value holding either (fsname=/logs/a,b) goes escaped.
  std::vector<std::string> argv = {
      "logdex", "-o", absl::StrJoin(opts, ",", [](std::string* out, const std::string& o) {
        absl::StrAppend(out, absl::StrReplaceAll(o, {{"\\", "\\\\"}, {",", "\\,"}}));
      })};
  if (config.debug) argv.push_back("-d");
  return argv;
}

// libfuse's messages ("fuse: unknown option(s): ...") as logdex's own: the
// "fuse: " that starts a message becomes "logdex mount: "; the rest (libfuse
// writes one message in several pieces) and debug tracing pass through.
void LogFuseMessage(enum fuse_log_level level, const char* fmt, va_list ap) {
  char buf[1024];
  std::vsnprintf(buf, sizeof(buf), fmt, ap);
  std::string_view msg(buf);
  if (level != FUSE_LOG_DEBUG && msg.starts_with("fuse: ")) {
    msg.remove_prefix(6);
    std::fputs("logdex mount: ", stderr);
  }
  std::fwrite(msg.data(), 1, msg.size(), stderr);
}

}  // namespace

int RunMount(MountConfig config) {
#if defined(__GLIBC__)
  // The daemon is long-lived and many-threaded (FUSE workers, scanners, the
  // cache saver); glibc would give threads up to 8 malloc arenas per core,
  // each keeping its own free pages. Two arenas suffice for two scanning
  // threads: 5.6 MB less RSS with 100,000 files (109 -> 103 MB).
  mallopt(M_ARENA_MAX, 2);
#endif
  // Before anything opens descriptors: any tree size under the default soft
  // limit (SPEC §5; descriptor_limit.h).
  const DescriptorLimit limit = RaiseDescriptorLimit();
  absl::StatusOr<std::unique_ptr<LogdexFs>> fs = LogdexFs::Create(config, limit);
  if (!fs.ok()) {
    std::fprintf(stderr, "logdex mount: %s\n", std::string(fs.status().message()).c_str());
    return 2;
  }
  fuse_set_log_func(LogFuseMessage);
  std::vector<std::string> argv_strings = FuseArgv(config);
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
  absl::Cleanup free_args = [&args] { fuse_opt_free_args(&args); };

  // Measuring what request metrics cost: the same handlers unmeasured.
  const char* untimed = std::getenv("LOGDEX_BENCH_UNTIMED_REQUESTS");
  const fuse_lowlevel_ops& ops =
      untimed != nullptr && std::string_view(untimed) == "1" ? kLogdexOpsUntimed : kLogdexOps;
  fuse_session* se = fuse_session_new(&args, &ops, sizeof(ops), fs->get());
  if (se == nullptr) return 2;  // libfuse said why, through LogFuseMessage
  absl::Cleanup destroy = [se] { fuse_session_destroy(se); };
  // Modes of created files and directories arrive with the caller's umask
  // already applied by the kernel; the daemon's own must not mask them again.
  // (Cache files are created with explicit modes.)
  ::umask(0);
  // On a terminal, the first build runs now, with a progress line, before
  // anything is mounted (nothing waits on the mount meanwhile, and Ctrl-C
  // still simply ends the process). Elsewhere the index opens lazily on
  // first use. The inotify watch started here survives the fork below; the
  // build's threads are gone once Open() returns.
  if (!config.foreground && ::isatty(STDERR_FILENO)) {
    if (absl::Status s = OpenIndexWithProgress(&(*fs)->index(), stderr); !s.ok()) return 1;
  }
  if (fuse_set_signal_handlers(se) != 0) {
    std::fprintf(stderr, "logdex mount: cannot install signal handlers\n");
    return 1;
  }
  absl::Cleanup remove_handlers = [se] { fuse_remove_signal_handlers(se); };
  if (fuse_session_mount(se, config.mountpoint.c_str()) != 0) {
    std::fprintf(stderr, "logdex mount: mounting '%s' failed\n", config.mountpoint.c_str());
    return 1;
  }
  absl::Cleanup unmount = [se] { fuse_session_unmount(se); };
  // The mount exists now; in the background case the parent exits 0 here.
  if (fuse_daemonize(config.foreground ? 1 : 0) != 0) {
    std::fprintf(stderr, "logdex mount: cannot daemonize\n");
    return 1;
  }
  OpenSanitizerReportNow();  // a new pid: its report file, while descriptors are plenty
  (*fs)->log().Log(DaemonLog::Level::kInfo,
                   absl::StrFormat("mounted %s at %s", config.log_dir, config.mountpoint));
  // Threads start only now: they would not survive fuse_daemonize's fork.
  (*fs)->StartBackground(se);
  fuse_loop_config* loop = fuse_loop_cfg_create();
  absl::Cleanup free_loop = [loop] { fuse_loop_cfg_destroy(loop); };
  fuse_loop_cfg_set_clone_fd(loop, 0);
  fuse_loop_cfg_set_max_threads(loop, kMaxThreads);
  int rc = fuse_session_loop_mt(se, loop);
  // Unmounted, or SIGTERM/SIGINT/SIGHUP (rc > 0). Stop the background work,
  // then save the cache once more before the mount goes (the cleanups
  // unmount and destroy the session after this).
  (*fs)->StopBackground();
  // A failed save is logged by the holder (once per distinct error).
  (void)(*fs)->index().SaveIfChanged();
  (*fs)->log().Log(DaemonLog::Level::kInfo, absl::StrFormat("unmounting %s", config.mountpoint));
  return rc < 0 ? 1 : 0;
}

}  // namespace logdex::fs
