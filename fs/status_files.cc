#include "fs/status_files.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "index/json_string.h"
#include "index/row.h"
#include "index/utf8.h"

namespace logdex::fs {
namespace {

using index::BuildStats;
using index::FrameError;
using index::Source;

absl::string_view Name(Source s) {
  std::string_view n = index::SourceName(s);
  return absl::string_view(n.data(), n.size());
}
absl::string_view Name(FrameError e) {
  std::string_view n = index::FrameErrorName(e);
  return absl::string_view(n.data(), n.size());
}

// Appends `text` as a JSON string, replacing bytes that are not UTF-8.
void AppendJson(absl::string_view text, std::string* out) {
  std::string clean;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char* start = p;
    if (*p < 0x80) {
      ++p;
    } else if (!index::SkipUtf8Sequence(p, end)) {
      clean += "\xEF\xBF\xBD";  // U+FFFD
      ++p;
      continue;
    }
    clean.append(reinterpret_cast<const char*>(start), p - start);
  }
  index::AppendJsonString(std::string_view(clean), out);
}

std::string JsonString(absl::string_view text) {
  std::string out;
  AppendJson(text, &out);
  return out;
}

std::string SourceList(const index::ScanOptions& scan) {
  std::string out;
  for (int s = 0; s < index::kSourceCount; ++s) {
    if (!scan.sources[s]) continue;
    absl::StrAppend(&out, out.empty() ? "" : ",", Name(static_cast<Source>(s)));
  }
  return out;
}

std::string Rfc3339(absl::Time t) {
  return JsonString(absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone()));
}

std::string Rfc3339(const struct timespec& ts) { return Rfc3339(absl::TimeFromTimespec(ts)); }

bool IsOpen(const IndexReport& r) { return r.state == IndexState::kReady; }

std::string RenderCache(const StatusInputs& in) {
  const IndexReport& r = in.index;
  const MountConfig& c = *in.config;
  std::string start = "null", detail = "null";
  uint64_t rows_checked = 0, files_rescanned = 0;
  double load_seconds = 0;
  if (r.start) {
    std::string_view kind = recovery::StartKindName(r.start->kind);
    start = JsonString(absl::string_view(kind.data(), kind.size()));
    detail = JsonString(r.start->detail);
    rows_checked = r.start->rows_checked;
    files_rescanned = r.start->files_rescanned;
    load_seconds = r.start->seconds;
  }
  return absl::StrFormat(
      "{\"dir\": %s, \"verify\": \"%s\", \"start\": %s, \"detail\": %s, "
      "\"rows_checked\": %d, \"files_rescanned\": %d, \"load_seconds\": %.6f, "
      "\"last_save\": %s, \"saves\": %d, \"save_errors\": %d, \"last_save_error\": %s, "
      "\"save_interval_seconds\": %d}",
      JsonString(c.cache_dir), VerifyModeName(c.verify), start, detail, rows_checked,
      files_rescanned, load_seconds,
      r.last_save ? absl::StrCat(absl::ToUnixSeconds(*r.last_save)) : "null", r.saves,
      r.save_errors, r.last_save_error.empty() ? "null" : JsonString(r.last_save_error),
      c.save_interval_seconds);
}

std::string RenderOptions(const MountConfig& c) {
  std::string fuse;
  for (const std::string& o : c.fuse_options) {
    absl::StrAppend(&fuse, fuse.empty() ? "" : ", ", JsonString(o));
  }
  return absl::StrFormat(
      "{\n    \"ro\": %s,\n    \"sources\": %s,\n    \"verify\": \"%s\",\n"
      "    \"cache_dir\": %s,\n    \"save_interval\": %d,\n    \"foreground\": %s,\n"
      "    \"fuse_options\": [%s]\n  }",
      c.read_only ? "true" : "false", JsonString(SourceList(c.scan)),
      VerifyModeName(c.verify), JsonString(c.cache_dir), c.save_interval_seconds,
      c.foreground ? "true" : "false", fuse);
}

}  // namespace

