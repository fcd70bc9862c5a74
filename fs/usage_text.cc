#include "fs/usage_text.h"

#include "absl/strings/str_cat.h"
#include "fs/rebuild_command.h"
#include "fs/verify_command.h"

namespace logdex::fs {
namespace {

constexpr char kToolUsage[] =
    "usage: logdex COMMAND [ARGS]\n"
    "       logdex LOGDIR MOUNTPOINT [-f] [-o OPT[,OPT...]]\n"
    "\n"
    "commands:\n"
    "  mount LOGDIR MOUNTPOINT [-f] [-d] [-o OPT[,OPT...]]\n"
    "      Mount LOGDIR at MOUNTPOINT: the same tree plus a synthesized /index.ndjson\n"
    "      and /.logdex/{status.json,metrics.prom}. Daemonizes unless -f; the mount\n"
    "      is ready when the command returns. `logdex mount --help` lists options.\n"
    "  LOGDIR MOUNTPOINT [-f] [-d] [-o OPT[,OPT...]]\n"
    "      The same as mount, as mount.fuse3 runs it for an fstab line\n"
    "      `LOGDIR MOUNTPOINT fuse.logdex OPTS 0 0` or `mount -t fuse.logdex\n"
    "      LOGDIR MOUNTPOINT`. A first argument that is a command name is the\n"
    "      command: mount a log dir named like one as ./NAME (e.g. ./index).\n"
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
    "  status MOUNTPOINT [--json]\n"
    "      Summarize the mount's /.logdex/status.json (--json: print it). Exit 0\n"
    "      healthy, 1 damage or warnings, 2 not a logdex mount.\n"
    "  unmount MOUNTPOINT\n"
    "      Save the cache, unmount, and return once the daemon has exited. Exit 0\n"
    "      unmounted, 1 busy or failed, 2 not a logdex mount.\n"
    "  help [COMMAND]\n"
    "      This text, or one command's (as COMMAND --help).\n"
    "\n"
    "`fusermount3 -u MOUNTPOINT` unmounts too (it saves the cache, but returns\n"
    "before the daemon has exited).\n"
    "Exit status: 0 ok, 1 failed while running, 2 bad arguments or paths.\n";

constexpr char kMountUsage[] =
    "usage: logdex mount LOGDIR MOUNTPOINT [-f] [-d] [-o OPT[,OPT...]]\n"
    "       logdex LOGDIR MOUNTPOINT [-f] [-d] [-o OPT[,OPT...]]\n"
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
    "  -f, --foreground  stay in the foreground (default: daemonize once mounted)\n"
    "  -d, --debug       foreground with libfuse's own request tracing\n"
    "  -h, --help        this text\n"
    "  -o OPT[,OPT]      mount options, repeatable; a comma inside a value is\n"
    "                    written '\\,':\n"
    "     ro                 read-only mount: changes fail with EROFS\n"
    "     rw                 read-write (the default; the last of ro/rw counts)\n"
    "     sources=LIST       index only these sources: pi, claude, codex, jsonl\n"
    "                        (default all; separate with '+' or ':' inside -o, e.g.\n"
    "                        sources=pi+claude; sources=pi,claude works too)\n"
    "     cache_dir=DIR      index cache directory (default\n"
    "                        $XDG_CACHE_HOME/logdex/<id> or ~/.cache/logdex/<id>,\n"
    "                        <id> = first 16 hex of SHA-256 of LOGDIR's real path)\n"
    "     verify=full|stat   how a cached index is checked on mount: full (default)\n"
    "                        checks every cached row's CRC-32C against the logs;\n"
    "                        stat checks each file's identity and size only\n"
    "     save_interval=SECS save the cache every SECS seconds while the index\n"
    "                        changes (default 30; 1 to 86400); always at unmount\n"
    "     log=FILE           the daemon's log of warnings and errors (default\n"
    "                        syslog; stderr with -f)\n"
    "     debug              log one line per FUSE request (to log=FILE or the\n"
    "                        default log)\n"
    "     defaults, auto, noauto, user, nouser, users, owner, group, _netdev,\n"
    "     nofail, x-* (x-systemd.automount, ...), X-*, comment=...\n"
    "                        what fstab and mount(8) add for themselves: ignored\n"
    "     other options      passed to libfuse: allow_other, default_permissions,\n"
    "                        fsname=NAME, subtype=NAME, auto_unmount, max_read=N,\n"
    "                        and mount flags (dev, nodev, suid, nosuid, exec,\n"
    "                        noexec, atime, noatime, relatime, sync, dirsync, ...);\n"
    "                        libfuse rejects the ones it does not know\n"
    "\n"
    "fstab: a line `LOGDIR MOUNTPOINT fuse.logdex defaults,cache_dir=DIR 0 0`\n"
    "mounts with `mount MOUNTPOINT` (mount(8) runs mount.fuse3, which runs\n"
    "`logdex LOGDIR MOUNTPOINT -o OPTS` with sh; mount(8) clears PATH, so logdex\n"
    "must be in /usr/local/bin, /usr/bin or /bin). `mount -t fuse.logdex LOGDIR\n"
    "MOUNTPOINT -o OPTS` works the same way. The first argument of the bare form\n"
    "is a command when it names one: a log dir named like a command is ./NAME.\n"
    "\n"
    "Unmount with `logdex unmount MOUNTPOINT` or `fusermount3 -u MOUNTPOINT`\n"
    "(both save the cache). After a crash (kill -9), `fusermount3 -u MOUNTPOINT`\n"
    "and mount again: the index is complete and correct with no other step.\n"
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

constexpr char kStatusUsage[] =
    "usage: logdex status MOUNTPOINT [--json]\n"
    "\n"
    "Reads MOUNTPOINT/.logdex/status.json and prints a short summary:\n"
    "  health (ok or degraded) and the daemon's pid\n"
    "  files indexed, frames, index rows by source and state (active, corrupt)\n"
    "  corrupt rows by error, torn tails, skipped files by reason\n"
    "  the index's state, version, regenerations and last change\n"
    "  the cache: how the index was opened, the last save, save errors\n"
    "  pi stores: drifted (by kind), stopped, damaged\n"
    "  each active warning\n"
    "  --json  print status.json itself (one JSON object) instead\n"
    "\n"
    "Exit status: 0 healthy; 1 damage (corrupt rows, unreadable files, pi\n"
    "stores drifted or stopped by damage) or warnings; 2 MOUNTPOINT is not a\n"
    "logdex mount (missing, not a directory, not mounted, another file system,\n"
    "or its daemon is gone), or its status.json cannot be read.\n";

constexpr char kUnmountUsage[] =
    "usage: logdex unmount MOUNTPOINT\n"
    "\n"
    "Unmounts a logdex mount and waits for its daemon: runs `fusermount3 -u\n"
    "MOUNTPOINT`, whereupon the daemon saves the index cache and exits, then\n"
    "waits (at most 60 s) until the daemon's pid (from status.json) is gone,\n"
    "and says whether the cache file was written. A busy mount (a process has\n"
    "its working directory, root or an open file inside it) is left mounted\n"
    "and the holders are named: busy: held by pid 1234 (bash) cwd, ...\n"
    "\n"
    "Exit status: 0 unmounted and the daemon exited; 1 busy, fusermount3\n"
    "failed, or the daemon did not exit in time; 2 MOUNTPOINT is not a logdex\n"
    "mount.\n";

}  // namespace

const char* ToolUsage() { return kToolUsage; }
const char* MountUsage() { return kMountUsage; }
const char* IndexUsage() { return kIndexUsage; }
const char* StatusUsage() { return kStatusUsage; }
const char* UnmountUsage() { return kUnmountUsage; }

std::string FullUsage() {
  return absl::StrCat(kToolUsage, "\n", kMountUsage, "\n", kIndexUsage, "\n", VerifyUsage(), "\n",
                      RebuildUsage(), "\n", kStatusUsage, "\n", kUnmountUsage);
}

}  // namespace logdex::fs
