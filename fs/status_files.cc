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

// Zeros before the first build.
BuildStats StatsOf(const StatusInputs& in) {
  return in.snapshot ? in.snapshot->index->stats() : BuildStats();
}

std::string RenderOptions(const MountConfig& c) {
  std::string fuse;
  for (const std::string& o : c.fuse_options) {
    absl::StrAppend(&fuse, fuse.empty() ? "" : ", ", JsonString(o));
  }
  return absl::StrFormat(
      "{\n    \"ro\": %s,\n    \"sources\": %s,\n    \"verify\": \"%s\",\n"
      "    \"cache_dir\": %s,\n    \"foreground\": %s,\n    \"fuse_options\": [%s]\n  }",
      c.read_only ? "true" : "false", JsonString(SourceList(c.scan)),
      VerifyModeName(c.verify), JsonString(c.cache_dir), c.foreground ? "true" : "false",
      fuse);
}

}  // namespace

std::string RenderStatusJson(const StatusInputs& in) {
  const BuildStats st = StatsOf(in);
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
  std::string index_info = absl::StrFormat("\"state\": \"%s\"", IndexStateName(in.index_state));
  if (in.snapshot) {
    const index::Index& idx = *in.snapshot->index;
    absl::StrAppendFormat(
        &index_info, ", \"size_bytes\": %d, \"rows\": %d, \"memory_bytes\": %d, \"built_at\": %s",
        idx.size(), idx.rows().row_count(), idx.rows().memory_bytes(),
        JsonString(absl::FormatTime(absl::RFC3339_sec, absl::TimeFromTimespec(in.snapshot->built_at),
                                    absl::UTCTimeZone())));
  }
  if (!in.index_error.empty()) {
    absl::StrAppend(&index_info, ", \"last_error\": ", JsonString(in.index_error));
  }
  return absl::StrFormat(
      "{\n"
      "  \"health\": \"%s\",\n"
      "  \"log_dir\": %s,\n"
      "  \"mountpoint\": %s,\n"
      "  \"mounted_at\": %s,\n"
      "  \"cache_dir\": %s,\n"
      "  \"cache\": {\"dir\": %s, \"state\": \"not_implemented\"},\n"
      "  \"index_state\": \"%s\",\n"
      "  \"index\": {%s},\n"
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
      in.index_state == IndexState::kFailed ? "degraded" : "ok", JsonString(c.log_dir),
      JsonString(c.mountpoint),
      JsonString(absl::FormatTime(absl::RFC3339_sec, in.mounted_at, absl::UTCTimeZone())),
      JsonString(c.cache_dir), JsonString(c.cache_dir), IndexStateName(in.index_state),
      index_info, st.log_files, st.frames, st.bytes_scanned, rows, errors, st.torn_tails,
      st.torn_tail_bytes, st.skipped_files(), st.skipped_non_utf8_names, st.skipped_unreadable,
      st.skipped_source_filtered, st.build_seconds, in.known_nodes, RenderOptions(c));
}

std::string RenderMetricsProm(const StatusInputs& in) {
  const BuildStats st = StatsOf(in);
  std::string out;
  auto gauge = [&out](absl::string_view name, absl::string_view help, absl::string_view type) {
    absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
  };
  gauge("logdex_up", "1 while the mount is serving.", "gauge");
  absl::StrAppend(&out, "logdex_up 1\n");
  gauge("logdex_index_ready", "1 once the index is built.", "gauge");
  absl::StrAppendFormat(&out, "logdex_index_ready %d\n", in.snapshot ? 1 : 0);
  gauge("logdex_index_size_bytes", "Size of index.ndjson in bytes.", "gauge");
  absl::StrAppendFormat(&out, "logdex_index_size_bytes %d\n",
                        in.snapshot ? in.snapshot->index->size() : 0);
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
