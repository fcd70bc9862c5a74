#include "fs/verify_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "fs/progress_line.h"
#include "index/json_string.h"
#include "index/utf8.h"
#include "recovery/mount_probe.h"
#include "recovery/verify.h"

namespace logdex::fs {
namespace {

using recovery::Finding;
using recovery::FindingKind;
using recovery::PiDrift;
using recovery::PiStoreCheck;
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

// This abseil's string_view is not std::string_view: the engine's names go
// through this to reach StrCat.
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Path bytes for a terminal line: printable UTF-8 as is, the rest escaped.
std::string Shown(std::string_view text) {
  std::string out;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    const unsigned char* start = p;
    if (c >= 0x80 && index::SkipUtf8Sequence(p, end)) {
      out.append(reinterpret_cast<const char*>(start), p - start);
      continue;
    }
    ++p;
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c >= 0x7F) out += absl::StrFormat("\\x%02x", c);
    else out += static_cast<char>(c);
  }
  return out;
}

// `text` as a JSON string: bytes that are not UTF-8 become U+FFFD (as in
// status.json), so the report is always valid UTF-8.
void AppendJsonText(std::string_view text, std::string* out) {
  if (index::IsValidUtf8(text)) {
    index::AppendJsonString(text, out);
    return;
  }
  index::AppendJsonString(index::ReplaceInvalidUtf8(text), out);
}

std::string JsonText(std::string_view text) {
  std::string out;
  AppendJsonText(text, &out);
  return out;
}

std::string JsonOrNull(std::string_view text) { return text.empty() ? "null" : JsonText(text); }

template <typename T>
std::string JsonOrNull(const std::optional<T>& v) {
  return v ? absl::StrCat(*v) : "null";
}

std::string StorePath(const PiStoreCheck& s) { return s.path.empty() ? "." : s.path; }

std::string Plural(uint64_t n, std::string_view one, std::string_view many) {
  return absl::StrCat(n, " ", A(n == 1 ? one : many));
}

// Buffers the report and writes it to a descriptor; remembers a failure.
class Output {
 public:
  Output(int fd, bool line_mode, bool clear_line)
      : fd_(fd), line_mode_(line_mode), clear_line_(clear_line) {}
  std::string& buf() { return buf_; }
  // Call after each finding.
  void Maybe() {
    if (line_mode_ || buf_.size() >= (64u << 10)) Flush();
  }
  void Flush() {
    if (buf_.empty()) return;
    if (clear_line_) buf_.insert(0, "\r\x1b[K");  // erase the progress line first
    std::string_view rest = buf_;
    while (!rest.empty() && error_ == 0) {
      const ssize_t n = write(fd_, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) error_ = errno;
      else rest.remove_prefix(static_cast<size_t>(n));
    }
    buf_.clear();
  }
  int error() const { return error_; }

 private:
  const int fd_;
  const bool line_mode_;
  const bool clear_line_;
  std::string buf_;
  int error_ = 0;
};

std::string Summary(const VerifyCounts& c) {
  const index::BuildStats& s = c.stats;
  std::string out = absl::StrCat(Plural(s.log_files, "log file", "log files"), " (",
                                 Plural(s.frames, "frame", "frames"), ", ",
                                 Plural(s.bytes_scanned, "byte", "bytes"), "), ",
                                 Plural(c.pi_stores, "pi store", "pi stores"), ": ");
  std::vector<std::string> found;
  if (c.corrupt_frames() > 0) {
    std::string by;
    for (int e = 1; e < index::kFrameErrorCount; ++e) {
      if (s.errors[e] == 0) continue;
      absl::StrAppend(&by, by.empty() ? "" : ", ",
                      A(index::FrameErrorName(static_cast<index::FrameError>(e))), " ", s.errors[e]);
    }
    found.push_back(absl::StrCat(Plural(c.corrupt_frames(), "corrupt frame", "corrupt frames"),
                                 " (", by, ")"));
  }
  auto add = [&](uint64_t n, std::string_view one, std::string_view many, bool damage) {
    if (n > 0) found.push_back(Plural(n, one, many) + (damage ? "" : " (not damage)"));
  };
  add(c.of(FindingKind::kUnreadableFile), "unreadable file", "unreadable files", true);
  add(c.of(FindingKind::kUnreadableDir), "unreadable directory", "unreadable directories", true);
  add(c.pi_stores_drifted, "pi store drifted", "pi stores drifted", true);
  add(c.pi_stops_damage, "pi stop", "pi stops", true);
  add(c.of(FindingKind::kPiUnreadable), "pi store unreadable", "pi stores unreadable", true);
  add(s.torn_tails, "torn tail", "torn tails", false);
  add(c.of(FindingKind::kVanishedFile), "vanished file", "vanished files", false);
  add(c.of(FindingKind::kNonUtf8Name), "name not UTF-8", "names not UTF-8", false);
  add(c.pi_stops - c.pi_stops_damage, "pi stop at a last line", "pi stops at a last line", false);
  if (found.empty()) found.push_back("nothing found");
  for (size_t i = 0; i < found.size(); ++i) absl::StrAppend(&out, i ? ", " : "", found[i]);
  absl::StrAppend(&out, c.damage() ? ": damage found" : ": clean", " (exit ",
                  recovery::VerifyExitCode(c), ")");
  return out;
}