std::string RenderStatusJson(const StatusInputs& in) {
  const IndexReport& r = in.index;
  const BuildStats& st = r.stats;  // zeros until the index is open
  const MountConfig& c = *in.config;
  std::string rows;
  for (int s = 0; s < index::kSourceCount; ++s) {
    absl::StrAppendFormat(&rows, "%s\n    \"%s\": {\"active\": %d, \"corrupt\": %d}",
                          s == 0 ? "" : ",", Name(static_cast<Source>(s)),
                          st.rows[s][0], st.rows[s][1]);
  }
  std::string errors;
  for (int e = 1; e < index::kFrameErrorCount; ++e) {
    absl::StrAppendFormat(&errors, "%s\n    \"%s\": %d", e == 1 ? "" : ",",
                          Name(static_cast<FrameError>(e)), st.errors[e]);
  }
  std::string index_info = absl::StrFormat("\"state\": \"%s\"", IndexStateName(r.state));
  if (IsOpen(r)) {
    absl::StrAppendFormat(&index_info,
                          ", \"size_bytes\": %d, \"rows\": %d, \"memory_bytes\": %d, "
                          "\"built_at\": %s, \"changed_at\": %s, \"version\": %d, "
                          "\"regenerations\": %d",
                          r.size_bytes, r.rows, r.memory_bytes, Rfc3339(r.opened_at),
                          Rfc3339(r.changed_at), r.version, r.regenerations);
  }
  absl::StrAppendFormat(&index_info, ", \"watcher\": %s", JsonString(r.watcher));
  if (!r.watcher_error.empty()) {
    absl::StrAppend(&index_info, ", \"watcher_error\": ", JsonString(r.watcher_error));
  }
  absl::StrAppendFormat(&index_info, ", \"kernel_notifications\": %d", in.notifications_sent);
  if (!r.last_error.empty()) {
    absl::StrAppend(&index_info, ", \"last_error\": ", JsonString(r.last_error));
  }
  const index::BuildProgress& p = r.progress;
  const std::string progress = absl::StrFormat(
      "{\"files_total\": %d, \"files_done\": %d, \"bytes_total\": %d, \"bytes_done\": %d}",
      p.files_total, p.files_done, p.bytes_total, p.bytes_done);
  return absl::StrFormat(
      "{\n"
      "  \"health\": \"%s\",\n"
      "  \"log_dir\": %s,\n"
      "  \"mountpoint\": %s,\n"
      "  \"mounted_at\": %s,\n"
      "  \"cache_dir\": %s,\n"
      "  \"cache\": %s,\n"
      "  \"index_state\": \"%s\",\n"
      "  \"index\": {%s},\n"
      "  \"build_progress\": %s,\n"
      "  \"log_files\": %d,\n"
      "  \"frames\": %d,\n"
      "  \"bytes_scanned\": %d,\n"
      "  \"rows\": {%s\n  },\n"
      "  \"corrupt_by_error\": {%s\n  },\n"
      "  \"torn_tails\": %d,\n"
      "  \"torn_tail_bytes\": %d,\n"
      "  \"skipped\": {\"total\": %d, \"non_utf8_names\": %d, \"unreadable\": %d, "
      "\"source_filtered\": %d},\n"
      "  \"build_seconds\": %.6f,\n"
      "  \"known_nodes\": %d,\n"
      "  \"mount_options\": %s\n"
      "}\n",
      r.state == IndexState::kFailed ? "degraded" : "ok", JsonString(c.log_dir),
      JsonString(c.mountpoint), Rfc3339(in.mounted_at), JsonString(c.cache_dir),
      RenderCache(in), IndexStateName(r.state), index_info, progress, st.log_files, st.frames, st.bytes_scanned, rows, errors, st.torn_tails,
      st.torn_tail_bytes, st.skipped_files(), st.skipped_non_utf8_names, st.skipped_unreadable,
      st.skipped_source_filtered, st.build_seconds, in.known_nodes, RenderOptions(c));
}

