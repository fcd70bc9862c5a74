// logdex: command-line dispatch (SPEC §8). Exit codes: 0 success, 1 failure
// while running, 2 bad arguments or a missing/unusable path (nothing done).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/strings/match.h"
#include "fs/mount_options.h"
#include "fs/mount_session.h"
#include "fs/rebuild_command.h"
#include "fs/verify_command.h"
#include "index/canonical_writer.h"
#include "index/scan_options.h"

namespace {

constexpr char kUsage[] =
    "usage: logdex COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  mount LOGDIR MOUNTPOINT [-f] [-o OPT[,OPT...]]\n"
    "      Mount LOGDIR at MOUNTPOINT: the same tree plus a synthesized /index.ndjson\n"
    "      and /.logdex/{status.json,metrics.prom}. Daemonizes unless -f; the mount\n"
    "      is ready when the command returns. `logdex mount --help` lists options.\n"
    "  index LOGDIR [--sources=LIST]\n"
    "      Print the canonical index of LOGDIR on stdout (no mount needed).\n"
    "  verify LOGDIR [--json]\n"
    "      Check every frame of every log file, and every pi store's\n"
    "      index/offsets.jsonl against what pi's rebuild would write (no mount\n"
    "      needed). Exit 0 clean, 1 damage or drift found, 2 could not run.\n"
    "  rebuild LOGDIR [--dry-run]\n"
    "      Rewrite each pi store's index/offsets.jsonl that differs from what pi's\n"
    "      rebuild would write, safely (shadow copy, checked, fsynced, renamed into\n"
    "      place; the previous copy kept as offsets.jsonl.bak). Exit 0 all right,\n"
    "      1 something left unrepaired, 2 could not run.\n"
    "\n"
    "Unmount with `fusermount3 -u MOUNTPOINT`.\n"
    "Exit status: 0 ok, 1 failed while running, 2 bad arguments or paths.\n";

constexpr char kMountUsage[] =
    "usage: logdex mount LOGDIR MOUNTPOINT [-f] [-d] [-o OPT[,OPT...]]\n"
    "\n"
    "Mounts LOGDIR (a directory of JSON-lines logs) at MOUNTPOINT (an existing\n"
    "empty directory). The mount shows LOGDIR's tree plus:\n"
    "  /index.ndjson         one row per frame of every log file; always fresh,\n"
    "                        new frames are added at the end (tail -f works)\n"
    "  /.logdex/status.json  health, counts by source and state, skips, build\n"
    "                        progress, cache events, options\n"
    "  /.logdex/metrics.prom the same as Prometheus text exposition\n"
    "Writes, appends, creates, renames, unlinks, mkdir, rmdir, truncate, chmod,\n"
    "utimens and symlinks pass through to LOGDIR (read-write unless -o ro);\n"
    "index.ndjson and .logdex cannot be changed.\n"
    "\n"
    "The index is kept in a cache (index.cache in cache_dir), saved atomically\n"
    "every save_interval seconds while it changes and at unmount. On mount the\n"
    "cache is reused only after it checks out (verify=); files that changed\n"
    "meanwhile are rescanned, a damaged cache is moved aside as\n"
    "index.cache.bad and the index rebuilt from the logs. Without a usable\n"
    "cache the index is built on first use of index.ndjson, or, when stderr is\n"
    "a terminal and -f is not given, before mounting with a progress line.\n"
    "\n"
    "flags:\n"
    "  -f              stay in the foreground (default: daemonize once mounted)\n"
    "  -d              foreground with libfuse request tracing\n"
    "  -o OPT[,OPT]    mount options, repeatable:\n"
    "     ro                 read-only mount: changes fail with EROFS\n"
    "     sources=LIST       index only these sources: pi, claude, codex, jsonl\n"
    "                        (default all; separate with '+' or ':' inside -o, e.g.\n"
    "                        sources=pi+claude)\n"
    "     cache_dir=DIR      index cache directory (default\n"
    "                        $XDG_CACHE_HOME/logdex/<id> or ~/.cache/logdex/<id>,\n"
    "                        <id> = first 16 hex of SHA-256 of LOGDIR's real path)\n"
    "     verify=full|stat   how a cached index is checked on mount: full (default)\n"
    "                        checks every cached row's CRC-32C against the logs;\n"
    "                        stat checks each file's identity and size only\n"
    "     save_interval=SECS save the cache every SECS seconds while the index\n"
    "                        changes (default 30; 1 to 86400); always at unmount\n"
    "     other options      passed to libfuse: allow_other, default_permissions,\n"
    "                        fsname=NAME, subtype=NAME, auto_unmount, ...\n"
    "\n"
    "Unmount with `fusermount3 -u MOUNTPOINT` (saves the cache). After a crash\n"
    "(kill -9), `fusermount3 -u MOUNTPOINT` and mount again: the index is\n"
    "complete and correct with no other step.\n"
    "\n"
    "Exit status: 0 mounted (or, with -f, unmounted cleanly), 2 bad arguments,\n"
    "missing LOGDIR, MOUNTPOINT not an empty directory or /dev/fuse unusable\n"
    "(nothing mounted), 1 other failures.\n";

constexpr char kIndexUsage[] =
    "usage: logdex index LOGDIR [--sources=LIST]\n"
    "\n"
    "Writes the canonical index of LOGDIR to stdout: one compact JSON row per\n"
    "frame, files in byte order of their paths, rows by offset. The bytes equal\n"
    "a mount's /index.ndjson right after a fresh build.\n"
    "  --sources=LIST  index only these sources (pi, claude, codex, jsonl;\n"
    "                  separated by ',', '+' or ':'); default all.\n"
    "\n"
    "Exit status: 0 ok, 1 failed while writing, 2 bad arguments or LOGDIR missing.\n";

int Fail(absl::string_view command, absl::string_view message) {
  std::fprintf(stderr, "logdex %.*s: %.*s\n", static_cast<int>(command.size()), command.data(),
               static_cast<int>(message.size()), message.data());
  return 2;
}

bool IsHelp(absl::string_view a) { return a == "--help" || a == "-h" || a == "help"; }

int IndexCommand(const std::vector<std::string>& args) {
  logdex::index::ScanOptions options;
  std::string log_dir;
  int positional = 0;
  for (const std::string& a : args) {
    if (IsHelp(a)) {
      std::fputs(kIndexUsage, stdout);
      return 0;
    }
    if (absl::StartsWith(a, "--sources=")) {
      auto sources = logdex::index::ParseSourceList(std::string_view(a).substr(10));
      if (!sources.ok()) return Fail("index", sources.status().message());
      options.sources = *sources;
    } else if (absl::StartsWith(a, "-") && a != "-") {
      return Fail("index", "unknown flag '" + a + "' (see logdex index --help)");
    } else {
      log_dir = a;
      ++positional;
    }
  }
  if (positional != 1) return Fail("index", "needs exactly one LOGDIR (see logdex index --help)");
  struct stat st;
  if (::stat(log_dir.c_str(), &st) != 0) {
    return Fail("index", errno == ENOENT ? "log dir '" + log_dir + "' does not exist"
                                         : "log dir '" + log_dir + "': " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return Fail("index", "log dir '" + log_dir + "' is not a directory");
  auto stats = logdex::index::WriteCanonicalIndex(log_dir, options, STDOUT_FILENO);
  if (!stats.ok()) {
    std::fprintf(stderr, "logdex index: %s\n", std::string(stats.status().message()).c_str());
    return 1;
  }
  return 0;
}

int MountCommand(const std::vector<std::string>& args) {
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof(cwd)) == nullptr) return Fail("mount", "cannot read the working directory");
  auto parsed = logdex::fs::ParseMountArgs(args, cwd);
  if (!parsed.ok()) {
    return Fail("mount", std::string(parsed.status().message()) + " (see logdex mount --help)");
  }
  if (parsed->help) {
    std::fputs(kMountUsage, stdout);
    return 0;
  }
  if (absl::Status s = logdex::fs::ValidateMountPaths(&parsed->config); !s.ok()) {
    return Fail("mount", s.message());
  }
  // Test seam for crash injection (see MountConfig::test_crash_before_rename):
  // read once, here, never on a hot path.
  const char* crash = std::getenv("LOGDEX_TEST_CRASH_BEFORE_RENAME");
  parsed->config.test_crash_before_rename = crash != nullptr && std::string_view(crash) == "1";
  return logdex::fs::RunMount(std::move(parsed->config));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  absl::string_view command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (IsHelp(command)) {  // everything: the commands, then each one's options
    std::printf("%s\n%s\n%s\n%s\n%s", kUsage, kMountUsage, kIndexUsage,
                logdex::fs::VerifyUsage(), logdex::fs::RebuildUsage());
    return 0;
  }
  if (command == "mount") return MountCommand(args);
  if (command == "index") return IndexCommand(args);
  if (command == "verify") return logdex::fs::VerifyCommand(args);
  if (command == "rebuild") return logdex::fs::RebuildCommand(args);
  std::fprintf(stderr, "logdex: unknown command '%s' (see logdex --help)\n", argv[1]);
  return 2;
}