std::string_view ActionText(index::PiAction a) {
  switch (a) {
    case index::PiAction::kTruncate: return "truncate the segment here and quarantine later ones";
    case index::PiAction::kHeal: return "append the missing newline here";
    case index::PiAction::kFail: return "fail here, changing nothing";
    case index::PiAction::kNone: break;
  }
  return "go on";
}

// One line per finding, then the summary.
class TextReport : public recovery::FindingReporter {
 public:
  explicit TextReport(Output* out) : out_(out) {}
  void OnFinding(const Finding& f) override {
    std::string& b = out_->buf();
    absl::StrAppend(&b, Shown(f.file));
    if (f.kind == FindingKind::kUnreadableDir) b += '/';
    if (f.byte_offset) absl::StrAppend(&b, ":", *f.byte_offset);
    b += ": ";
    const recovery::PiStoreCheck* s = f.store;
    switch (f.kind) {
      case FindingKind::kCorruptFrame:
        absl::StrAppend(&b, "corrupt frame (", A(index::FrameErrorName(f.error)), "), ",
                        Plural(f.byte_length, "byte", "bytes"));
        break;
      case FindingKind::kTornTail:
        absl::StrAppend(&b, "torn tail, ", Plural(f.byte_length, "byte", "bytes"),
                        " after the last newline (not damage: a writer may be mid-append)");
        break;
      case FindingKind::kUnreadableFile:
        absl::StrAppend(&b, "unreadable file (", A(f.reason), "): ",
                        f.byte_offset ? "not checked from here" : "not checked");
        break;
      case FindingKind::kVanishedFile:
        absl::StrAppend(&b, "vanished file (", A(f.reason), ") (not damage)");
        break;
      case FindingKind::kUnreadableDir:
        absl::StrAppend(&b, "unreadable directory (", A(f.reason), "): not checked");
        break;
      case FindingKind::kNonUtf8Name:
        b += "name not UTF-8: shown by the mount, not indexed (not damage)";
        break;
      case FindingKind::kPiDrift:
        if (s->drift->missing) {
          absl::StrAppend(&b, "pi drift (missing): no offsets.jsonl; pi's rebuild would write ",
                          Plural(s->derived_rows, "row", "rows"));
        } else {
          const PiDrift& d = *s->drift;
          absl::StrAppend(&b, "pi drift (", A(d.kind()), "): ", d.missing_rows, " missing, ",
                          d.ghost_rows, " ghost, ", d.wrong_rows, " wrong rows",
                          d.blank_lines > 0 ? absl::StrCat(", ", d.blank_lines, " blank lines") : "",
                          " (", d.backing_rows, " rows here, pi's rebuild writes ", d.derived_rows,
                          s->stop && s->stop->reason != index::PiStopReason::kNone
                              ? ", up to the pi stop below)"
                              : ")");
        }
        break;
      case FindingKind::kPiStop:
        absl::StrAppend(&b, "pi stop (", A(index::PiStopReasonName(s->stop->reason)),
                        "): pi's rebuild would ", A(ActionText(s->stop->action)),
                        f.damage ? "" : " (not damage: a writer may be mid-append)");
        break;
      case FindingKind::kPiUnreadable:
        absl::StrAppend(&b, "pi store unreadable (", A(f.reason), "): not checked");
        break;
    }
    b += '\n';
    out_->Maybe();
  }
  void Finish(const VerifyCounts& c) {
    absl::StrAppend(&out_->buf(), "summary: ", Summary(c), "\n");
    out_->Flush();
  }

 private:
  Output* const out_;
};

