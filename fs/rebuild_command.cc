// `logdex rebuild LOGDIR [--dry-run]`: finds the pi stores, runs the engine
// (recovery/pi_rebuild.h) on each, prints a line per store that changed or
// has a problem and a summary. Format and exit codes in the usage text.
#include "fs/rebuild_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "fs/progress_line.h"
#include "fs/unique_fd.h"
#include "index/log_tree.h"
#include "index/pi_offsets.h"
#include "index/pi_offsets_format.h"
#include "recovery/mount_probe.h"
#include "recovery/pi_rebuild.h"

namespace logdex::fs {
namespace {

namespace pf = index::pi_format;
using recovery::PiStoreReport;
using recovery::PiStoreResult;

constexpr char kUsage[] =
    "usage: logdex rebuild LOGDIR [--dry-run]\n"
    "\n"
    "Rewrites each pi session store's index/offsets.jsonl (a store is a directory\n"
    "holding segments/) that differs from the rows pi's own rebuild_index would\n"
    "write for its segments: missing, stale, with ghost rows or wrong offsets or\n"
    "CRCs. Safely:\n"
    "  - pi's lock, STORE/store.mutation.lock (flock, non-blocking), is held while\n"
    "    a store is worked on; a store whose lock is held is skipped, never raced;\n"
    "  - an index that is already right is not touched (no write, no new mtime),\n"
    "    so a second run changes nothing;\n"
    "  - the new file is written as STORE/tmp/offsets.logdex.tmp, read back and\n"
    "    checked (its bytes, and each row's CRC-32C against the segment bytes it\n"
    "    points at), fsynced, renamed over index/offsets.jsonl, index/ fsynced;\n"
    "    the previous file is kept as index/offsets.jsonl.bak (one per store,\n"
    "    replaced atomically). Killed at any moment, a store holds its old index\n"
    "    or its new one, whole: run it again to finish;\n"
    "  - segments are never changed. Where pi's rebuild would stop early and cut\n"
    "    a segment (a torn line, a sequence or coordinate mismatch), the rows\n"
    "    before that line are written and the store is reported unrepaired;\n"
    "    where pi would refuse (a bad line before the end, invalid UTF-8, a line\n"
    "    over 100 MiB), the index is left as it is, and reported.\n"
    "New files are 0600, new directories 0700; nothing is opened via a symlink.\n"
    "\n"
    "  --dry-run  report what would change and write nothing: no lock file, no\n"
    "             tmp/, no index. Takes a store's lock shared, and only when its\n"
    "             lock file exists; exits as the real run would.\n"
    "\n"
    "Output on stdout: a line per store that changed or has a problem, then a\n"
    "summary. Each line is a word, the store's path in LOGDIR ('.' for LOGDIR\n"
    "itself), a colon and the details:\n"
    "  rewritten STORE: KIND; A rows added, R removed, F fixed; N rows; ...\n"
    "  would-rewrite STORE: KIND; A rows added, R removed, F fixed; N rows\n"
    "  unrepaired STORE: REASON at segments/SEG:OFFSET, pi would ACTION; ...\n"
    "  locked STORE: store.mutation.lock is held by another process; skipped\n"
    "  failed STORE: WHAT FAILED; index left as it was\n"
    "  incomplete: N directories could not be read; pi stores in them not checked\n"
    "  logdex rebuild: S pi stores: K already right, W rewritten, U unrepaired,\n"
    "      L locked, E failed            (with --dry-run: would be rewritten)\n"
    "KIND: missing, stale (rows missing at the end), ghost_rows, wrong_rows,\n"
    "blank_lines (as logdex verify reports the drift).\n"
    "REASON: torn_tail, missing_newline, bad_frame, coordinates, entry_seq,\n"
    "oversized, invalid_utf8. On a terminal, a progress line on stderr.\n"
    "\n"
    "Exit status: 0 every store is right (or was made right); 1 something is left\n"
    "unrepaired (damage in a segment, a locked store, an error on a store);\n"
    "2 could not run (bad arguments, LOGDIR missing, LOGDIR in a logdex mount:\n"
    "run it on the log dir itself).\n";

int Fail(std::string_view message) {
  std::fprintf(stderr, "logdex rebuild: %.*s\n", static_cast<int>(message.size()), message.data());
  return 2;
}

std::string StatusText(const absl::Status& s) { return std::string(s.message()); }

// The store as printed: its path in the log dir, control bytes and '\'
// escaped so that one store is one line.
std::string StoreName(std::string_view rel) {
  if (rel.empty()) return ".";
  std::string out;
  for (const char c : rel) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (u < 0x20 || u == 0x7F) {
      out += absl::StrFormat("\\x%02x", u);
    } else {
      out += c;
    }
  }
  return out;
}

std::string Sv(std::string_view s) { return std::string(s); }

// "stale; 3 rows added, 0 removed, 0 fixed; 12 rows"
std::string Changes(const PiStoreReport& r) {
  const uint64_t added = r.drift.missing ? r.rows : r.drift.missing_rows;
  return absl::StrFormat("%s; %d rows added, %d removed, %d fixed; %d rows", Sv(r.drift.kind()), added,
                         r.drift.ghost_rows, r.drift.wrong_rows, r.rows);
}

std::string Backup(const PiStoreReport& r) {
  return r.backed_up
             ? absl::StrFormat("previous copy kept as %s/%s", pf::kIndexDir, recovery::kPiBackupFile)
             : std::string("there was no previous copy to keep");
}

// The line for a store, or "" when there is nothing to say (already right).
std::string StoreLine(std::string_view rel, const PiStoreReport& r) {
  const std::string store = StoreName(rel);
  switch (r.result) {
    case PiStoreResult::kLocked:
      return absl::StrFormat("locked %s: %s; skipped, not touched", store, StatusText(r.error));
    case PiStoreResult::kFailed:
      return absl::StrFormat(
          "failed %s: %s; %s", store, StatusText(r.error),
          r.installed ? "the new index is in place, but may not be durable yet" : "index left as it was");
    default:
      break;
  }
  if (r.stop.damage) {
    std::string what;
    if (r.result == PiStoreResult::kAlreadyRight) {
      what = "the index already holds the rows before it";
    } else if (r.result == PiStoreResult::kWithheld) {
      what = absl::StrFormat(
          "index left as it was: an index ending before that line (%d rows) would let pi cut the segment "
          "there",
          r.rows);
    } else if (r.dry_run) {
      what = absl::StrFormat("would write the rows before it (%s)", Changes(r));
    } else {
      what = absl::StrFormat("rows before it written (%s); %s", Changes(r), Backup(r));
    }
    return absl::StrFormat("unrepaired %s: %s at %s/%s:%d%s, pi would %s; %s", store,
                           Sv(index::PiStopReasonName(r.stop.reason)), pf::kSegmentsDir,
                           r.stop.segment, r.stop.byte_offset,
                           r.stop.detail.empty() ? "" : " (" + r.stop.detail + ")",
                           Sv(index::PiActionName(r.stop.action)), what);
  }
  if (r.result == PiStoreResult::kRewritten) {
    if (r.dry_run) return absl::StrFormat("would-rewrite %s: %s", store, Changes(r));
    return absl::StrFormat("rewritten %s: %s; %s", store, Changes(r), Backup(r));
  }
  if (r.result == PiStoreResult::kWithheld) {  // not damage, yet pi would fail: say so
    return absl::StrFormat("unrepaired %s: index left as it was (%s)", store, Changes(r));
  }
  return "";
}

struct Tally {
  uint64_t stores = 0, right = 0, rewritten = 0, unrepaired = 0, locked = 0, failed = 0;
  void Add(const PiStoreReport& r) {
    ++stores;
    if (r.result == PiStoreResult::kLocked) {
      ++locked;
    } else if (r.result == PiStoreResult::kFailed) {
      ++failed;
    } else if (r.unrepaired()) {
      ++unrepaired;
    } else if (r.result == PiStoreResult::kRewritten) {
      ++rewritten;
    } else {
      ++right;
    }
  }
};

// "logdex rebuild: 12 pi stores: 9 already right, 2 rewritten, 1 unrepaired,
// 0 locked, 0 failed"
std::string SummaryLine(const Tally& t, bool dry_run) {
  return absl::StrFormat(
      "logdex rebuild%s: %d pi store%s: %d already right, %d %s, %d unrepaired, %d locked, %d failed%s",
      dry_run ? " --dry-run" : "", t.stores, t.stores == 1 ? "" : "s", t.right, t.rewritten,
      dry_run ? "would be rewritten" : "rewritten", t.unrepaired, t.locked, t.failed,
      dry_run ? "; nothing written" : "");
}

// Where the run is, for the progress line (written by the worker, read by
// the drawing thread).
struct Progress {
  std::atomic<uint64_t> total{0};
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> rewritten{0};
};

// Test seam for crash injection: LOGDEX_TEST_REBUILD_ABORT_AFTER=STEP (a
// recovery::RebuildStepName) aborts the process right after that step of
// the first store rewritten. Read once, here.
absl::StatusOr<recovery::RebuildStepHook> AbortSeamFromEnvironment() {
  const char* env = std::getenv("LOGDEX_TEST_REBUILD_ABORT_AFTER");
  if (env == nullptr || *env == '\0') return recovery::RebuildStepHook();
  const std::optional<recovery::RebuildStep> step = recovery::ParseRebuildStep(env);
  if (!step) {
    return absl::InvalidArgumentError(
        absl::StrCat("LOGDEX_TEST_REBUILD_ABORT_AFTER=", env, " is not a step name"));
  }
  return recovery::RebuildStepHook([target = *step](recovery::RebuildStep s) {
    if (s == target) std::abort();
  });
}

}  // namespace

