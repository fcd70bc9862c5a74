// The summary reads status.json with simdjson through MountStatus's JSON
// pointers; a field it does not find is shown as "?" (an older or newer
// daemon may write other fields), never guessed.
#include "fs/status_command.h"

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fs/logdex_mount.h"
#include "fs/verify_report.h"

namespace logdex::fs {
namespace {

std::string N(std::optional<uint64_t> v) { return v ? absl::StrCat(*v) : "?"; }
// Strings from status.json (paths, messages) as one printable line each.
std::string S(const std::optional<std::string>& v) { return v ? ShownText(*v) : "?"; }

std::string UnixTime(std::optional<uint64_t> seconds) {
  if (!seconds) return "never";
  return absl::FormatTime(absl::RFC3339_sec, absl::FromUnixSeconds(static_cast<int64_t>(*seconds)),
                          absl::UTCTimeZone());
}

// The members of the object at `pointer` as (key, element), in order.
std::vector<std::pair<std::string, simdjson::dom::element>> Members(const MountStatus& st,
                                                                    std::string_view pointer) {
  std::vector<std::pair<std::string, simdjson::dom::element>> out;
  std::optional<simdjson::dom::element> e = st.At(pointer);
  simdjson::dom::object obj;
  if (!e || e->get_object().get(obj)) return out;
  for (auto field : obj) out.emplace_back(std::string(field.key), field.value);
  return out;
}

uint64_t UintOf(simdjson::dom::element e, std::string_view key) {
  uint64_t v = 0;
  if (e[key].get_uint64().get(v)) return 0;
  return v;
}

// frames is a number, or (in some versions) an object with a total.
std::optional<uint64_t> Frames(const MountStatus& st) {
  if (std::optional<uint64_t> n = st.Uint("/frames")) return n;
  return st.Uint("/frames/total");
}

}  // namespace

std::string StatusSummary(const std::string& mountpoint, const MountStatus& st, int* exit_code) {
  std::string out;
  auto line = [&out](std::string_view label, const std::string& text) {
    absl::StrAppendFormat(&out, "  %-11s %s\n", label, text);
  };
  const std::string health = S(st.String("/health"));
  absl::StrAppendFormat(&out, "%s: %s\n", ShownText(mountpoint), health);
  line("daemon", absl::StrFormat("pid %s, mounted %s, log dir %s", N(st.Uint("/pid")),
                                 S(st.String("/mounted_at")), S(st.String("/log_dir"))));

  const std::string state = S(st.String("/index/state"));
  if (state == "ready") {
    line("index", absl::StrFormat("ready: %s files, %s frames, %s bytes; version %s, %s "
                                  "regenerations, last change %s",
                                  N(st.Uint("/log_files")), N(Frames(st)),
                                  N(st.Uint("/index/size_bytes")), N(st.Uint("/index/version")),
                                  N(st.Uint("/index/regenerations")),
                                  S(st.String("/index/changed_at"))));
  } else if (state == "building") {
    line("index", absl::StrFormat("building: %s/%s files, %s/%s bytes",
                                  N(st.Uint("/build_progress/files_done")),
                                  N(st.Uint("/build_progress/files_total")),
                                  N(st.Uint("/build_progress/bytes_done")),
                                  N(st.Uint("/build_progress/bytes_total"))));
  } else if (state == "not_built") {
    line("index", "not built yet (built on first use of index.ndjson)");
  } else {
    const std::optional<std::string> error = st.String("/index/last_error");
    line("index", state + (error ? ": " + ShownText(*error) : ""));
  }

  uint64_t corrupt = 0;
  std::vector<std::string> by_source;
  for (const auto& [source, counts] : Members(st, "/rows")) {
    const uint64_t c = UintOf(counts, "corrupt");
    corrupt += c;
    by_source.push_back(
        absl::StrFormat("%s %d active, %d corrupt", ShownText(source), UintOf(counts, "active"), c));
  }
  line("rows", by_source.empty() ? "?" : absl::StrJoin(by_source, "; "));
  std::vector<std::string> by_error;
  for (const auto& [error, count] : Members(st, "/corrupt_by_error")) {
    uint64_t n = 0;
    if (!count.get_uint64().get(n) && n > 0) by_error.push_back(absl::StrFormat("%s %d", ShownText(error), n));
  }
  line("corrupt", by_error.empty() ? absl::StrCat(corrupt)
                                   : absl::StrCat(corrupt, " (", absl::StrJoin(by_error, ", "), ")"));
  line("torn tails", absl::StrFormat("%s (%s bytes; a writer may be mid-append)",
                                     N(st.Uint("/torn_tails")), N(st.Uint("/torn_tail_bytes"))));
  const uint64_t unreadable = st.Uint("/skipped/unreadable").value_or(0);
  const uint64_t lz4_damaged = st.Uint("/skipped/lz4_damaged").value_or(0);
  line("skipped", absl::StrFormat(
                      "%s files (non-UTF-8 names %s, unreadable %s, not in sources %s, "
                      "damaged .lz4 %s)",
                      N(st.Uint("/skipped/total")), N(st.Uint("/skipped/non_utf8_names")),
                      N(st.Uint("/skipped/unreadable")), N(st.Uint("/skipped/source_filtered")),
                      N(st.Uint("/skipped/lz4_damaged"))));

  std::string cache = S(st.String("/cache/start"));
  if (!st.String("/cache/start")) cache = "not opened yet";
  if (std::optional<std::string> detail = st.String("/cache/detail"); detail && !detail->empty()) {
    cache += " (" + ShownText(*detail) + ")";
  }
  absl::StrAppendFormat(&cache, "; last save %s, %s saves, %s errors", UnixTime(st.Uint("/cache/last_save")),
                        N(st.Uint("/cache/saves")), N(st.Uint("/cache/save_errors")));
  if (std::optional<std::string> e = st.String("/cache/last_save_error")) cache += ", last error: " + ShownText(*e);
  absl::StrAppend(&cache, "; ", S(st.String("/cache_dir")));
  line("cache", cache);

  const uint64_t drifted = st.Uint("/pi/drifted").value_or(0);
  const uint64_t pi_damaged = st.Uint("/pi/damaged").value_or(0);
  std::vector<std::string> kinds;
  for (const auto& [kind, count] : Members(st, "/pi/drift_by_kind")) {
    uint64_t n = 0;
    if (!count.get_uint64().get(n) && n > 0) kinds.push_back(absl::StrFormat("%s %d", ShownText(kind), n));
  }
  // Stores not looked at yet (the refresher gets to them within a second)
  // are not in the counts: say so rather than show a store-less log dir.
  const uint64_t pending = st.Uint("/pi/pending").value_or(0);
  line("pi stores", absl::StrFormat("%s%s: %d drifted%s, %s stopped, %d damaged", N(st.Uint("/pi/stores")),
                                    pending == 0 ? "" : absl::StrFormat(" (+%d not looked at yet)", pending),
                                    drifted, kinds.empty() ? "" : " (" + absl::StrJoin(kinds, ", ") + ")",
                                    N(st.Uint("/pi/stopped")), pi_damaged));

  // Session views (SPEC §10): null until the index is open.
  if (std::optional<uint64_t> files = st.Uint("/sessions/files")) {
    const uint64_t without = st.Uint("/sessions/ids_without_file").value_or(0);
    line("sessions", absl::StrFormat("%d%s", *files,
                                     without == 0 ? "" : absl::StrFormat(" (%d ids without a file)", without)));
  } else {
    line("sessions", "- (index not open yet)");
  }

  uint64_t warnings = 0;
  std::optional<simdjson::dom::element> list = st.At("/warnings");
  simdjson::dom::array array;
  if (list && !list->get_array().get(array)) {
    for (simdjson::dom::element w : array) {
      ++warnings;
      std::string_view kind = "?", message = "?", since = "?";
      if (w["kind"].get_string().get(kind)) kind = "?";
      if (w["message"].get_string().get(message)) message = "?";
      if (w["since"].get_string().get(since)) since = "?";
      line("warning", absl::StrFormat("%s: %s (%d times since %s)", ShownText(kind), ShownText(message),
                                      UintOf(w, "count"), ShownText(since)));
    }
  }

  std::vector<std::string> damage;
  if (corrupt > 0) damage.push_back(absl::StrFormat("%d corrupt row%s", corrupt, corrupt == 1 ? "" : "s"));
  if (unreadable > 0) damage.push_back(absl::StrFormat("%d unreadable file%s", unreadable, unreadable == 1 ? "" : "s"));
  if (lz4_damaged > 0) {
    damage.push_back(absl::StrFormat("%d damaged .lz4 file%s", lz4_damaged, lz4_damaged == 1 ? "" : "s"));
  }
  if (drifted > 0) damage.push_back(absl::StrFormat("%d pi store%s drifted", drifted, drifted == 1 ? "" : "s"));
  if (pi_damaged > 0) damage.push_back(absl::StrFormat("%d pi store%s stopped by damage", pi_damaged, pi_damaged == 1 ? "" : "s"));
  if (warnings > 0) damage.push_back(absl::StrFormat("%d warning%s", warnings, warnings == 1 ? "" : "s"));
  if (health != "ok" && warnings == 0) damage.push_back("health " + health);
  const bool healthy = damage.empty();
  line("verdict", healthy ? "healthy" : absl::StrJoin(damage, ", "));
  *exit_code = healthy ? kStatusHealthy : kStatusDamageOrWarnings;
  return out;
}

int StatusCommand(const StatusArgs& args) {
  auto fail = [](absl::string_view message) {
    std::fprintf(stderr, "logdex status: %.*s\n", static_cast<int>(message.size()), message.data());
    return kStatusNotALogdexMount;
  };
  absl::StatusOr<LogdexMount> mount = FindLogdexMount(args.mountpoint);
  if (!mount.ok()) return fail(mount.status().message());
  if (mount->dead) {
    return fail(absl::StrFormat("'%s' is a logdex mount whose daemon is gone (transport endpoint not "
                                "connected); unmount it with fusermount3 -u and mount again",
                                args.mountpoint));
  }
  absl::StatusOr<MountStatus> status = MountStatus::Read(mount->mountpoint);
  if (!status.ok()) return fail(status.status().message());
  int code = kStatusHealthy;
  const std::string summary = StatusSummary(mount->mountpoint, *status, &code);
  const std::string& text = args.json ? status->text() : summary;
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (std::fflush(stdout) != 0) return fail("cannot write to stdout");
  return code;
}

}  // namespace logdex::fs