// One JSON object: the opening, the findings streamed, then the rest.
class JsonReport : public recovery::FindingReporter {
 public:
  JsonReport(Output* out, std::string_view log_dir) : out_(out), log_dir_(log_dir) {}
  void OnFinding(const Finding& f) override {
    Open();
    std::string& b = out_->buf();
    absl::StrAppend(&b, findings_++ ? ",\n" : "\n", "{\"kind\":\"", A(FindingKindName(f.kind)),
                    "\",\"damage\":", f.damage ? "true" : "false", ",\"file\":", JsonText(f.file));
    if (!index::IsValidUtf8(f.file)) {
      b += ",\"file_hex\":\"";
      for (unsigned char c : f.file) absl::StrAppend(&b, absl::Hex(c, absl::kZeroPad2));
      b += '"';
    }
    absl::StrAppend(&b, ",\"byte_offset\":", JsonOrNull(f.byte_offset));
    const recovery::PiStoreCheck* s = f.store;
    switch (f.kind) {
      case FindingKind::kCorruptFrame:
        absl::StrAppend(&b, absl::StrFormat(",\"byte_length\":%d,\"crc32c\":\"%08X\"",
                                            f.byte_length, f.crc32c),
                        ",\"source\":\"", A(index::SourceName(f.source)), "\",\"error\":\"",
                        A(index::FrameErrorName(f.error)), "\"");
        break;
      case FindingKind::kTornTail:
        absl::StrAppend(&b, ",\"byte_length\":", f.byte_length);
        break;
      case FindingKind::kUnreadableFile:
      case FindingKind::kVanishedFile:
      case FindingKind::kUnreadableDir:
        absl::StrAppend(&b, ",\"reason\":", JsonText(f.reason));
        break;
      case FindingKind::kNonUtf8Name:
        break;
      case FindingKind::kPiUnreadable:
        absl::StrAppend(&b, ",\"store\":", JsonText(StorePath(*s)), ",\"reason\":", JsonText(f.reason));
        break;
      case FindingKind::kPiDrift:
        absl::StrAppend(&b, ",\"store\":", JsonText(StorePath(*s)), ",\"drift\":\"",
                        A(s->drift->kind()), "\",\"backing_rows\":", s->drift->backing_rows,
                        ",\"derived_rows\":", s->drift->derived_rows,
                        ",\"missing_rows\":", s->drift->missing_rows,
                        ",\"ghost_rows\":", s->drift->ghost_rows,
                        ",\"wrong_rows\":", s->drift->wrong_rows,
                        ",\"blank_lines\":", s->drift->blank_lines);
        break;
      case FindingKind::kPiStop:
        absl::StrAppend(&b, ",\"store\":", JsonText(StorePath(*s)), ",\"reason\":\"",
                        A(index::PiStopReasonName(s->stop->reason)), "\",\"action\":\"",
                        A(index::PiActionName(s->stop->action)),
                        "\",\"segment_seq\":", s->stop->segment_seq);
        break;
    }
    b += '}';
    out_->Maybe();
  }
  // Held until the findings are closed: small, one per store.
  void OnPiStore(const PiStoreCheck& s) override {
    absl::StrAppend(&stores_, stores_.empty() ? "\n" : ",\n", "{\"path\":", JsonText(StorePath(s)),
                    ",\"backing\":\"", A(recovery::BackingStateName(s.backing)),
                    "\",\"backing_error\":", JsonOrNull(s.backing_error),
                    ",\"error\":", JsonOrNull(s.error),
                    ",\"segments_error\":", JsonOrNull(s.segments_error),
                    ",\"derived_rows\":", s.derived_rows, ",\"drift\":");
    if (const auto& d = s.drift) {
      absl::StrAppend(&stores_, "{\"kind\":\"", A(d->kind()), "\",\"differs\":",
                      d->differs() ? "true" : "false", ",\"missing\":", d->missing ? "true" : "false",
                      ",\"backing_rows\":", d->backing_rows, ",\"derived_rows\":", d->derived_rows,
                      ",\"missing_rows\":", d->missing_rows, ",\"ghost_rows\":", d->ghost_rows,
                      ",\"wrong_rows\":", d->wrong_rows, ",\"blank_lines\":", d->blank_lines,
                      ",\"first_difference\":", JsonOrNull(d->first_difference), "}");
    } else {
      stores_ += "null";
    }
    stores_ += ",\"stop\":";
    if (const auto& p = s.stop) {
      const bool none = p->reason == index::PiStopReason::kNone;
      absl::StrAppend(&stores_, "{\"reason\":\"", A(index::PiStopReasonName(p->reason)),
                      "\",\"action\":\"", A(index::PiActionName(p->action)),
                      "\",\"segment\":", none ? "null" : JsonText(p->segment),
                      ",\"segment_seq\":", none ? "null" : absl::StrCat(p->segment_seq),
                      ",\"byte_offset\":", none ? "null" : absl::StrCat(p->byte_offset),
                      ",\"damage\":", p->damage ? "true" : "false", "}");
    } else {
      stores_ += "null";
    }
    absl::StrAppend(&stores_, ",\"damage\":", s.damage() ? "true" : "false", "}");
  }
  void Finish(const VerifyCounts& c) {
    Open();
    const index::BuildStats& s = c.stats;
    std::string& b = out_->buf();
    absl::StrAppend(&b, findings_ ? "\n" : "", "],\"pi_stores\":[", stores_,
                    stores_.empty() ? "" : "\n", "],\"counts\":{");
    absl::StrAppend(&b, "\"log_files\":", s.log_files, ",\"frames\":", s.frames,
                    ",\"bytes\":", s.bytes_scanned, ",\"corrupt_frames\":", c.corrupt_frames(),
                    ",\"corrupt_frames_by_error\":{");
    for (int e = 1; e < index::kFrameErrorCount; ++e) {
      absl::StrAppend(&b, e > 1 ? "," : "", "\"",
                      A(index::FrameErrorName(static_cast<index::FrameError>(e))), "\":", s.errors[e]);
    }
    absl::StrAppend(&b, "},\"torn_tails\":", s.torn_tails, ",\"torn_tail_bytes\":", s.torn_tail_bytes,
                    ",\"unreadable_files\":", c.of(FindingKind::kUnreadableFile),
                    ",\"vanished_files\":", c.of(FindingKind::kVanishedFile),
                    ",\"unreadable_dirs\":", c.of(FindingKind::kUnreadableDir),
                    ",\"non_utf8_names\":", c.of(FindingKind::kNonUtf8Name),
                    ",\"pi_stores\":", c.pi_stores, ",\"pi_stores_drifted\":", c.pi_stores_drifted,
                    ",\"pi_stores_unreadable\":", c.of(FindingKind::kPiUnreadable),
                    ",\"pi_stops\":", c.pi_stops, ",\"pi_stops_damage\":", c.pi_stops_damage);
    uint64_t all = 0;
    for (uint64_t n : c.findings) all += n;
    absl::StrAppend(&b, ",\"findings\":", all, ",\"damage_findings\":", c.damage_findings,
                    "},\"damage\":", c.damage() ? "true" : "false",
                    ",\"summary\":", JsonText(Summary(c)),
                    ",\"exit_code\":", recovery::VerifyExitCode(c), "}\n");
    out_->Flush();
  }