std::string RenderMetricsProm(const StatusInputs& in) {
  const IndexReport& r = in.index;
  const BuildStats& st = r.stats;
  std::string out;
  auto gauge = [&out](absl::string_view name, absl::string_view help, absl::string_view type) {
    absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
  };
  gauge("logdex_up", "1 while the mount is serving.", "gauge");
  absl::StrAppend(&out, "logdex_up 1\n");
  gauge("logdex_index_ready", "1 once the index is built.", "gauge");
  absl::StrAppendFormat(&out, "logdex_index_ready %d\n", IsOpen(r) ? 1 : 0);
  gauge("logdex_index_state", "1 for the index's current state.", "gauge");
  for (IndexState s : {IndexState::kNotBuilt, IndexState::kBuilding, IndexState::kReady,
                       IndexState::kFailed}) {
    absl::StrAppendFormat(&out, "logdex_index_state{state=\"%s\"} %d\n", IndexStateName(s),
                          r.state == s ? 1 : 0);
  }
  gauge("logdex_index_size_bytes", "Size of index.ndjson in bytes.", "gauge");
  absl::StrAppendFormat(&out, "logdex_index_size_bytes %d\n", r.size_bytes);
  gauge("logdex_index_memory_bytes", "Memory held by the index's rows.", "gauge");
  absl::StrAppendFormat(&out, "logdex_index_memory_bytes %d\n", r.memory_bytes);
  gauge("logdex_index_regenerations_total", "Times the index was regenerated in canonical order.",
        "counter");
  absl::StrAppendFormat(&out, "logdex_index_regenerations_total %d\n", r.regenerations);
  gauge("logdex_build_files_total", "Log files the current or last build scans.", "gauge");
  absl::StrAppendFormat(&out, "logdex_build_files_total %d\n", r.progress.files_total);
  gauge("logdex_build_files_done", "Log files the current or last build has scanned.", "gauge");
  absl::StrAppendFormat(&out, "logdex_build_files_done %d\n", r.progress.files_done);
  gauge("logdex_build_bytes_total", "Bytes the current or last build scans.", "gauge");
  absl::StrAppendFormat(&out, "logdex_build_bytes_total %d\n", r.progress.bytes_total);
  gauge("logdex_build_bytes_done", "Bytes the current or last build has scanned.", "gauge");
  absl::StrAppendFormat(&out, "logdex_build_bytes_done %d\n", r.progress.bytes_done);
  gauge("logdex_cache_saves_total", "Cache saves that succeeded.", "counter");
  absl::StrAppendFormat(&out, "logdex_cache_saves_total %d\n", r.saves);
  gauge("logdex_cache_save_errors_total", "Cache saves that failed.", "counter");
  absl::StrAppendFormat(&out, "logdex_cache_save_errors_total %d\n", r.save_errors);
  gauge("logdex_cache_last_save_timestamp_seconds", "Unix time of the last cache save (0: none).",
        "gauge");
  absl::StrAppendFormat(&out, "logdex_cache_last_save_timestamp_seconds %d\n",
                        r.last_save ? absl::ToUnixSeconds(*r.last_save) : 0);
  gauge("logdex_cache_start", "1 for how the index was opened (from the cache or the logs).",
        "gauge");
  for (recovery::StartKind k : {recovery::StartKind::kBuilt, recovery::StartKind::kReused,
                                recovery::StartKind::kRebuiltDamaged,
                                recovery::StartKind::kRebuiltForeign}) {
    std::string_view name = recovery::StartKindName(k);
    absl::StrAppendFormat(&out, "logdex_cache_start{kind=\"%s\"} %d\n",
                          absl::string_view(name.data(), name.size()),
                          r.start && r.start->kind == k ? 1 : 0);
  }
  gauge("logdex_cache_rows_checked", "Cached rows CRC-checked when the index was opened.", "gauge");
  absl::StrAppendFormat(&out, "logdex_cache_rows_checked %d\n",
                        r.start ? r.start->rows_checked : 0);
  gauge("logdex_kernel_notifications_total", "Page invalidations sent to the kernel.", "counter");
  absl::StrAppendFormat(&out, "logdex_kernel_notifications_total %d\n", in.notifications_sent);
  gauge("logdex_log_files", "Log files indexed.", "gauge");
  absl::StrAppendFormat(&out, "logdex_log_files %d\n", st.log_files);
  gauge("logdex_frames", "Frames indexed (rows of index.ndjson).", "gauge");
  absl::StrAppendFormat(&out, "logdex_frames %d\n", st.frames);
  gauge("logdex_rows", "Rows of index.ndjson by source and state.", "gauge");
  for (int s = 0; s < index::kSourceCount; ++s) {
    for (int state = 0; state < 2; ++state) {
      absl::StrAppendFormat(&out, "logdex_rows{source=\"%s\",state=\"%s\"} %d\n",
                            Name(static_cast<Source>(s)),
                            state == 0 ? "active" : "corrupt", st.rows[s][state]);
    }
  }
  gauge("logdex_corrupt_rows", "Corrupt rows by error.", "gauge");
  for (int e = 1; e < index::kFrameErrorCount; ++e) {
    absl::StrAppendFormat(&out, "logdex_corrupt_rows{error=\"%s\"} %d\n",
                          Name(static_cast<FrameError>(e)), st.errors[e]);
  }
  gauge("logdex_torn_tails", "Log files ending in bytes after their last newline.", "gauge");
  absl::StrAppendFormat(&out, "logdex_torn_tails %d\n", st.torn_tails);
  gauge("logdex_torn_tail_bytes", "Bytes in torn tails.", "gauge");
  absl::StrAppendFormat(&out, "logdex_torn_tail_bytes %d\n", st.torn_tail_bytes);
  gauge("logdex_skipped_files", "Files shown but not indexed, by reason.", "gauge");
  absl::StrAppendFormat(&out, "logdex_skipped_files{reason=\"non_utf8_names\"} %d\n",
                        st.skipped_non_utf8_names);
  absl::StrAppendFormat(&out, "logdex_skipped_files{reason=\"unreadable\"} %d\n",
                        st.skipped_unreadable);
  absl::StrAppendFormat(&out, "logdex_skipped_files{reason=\"source_filtered\"} %d\n",
                        st.skipped_source_filtered);
  gauge("logdex_bytes_scanned", "Bytes of log files read by the last build.", "gauge");
  absl::StrAppendFormat(&out, "logdex_bytes_scanned %d\n", st.bytes_scanned);
  gauge("logdex_build_seconds", "Duration of the last index build.", "gauge");
  absl::StrAppendFormat(&out, "logdex_build_seconds %.6f\n", st.build_seconds);
  gauge("logdex_known_nodes", "Backing nodes the kernel currently holds.", "gauge");
  absl::StrAppendFormat(&out, "logdex_known_nodes %d\n", in.known_nodes);
  return out;
}

}  // namespace logdex::fs
