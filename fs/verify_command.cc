// `logdex verify LOGDIR [--json]`: the arguments, the checks that the log
// dir can be verified, the progress line, and the exit code; the engine is
// recovery/verify.h, the two reports fs/verify_report.h.
#include "fs/verify_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "fs/progress_line.h"
#include "fs/verify_report.h"
#include "recovery/mount_probe.h"
#include "recovery/verify.h"

namespace logdex::fs {
namespace {

using recovery::VerifyCounts;

constexpr char kUsage[] =
    "usage: logdex verify LOGDIR [--json]\n"
    "\n"
    "Checks LOGDIR without a mount and without changing a byte: every frame of\n"
    "every log file (what `logdex index` checks), and every pi store's\n"
    "index/offsets.jsonl against the rows pi's own rebuild_index would write.\n"
    "Prints one line per finding, FILE[:OFFSET]: WHAT, then a summary line:\n"
    "  corrupt frame (ERROR)  a line whose index row is corrupt; ERROR is json,\n"
    "                         oversized, schema, payload_hash or payload_bytes\n"
    "  torn tail              bytes after a file's last newline       (not damage:\n"
    "                         a writer may be mid-append)\n"
    "  unreadable file / dir  could not be opened or read, so not checked\n"
    "  vanished file          deleted or replaced while verify ran    (not damage)\n"
    "  name not UTF-8         a log file the mount shows but never indexes\n"
    "                         (SPEC §1)                               (not damage)\n"
    "  pi drift (KIND)        offsets.jsonl differs from pi's rebuild: missing\n"
    "                         (no file), stale (rows missing), ghost_rows,\n"
    "                         wrong_rows (offsets, length, CRC or id wrong),\n"
    "                         blank_lines (blank lines pi skips)\n"
    "  pi stop (REASON)       pi's rebuild would stop at this segment line and\n"
    "                         truncate, heal or fail there; not damage only for\n"
    "                         a torn or unterminated last line of the last segment\n"
    "  pi store unreadable    a store's segments or offsets.jsonl cannot be read\n"
    "Path bytes that are not printable UTF-8 are shown as \\xNN (\\n, \\t, \\r, \\\\).\n"
    "On a terminal a progress line is drawn on stderr.\n"
    "\n"
    "  --json  print one JSON object instead, findings streamed as found:\n"
    "    log_dir      LOGDIR as given\n"
    "    findings     array, in order: skipped paths, log files (canonical\n"
    "                 order, by offset), pi stores. Each has kind\n"
    "                 (corrupt_frame, torn_tail, unreadable_file, vanished_file,\n"
    "                 unreadable_dir, non_utf8_name, pi_drift, pi_stop,\n"
    "                 pi_unreadable), damage (bool), file (relative to LOGDIR;\n"
    "                 bytes that are not UTF-8 become U+FFFD, and then file_hex\n"
    "                 holds the exact bytes in hex), byte_offset (number or null);\n"
    "                 corrupt_frame: byte_length, crc32c, source, error;\n"
    "                 torn_tail: byte_length; unreadable_*, vanished_file,\n"
    "                 pi_unreadable: reason; pi_*: store (its path);\n"
    "                 pi_drift: drift (its kind), backing_rows, derived_rows,\n"
    "                 missing_rows, ghost_rows, wrong_rows, blank_lines;\n"
    "                 pi_stop: reason, action (truncate, heal, fail), segment_seq\n"
    "    pi_stores    array, by path: path (\".\" = LOGDIR itself), backing\n"
    "                 (present, missing, unreadable), backing_error, error,\n"
    "                 segments_error (string or null), derived_rows, drift (null\n"
    "                 if not compared, else kind: ok/missing/stale/ghost_rows/\n"
    "                 wrong_rows/blank_lines, differs, missing, backing_rows,\n"
    "                 derived_rows, missing_rows, ghost_rows, wrong_rows,\n"
    "                 blank_lines, first_difference: byte offset or null),\n"
    "                 stop (null if not known, else reason, action, segment,\n"
    "                 segment_seq, byte_offset, damage), damage\n"
    "    counts       log_files, frames, bytes, corrupt_frames,\n"
    "                 corrupt_frames_by_error {json, oversized, schema,\n"
    "                 payload_hash, payload_bytes}, torn_tails, torn_tail_bytes,\n"
    "                 unreadable_files, vanished_files, unreadable_dirs,\n"
    "                 non_utf8_names, pi_stores, pi_stores_drifted,\n"
    "                 pi_stores_unreadable, pi_stops, pi_stops_damage, findings,\n"
    "                 damage_findings\n"
    "    damage       whether anything found is damage\n"
    "    summary      the summary line\n"
    "    exit_code    0 or 1, as below\n"
    "\n"
    "Exit status: 0 clean (nothing found, or only what is marked not damage),\n"
    "1 damage or drift found, 2 could not run: bad arguments, LOGDIR missing,\n"
    "not a directory or unreadable, LOGDIR inside a logdex mount (run verify on\n"
    "the log dir itself), or the report could not be written.\n";

std::string ProgressText(const recovery::VerifyProgress& p) {
  const uint64_t files = p.files_done.load(), files_total = p.files_total.load();
  const uint64_t bytes = p.bytes_done.load(), bytes_total = p.bytes_total.load();
  const uint64_t findings = p.findings.load();
  if (files_total > 0 && files < files_total) {
    const uint64_t percent = bytes_total == 0 ? 100 * files / files_total
                                              : std::min<uint64_t>(100, 100 * bytes / bytes_total);
    return absl::StrFormat("logdex verify: %d/%d files, %.1f/%.1f MB (%d%%), %d findings", files,
                           files_total, bytes / 1e6, bytes_total / 1e6, percent, findings);
  }
  if (p.pi_stores_total.load() > 0) {
    return absl::StrFormat("logdex verify: pi stores %d/%d, %d findings", p.pi_stores_done.load(),
                           p.pi_stores_total.load(), findings);
  }
  return "logdex verify: listing the log dir ...";
}

int Fail(const VerifyIo& io, const std::string& message) {
  std::fprintf(io.err, "logdex verify: %s\n", message.c_str());
  return 2;
}

}  // namespace

const char* VerifyUsage() { return kUsage; }

int VerifyCommand(const VerifyArgs& args, const VerifyIo& io) {
  const bool json = args.json;
  const std::string& log_dir = args.log_dir;
  const std::string shown = "'" + ShownText(log_dir) + "'";
  struct stat st;
  if (::stat(log_dir.c_str(), &st) != 0) {
    return Fail(io, errno == ENOENT ? "log dir " + shown + " does not exist"
                                    : "log dir " + shown + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return Fail(io, "log dir " + shown + " is not a directory");
  if (std::optional<std::string> mount = recovery::LogdexMountOf(log_dir)) {
    char* real = ::realpath(log_dir.c_str(), nullptr);
    const bool is_mount_point = real != nullptr && *mount == real;
    std::free(real);
    return Fail(io, shown + (is_mount_point ? " is a logdex mount"
                                            : " is inside the logdex mount at '" + ShownText(*mount) + "'") +
                        ": run verify on the log dir itself (the LOGDIR given to logdex mount)");
  }
  const int probe = open(log_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (probe < 0) return Fail(io, "cannot read log dir " + shown + ": " + std::strerror(errno));
  close(probe);

  VerifyOutput out(io.out_fd, /*line_mode=*/io.out_is_tty, /*clear_line=*/io.progress && io.out_is_tty);
  const std::unique_ptr<VerifyReport> report =
      json ? NewVerifyJsonReport(&out, log_dir) : NewVerifyTextReport(&out);
  recovery::FindingReporter* const reporter = report.get();
  recovery::VerifyProgress progress;
  recovery::VerifyOptions options;
  options.progress = &progress;
  absl::StatusOr<VerifyCounts> counts;
  auto work = [&]() -> absl::Status {
    counts = recovery::VerifyLogDir(log_dir, options, reporter);
    return counts.status();
  };
  if (io.progress) {
    const absl::Time start = absl::Now();
    RunWithProgressLine(  // work()'s status is `counts`, checked below
        io.err, [&] { return ProgressText(progress); }, work,
        [&](const absl::Status& s) -> std::string {
          if (!s.ok()) return "logdex verify: failed: " + std::string(s.message());
          return absl::StrFormat("logdex verify: checked %d files (%.1f MB) and %d pi stores in %.1f s",
                                 progress.files_done.load(), progress.bytes_done.load() / 1e6,
                                 progress.pi_stores_done.load(),
                                 absl::ToDoubleSeconds(absl::Now() - start));
        })
        .IgnoreError();
  } else {
    work().IgnoreError();
  }
  if (!counts.ok()) return Fail(io, std::string(counts.status().message()));
  report->Finish(*counts);
  if (out.error() != 0) return Fail(io, std::string("cannot write the report: ") + std::strerror(out.error()));
  return recovery::VerifyExitCode(*counts);
}

int VerifyCommand(const VerifyArgs& args) {
  VerifyIo io;
  io.progress = ::isatty(STDERR_FILENO) == 1;
  io.out_is_tty = ::isatty(STDOUT_FILENO) == 1;
  return VerifyCommand(args, io);
}

}  // namespace logdex::fs