 private:
  // Written with the first finding, so a run that fails first writes nothing.
  void Open() {
    if (opened_) return;
    opened_ = true;
    absl::StrAppend(&out_->buf(), "{\"log_dir\":", JsonText(log_dir_), ",\"findings\":[");
  }

  Output* const out_;
  const std::string log_dir_;
  bool opened_ = false;
  uint64_t findings_ = 0;
  std::string stores_;
};

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

int VerifyCommand(const std::vector<std::string>& args, const VerifyIo& io) {
  bool json = false;
  std::string log_dir;
  int positional = 0;
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--json") {
      json = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return Fail(io, "unknown flag '" + Shown(a) + "' (see logdex verify --help)");
    } else {
      log_dir = a;
      ++positional;
    }
  }
  if (positional != 1) return Fail(io, "needs exactly one LOGDIR (see logdex verify --help)");
  const std::string shown = "'" + Shown(log_dir) + "'";
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
                                            : " is inside the logdex mount at '" + Shown(*mount) + "'") +
                        ": run verify on the log dir itself (the LOGDIR given to logdex mount)");
  }
  const int probe = open(log_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (probe < 0) return Fail(io, "cannot read log dir " + shown + ": " + std::strerror(errno));
  close(probe);

  Output out(io.out_fd, /*line_mode=*/io.out_is_tty, /*clear_line=*/io.progress && io.out_is_tty);
  std::optional<TextReport> text;
  std::optional<JsonReport> json_report;
  recovery::FindingReporter* reporter;
  if (json) {
    reporter = &json_report.emplace(&out, log_dir);
  } else {
    reporter = &text.emplace(&out);
  }
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
  if (json) {
    json_report->Finish(*counts);
  } else {
    text->Finish(*counts);
  }
  if (out.error() != 0) return Fail(io, std::string("cannot write the report: ") + std::strerror(out.error()));
  return recovery::VerifyExitCode(*counts);
}

int VerifyCommand(const std::vector<std::string>& args) {
  VerifyIo io;
  io.progress = ::isatty(STDERR_FILENO) == 1;
  io.out_is_tty = ::isatty(STDOUT_FILENO) == 1;
  return VerifyCommand(args, io);
}

}  // namespace logdex::fs
