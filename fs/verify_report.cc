// `logdex verify`'s two reports, text and JSON (verify_report.h).
#include "fs/verify_report.h"

#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "index/json_string.h"
#include "index/utf8.h"

namespace logdex::fs {
namespace {

using recovery::Finding;
using recovery::FindingKind;
using recovery::PiDrift;
using recovery::PiStoreCheck;
using recovery::VerifyCounts;

// This abseil's string_view is not std::string_view: the engine's names go
// through this to reach StrCat.
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

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
  add(c.of(FindingKind::kDamagedLz4), "damaged lz4 file", "damaged lz4 files", true);
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
class TextReport : public VerifyReport {
 public:
  explicit TextReport(VerifyOutput* out) : out_(out) {}
  void OnFinding(const Finding& f) override {
    std::string& b = out_->buf();
    absl::StrAppend(&b, ShownText(f.file));
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
      case FindingKind::kDamagedLz4:
        absl::StrAppend(&b, "damaged lz4 (", A(f.reason), "): ",
                        Plural(f.byte_length, "decompressed byte", "decompressed bytes"),
                        " readable, checked; the rest not");
        break;
    }
    b += '\n';
    out_->Maybe();
  }
  void Finish(const VerifyCounts& c) override {
    absl::StrAppend(&out_->buf(), "summary: ", Summary(c), "\n");
    out_->Flush();
  }

 private:
  VerifyOutput* const out_;
};

// One JSON object: the opening, the findings streamed, then the rest.
class JsonReport : public VerifyReport {
 public:
  JsonReport(VerifyOutput* out, std::string_view log_dir) : out_(out), log_dir_(log_dir) {}
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
      case FindingKind::kDamagedLz4:
        absl::StrAppend(&b, ",\"reason\":", JsonText(f.reason), ",\"readable_bytes\":", f.byte_length);
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
  void Finish(const VerifyCounts& c) override {
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
                    ",\"damaged_lz4_files\":", c.of(FindingKind::kDamagedLz4),
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

  VerifyOutput* const out_;
  const std::string log_dir_;
  bool opened_ = false;
  uint64_t findings_ = 0;
  std::string stores_;
};

}  // namespace

std::string ShownText(std::string_view text) {
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

void VerifyOutput::Flush() {
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

std::unique_ptr<VerifyReport> NewVerifyTextReport(VerifyOutput* out) {
  return std::make_unique<TextReport>(out);
}

std::unique_ptr<VerifyReport> NewVerifyJsonReport(VerifyOutput* out, std::string_view log_dir) {
  return std::make_unique<JsonReport>(out, log_dir);
}

}  // namespace logdex::fs