const char* RebuildUsage() { return kUsage; }

int RebuildCommand(const RebuildArgs& args) {
  recovery::PiRebuildOptions options;
  options.dry_run = args.dry_run;
  const std::string& log_dir = args.log_dir;
  absl::StatusOr<recovery::RebuildStepHook> seam = AbortSeamFromEnvironment();
  if (!seam.ok()) return Fail(StatusText(seam.status()));
  options.after_step = *seam;

  // Before any stat: a path below a dead mount cannot even be stat'ed.
  if (const std::optional<std::string> mount = recovery::LogdexMountOf(log_dir)) {
    return Fail("'" + log_dir + "' is in the logdex mount at " + *mount +
                "; run it on the log dir itself (the directory that was mounted), not on the mount");
  }
  struct stat st;
  if (::stat(log_dir.c_str(), &st) != 0) {
    return Fail(errno == ENOENT ? "log dir '" + log_dir + "' does not exist"
                                : "log dir '" + log_dir + "': " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return Fail("log dir '" + log_dir + "' is not a directory");
  UniqueFd root(::open(log_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return Fail("cannot open log dir '" + log_dir + "': " + std::strerror(errno));

  const bool progress_shown = ::isatty(STDERR_FILENO) == 1;
  // Lines wait for the end when they would be drawn over by the progress line.
  const bool hold_lines = progress_shown && ::isatty(STDOUT_FILENO) == 1;
  std::vector<std::string> held;
  auto print = [&](const std::string& line) {
    if (hold_lines) {
      held.push_back(line);
    } else {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);  // a run killed later still leaves its lines
    }
  };

  Progress progress;
  Tally tally;
  bool incomplete = false;
  auto work = [&]() -> absl::Status {
    absl::StatusOr<index::LogTree> tree = index::ListLogFiles(log_dir);
    if (!tree.ok()) return tree.status();
    const uint64_t unlisted = tree->unreadable_dirs + tree->exhausted_dirs.size();
    if (unlisted > 0) {
      incomplete = true;
      print(absl::StrFormat("incomplete: %d directories could not be read; pi stores in them not checked",
                            unlisted));
    }
    progress.total = tree->pi_stores.size();
    for (const std::string& rel : tree->pi_stores) {
      const PiStoreReport r = recovery::RebuildPiStore(root.get(), rel, options);
      tally.Add(r);
      if (r.result == PiStoreResult::kRewritten) ++progress.rewritten;
      ++progress.done;
      if (std::string line = StoreLine(rel, r); !line.empty()) print(line);
    }
    return absl::OkStatus();
  };

  const absl::Time start = absl::Now();
  absl::Status s;
  if (progress_shown) {
    s = RunWithProgressLine(
        stderr,
        [&progress] {
          if (progress.total == 0) return std::string("logdex rebuild: looking for pi stores ...");
          return absl::StrFormat("logdex rebuild: %d/%d pi stores, %d rewritten", progress.done.load(),
                                 progress.total.load(), progress.rewritten.load());
        },
        work,
        [&](const absl::Status& st) {
          if (!st.ok()) return absl::StrCat("logdex rebuild: ", st.message());
          return absl::StrFormat("logdex rebuild: %d pi stores checked in %.1f s", progress.done.load(),
                                 absl::ToDoubleSeconds(absl::Now() - start));
        });
  } else {
    s = work();
  }
  if (!s.ok()) {  // the log dir itself could not be listed: nothing was done
    return Fail(StatusText(s));
  }
  for (const std::string& line : held) std::printf("%s\n", line.c_str());
  std::printf("%s\n", SummaryLine(tally, options.dry_run).c_str());
  std::fflush(stdout);
  const bool left = incomplete || tally.unrepaired > 0 || tally.locked > 0 || tally.failed > 0;
  return left ? 1 : 0;
}

}  // namespace logdex::fs
