#include "fs/status_files.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "fs/compressed_logs.h"
#include "fs/health.h"
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
  index::AppendJsonString(index::ReplaceInvalidUtf8(std::string_view(text.data(), text.size())), out);
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

// Cache loads (reused) and rejections (damaged or foreign: built instead);
// at most one open per mount, so 0 or 1.
uint64_t CacheLoads(const IndexReport& r) {
  return r.start && r.start->kind == recovery::StartKind::kReused ? 1 : 0;
}
uint64_t CacheRejections(const IndexReport& r, std::optional<recovery::StartKind> kind) {
  if (!r.start) return 0;
  const recovery::StartKind k = r.start->kind;
  if (k != recovery::StartKind::kRebuiltDamaged && k != recovery::StartKind::kRebuiltForeign) {
    return 0;
  }
  return !kind || *kind == k ? 1 : 0;
}

absl::string_view LogTarget(const MountConfig& c) {
  return !c.log_file.empty() ? "file" : c.foreground ? "stderr" : "syslog";
}

std::string RenderLog(const StatusInputs& in) {
  std::string lines;
  for (int l = 0; l < DaemonLog::kLevelCount; ++l) {
    const std::string_view name = LevelName(static_cast<DaemonLog::Level>(l));
    absl::StrAppendFormat(&lines, "%s\"%s\": %d", l == 0 ? "" : ", ",
                          absl::string_view(name.data(), name.size()), in.log_lines[l]);
  }
  const MountConfig& c = *in.config;
  return absl::StrFormat(
      "{\"target\": \"%s\", \"file\": %s, \"trace_requests\": %s, \"lines\": {%s}, "
      "\"repeats_suppressed\": %d}",
      LogTarget(c), c.log_file.empty() ? "null" : JsonString(c.log_file),
      c.trace_requests ? "true" : "false", lines, in.log_suppressed);
}

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
      "\"save_interval_seconds\": %d, \"loads\": %d, \"rejections\": %d}",
      JsonString(c.cache_dir), VerifyModeName(c.verify), start, detail, rows_checked,
      files_rescanned, load_seconds,
      r.last_save ? absl::StrCat(absl::ToUnixSeconds(*r.last_save)) : "null", r.saves,
      r.save_errors, r.last_save_error.empty() ? "null" : JsonString(r.last_save_error),
      c.save_interval_seconds, CacheLoads(r), CacheRejections(r, std::nullopt));
}

// Stores listed one by one in status.json: those whose backing copy drifted
// or whose rows stop early, at most this many (the counts cover them all).
constexpr size_t kMaxListedStores = 100;

bool Noteworthy(const recovery::PiViews::StoreReport& r) {
  return r.drift.differs() || r.stop.reason != index::PiStopReason::kNone;
}

std::string RenderPiStores(const StatusInputs& in) {
  uint64_t drifted = 0, stopped = 0, damaged = 0, listed = 0;
  std::map<std::string, uint64_t> by_kind = {{"missing", 0}, {"stale", 0}, {"ghost_rows", 0}, {"wrong_rows", 0}};
  std::string stores;
  for (const recovery::PiViews::StoreReport& r : in.pi_stores) {
    if (r.drift.differs()) {
      ++drifted;
      ++by_kind[std::string(r.drift.kind())];
    }
    if (r.stop.reason != index::PiStopReason::kNone) ++stopped;
    if (r.stop.damage) ++damaged;
    if (!Noteworthy(r) || listed >= kMaxListedStores) continue;
    ++listed;
    const std::string_view drift_kind = r.drift.kind();
    const std::string_view reason = index::PiStopReasonName(r.stop.reason);
    const std::string_view action = index::PiActionName(r.stop.action);
    absl::StrAppendFormat(
        &stores,
        "%s\n      {\"store\": %s, \"rows\": %d, \"drift\": \"%s\", \"backing_rows\": %d, "
        "\"missing_rows\": %d, \"ghost_rows\": %d, \"wrong_rows\": %d, \"stop\": \"%s\", "
        "\"pi_action\": \"%s\", \"damage\": %s, \"segment\": %s, \"byte_offset\": %d}",
        listed == 1 ? "" : ",", JsonString(r.store.empty() ? "." : r.store), r.rows,
        absl::string_view(drift_kind.data(), drift_kind.size()), r.drift.backing_rows,
        r.drift.missing_rows, r.drift.ghost_rows, r.drift.wrong_rows,
        absl::string_view(reason.data(), reason.size()),
        absl::string_view(action.data(), action.size()), r.stop.damage ? "true" : "false",
        r.stop.reason == index::PiStopReason::kNone ? "null" : JsonString(r.stop.segment),
        r.stop.byte_offset);
  }
  if (!stores.empty()) stores += "\n    ";
  std::string kinds;
  for (const auto& [kind, n] : by_kind) {
    absl::StrAppendFormat(&kinds, "%s\"%s\": %d", kinds.empty() ? "" : ", ", kind, n);
  }
  return absl::StrFormat(
      "{\"stores\": %d, \"pending\": %d, \"drifted\": %d, \"drift_by_kind\": {%s}, "
      "\"stopped\": %d, \"damaged\": %d, \"listed\": [%s]}",
      in.pi_stores.size(), in.pi_pending, drifted, kinds, stopped, damaged, stores);
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

std::string RenderSessions(const StatusInputs& in) {
  if (!in.sessions) return "null";
  const index::SessionIndex::Report& s = *in.sessions;
  return absl::StrFormat(
      "{\"files\": %d, \"ids_without_file\": %d, \"frames\": %d, \"memory_bytes\": %d}",
      s.files, s.ids_without_file, s.frames, s.memory_bytes);
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
  const std::vector<Warning> warnings = ActiveWarnings(in, absl::Now());
  std::string warning_list;
  for (const Warning& w : warnings) {
    absl::StrAppendFormat(&warning_list,
                          "%s\n    {\"kind\": \"%s\", \"message\": %s, \"count\": %d, \"since\": %s}",
                          warning_list.empty() ? "" : ",", w.kind, JsonString(w.message), w.count,
                          Rfc3339(w.since));
  }
  if (!warning_list.empty()) warning_list += "\n  ";
  const std::string descriptors = absl::StrFormat(
      "{\"limit\": %d, \"hard_limit\": %d, \"open\": %d, \"cached\": %d, "
      "\"cache_capacity\": %d, \"name_walks\": %d, \"stale\": %d, \"exhausted\": %d}",
      in.descriptor_limit.soft, in.descriptor_limit.hard, in.descriptors_open,
      in.nodes.cached_fds, in.nodes.capacity, in.nodes.walks, in.nodes.stale,
      in.fs_exhaustion.count + r.resources.exhaustion.count);
  std::string index_info = absl::StrFormat("\"state\": \"%s\"", IndexStateName(r.state));
  if (IsOpen(r)) {
    absl::StrAppendFormat(&index_info,
                          ", \"size_bytes\": %d, \"rows\": %d, \"memory_bytes\": %d, "
                          "\"built_at\": %s, \"changed_at\": %s, \"version\": %d, "
                          "\"regenerations\": %d",
                          r.size_bytes, r.rows, r.memory_bytes, Rfc3339(r.opened_at),
                          Rfc3339(r.changed_at), r.version, r.regenerations);
  }
  absl::StrAppendFormat(&index_info, ", \"watcher\": %s, \"unwatched_dirs\": %d, "
                        "\"pending_retries\": %d",
                        JsonString(r.watcher), r.resources.unwatched_dirs,
                        r.resources.pending_retries);
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
      "  \"warnings\": [%s],\n"
      "  \"log_dir\": %s,\n"
      "  \"mountpoint\": %s,\n"
      "  \"pid\": %d,\n"
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
      "\"source_filtered\": %d, \"lz4_damaged\": %d},\n"
      "  \"build_seconds\": %.6f,\n"
      "  \"known_nodes\": %d,\n"
      "  \"derived_nodes\": %d,\n"
      "  \"descriptors\": %s,\n"
      "  \"credentials\": \"%s\",\n"
      "  \"pi\": %s,\n"
      "  \"sessions\": %s,\n"
      "  \"compressed\": %s,\n"
      "  \"requests\": %s,\n"
      "  \"log\": %s,\n"
      "  \"mount_options\": %s\n"
      "}\n",
      warnings.empty() ? "ok" : "degraded", warning_list, JsonString(c.log_dir),
      JsonString(c.mountpoint), ::getpid(), Rfc3339(in.mounted_at), JsonString(c.cache_dir),
      RenderCache(in), IndexStateName(r.state), index_info, progress, st.log_files, st.frames, st.bytes_scanned, rows, errors, st.torn_tails,
      st.torn_tail_bytes, st.skipped_files(), st.skipped_non_utf8_names, st.skipped_unreadable,
      st.skipped_source_filtered, st.skipped_lz4_damaged, st.build_seconds, in.nodes.nodes,
      in.derived_nodes, descriptors, in.credentials, RenderPiStores(in), RenderSessions(in),
      RenderCompressedStatus(r.lz4_damaged, index::Lz4Cache::Shared().GetStats(),
                             index::Lz4Cache::Shared().block_budget()),
      in.requests != nullptr ? RequestsJson(*in.requests) : std::string("{}"), RenderLog(in),
      RenderOptions(c));
}

std::string RenderMetricsProm(const StatusInputs& in) {
  const IndexReport& r = in.index;
  const BuildStats& st = r.stats;
  std::string out;
  auto gauge = [&out](absl::string_view name, absl::string_view help, absl::string_view type) {
    absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
  };
  // A metric of one unlabelled integer sample.
  auto single = [&out, &gauge](absl::string_view name, absl::string_view help,
                               absl::string_view type, auto value) {
    gauge(name, help, type);
    absl::StrAppend(&out, name, " ", value, "\n");
  };
  gauge("logdex_up", "1 while the mount is serving.", "gauge");
  absl::StrAppend(&out, "logdex_up 1\n");
  const std::vector<Warning> warnings = ActiveWarnings(in, absl::Now());
  single("logdex_health_degraded", "1 while any warning is active (status.json warnings).", "gauge",
         warnings.empty() ? 0 : 1);
  gauge("logdex_warning", "1 while a warning of this kind is active.", "gauge");
  for (std::string_view kind : kWarningKinds) {
    const bool active = std::any_of(warnings.begin(), warnings.end(),
                                    [kind](const Warning& w) { return w.kind == kind; });
    absl::StrAppendFormat(&out, "logdex_warning{kind=\"%s\"} %d\n",
                          absl::string_view(kind.data(), kind.size()), active ? 1 : 0);
  }
  single("logdex_descriptors_held", "File descriptors the daemon has open (-1: unknown).", "gauge",
         in.descriptors_open);
  single("logdex_descriptor_limit", "The daemon's RLIMIT_NOFILE (soft, after raising it).", "gauge",
         in.descriptor_limit.soft);
  single("logdex_fd_cache_descriptors", "Descriptors of known nodes kept open in the cache.",
         "gauge", in.nodes.cached_fds);
  single("logdex_fd_cache_capacity", "Most descriptors the node cache keeps open.", "gauge",
         in.nodes.capacity);
  single("logdex_node_name_walks_total", "Nodes found again by their names (not cached).",
         "counter", in.nodes.walks);
  single("logdex_stale_nodes_total", "Node lookups by name that found the node gone (ESTALE).",
         "counter", in.nodes.stale);
  single("logdex_descriptor_exhaustions_total", "Opens that failed with EMFILE/ENFILE/ENOMEM.",
         "counter", in.fs_exhaustion.count + r.resources.exhaustion.count);
  single("logdex_index_pending_retries",
         "Paths waiting to be rescanned after running out of descriptors.", "gauge",
         r.resources.pending_retries);
  single("logdex_inotify_unwatched_dirs",
         "Directories past the inotify watch limit (stat-scanned).", "gauge",
         r.resources.unwatched_dirs);
  single("logdex_index_ready", "1 once the index is built.", "gauge", IsOpen(r) ? 1 : 0);
  gauge("logdex_index_state", "1 for the index's current state.", "gauge");
  for (IndexState s :
       {IndexState::kNotBuilt, IndexState::kBuilding, IndexState::kReady, IndexState::kFailed}) {
    absl::StrAppendFormat(&out, "logdex_index_state{state=\"%s\"} %d\n", IndexStateName(s),
                          r.state == s ? 1 : 0);
  }
  single("logdex_index_size_bytes", "Size of index.ndjson in bytes.", "gauge", r.size_bytes);
  single("logdex_index_memory_bytes", "Memory held by the index's rows.", "gauge", r.memory_bytes);
  single("logdex_index_regenerations_total", "Times the index was regenerated in canonical order.",
         "counter", r.regenerations);
  single("logdex_build_files_total", "Log files the current or last build scans.", "gauge",
         r.progress.files_total);
  single("logdex_build_files_done", "Log files the current or last build has scanned.", "gauge",
         r.progress.files_done);
  single("logdex_build_bytes_total", "Bytes the current or last build scans.", "gauge",
         r.progress.bytes_total);
  single("logdex_build_bytes_done", "Bytes the current or last build has scanned.", "gauge",
         r.progress.bytes_done);
  single("logdex_cache_saves_total", "Cache saves that succeeded.", "counter", r.saves);
  single("logdex_cache_save_errors_total", "Cache saves that failed.", "counter", r.save_errors);
  single("logdex_cache_last_save_timestamp_seconds", "Unix time of the last cache save (0: none).",
         "gauge", r.last_save ? absl::ToUnixSeconds(*r.last_save) : 0);
  gauge("logdex_cache_start", "1 for how the index was opened (from the cache or the logs).",
        "gauge");
  for (recovery::StartKind k :
       {recovery::StartKind::kBuilt, recovery::StartKind::kReused,
        recovery::StartKind::kRebuiltDamaged, recovery::StartKind::kRebuiltForeign}) {
    std::string_view name = recovery::StartKindName(k);
    absl::StrAppendFormat(&out, "logdex_cache_start{kind=\"%s\"} %d\n",
                          absl::string_view(name.data(), name.size()),
                          r.start && r.start->kind == k ? 1 : 0);
  }
  single("logdex_cache_rows_checked", "Cached rows CRC-checked when the index was opened.", "gauge",
         r.start ? r.start->rows_checked : 0);
  single("logdex_kernel_notifications_total", "Page invalidations sent to the kernel.", "counter",
         in.notifications_sent);
  single("logdex_log_files", "Log files indexed.", "gauge", st.log_files);
  single("logdex_frames", "Frames indexed (rows of index.ndjson).", "gauge", st.frames);
  gauge("logdex_rows", "Rows of index.ndjson by source and state.", "gauge");
  for (int s = 0; s < index::kSourceCount; ++s) {
    for (int state = 0; state < 2; ++state) {
      absl::StrAppendFormat(&out, "logdex_rows{source=\"%s\",state=\"%s\"} %d\n",
                            Name(static_cast<Source>(s)), state == 0 ? "active" : "corrupt",
                            st.rows[s][state]);
    }
  }
  gauge("logdex_corrupt_rows", "Corrupt rows by error.", "gauge");
  for (int e = 1; e < index::kFrameErrorCount; ++e) {
    absl::StrAppendFormat(&out, "logdex_corrupt_rows{error=\"%s\"} %d\n",
                          Name(static_cast<FrameError>(e)), st.errors[e]);
  }
  single("logdex_torn_tails", "Log files ending in bytes after their last newline.", "gauge",
         st.torn_tails);
  single("logdex_torn_tail_bytes", "Bytes in torn tails.", "gauge", st.torn_tail_bytes);
  gauge("logdex_skipped_files", "Files shown but not indexed, by reason.", "gauge");
  absl::StrAppendFormat(&out, "logdex_skipped_files{reason=\"non_utf8_names\"} %d\n",
                        st.skipped_non_utf8_names);
  absl::StrAppendFormat(&out, "logdex_skipped_files{reason=\"unreadable\"} %d\n",
                        st.skipped_unreadable);
  absl::StrAppendFormat(&out, "logdex_skipped_files{reason=\"source_filtered\"} %d\n",
                        st.skipped_source_filtered);
  absl::StrAppendFormat(&out, "logdex_skipped_files{reason=\"lz4_damaged\"} %d\n",
                        st.skipped_lz4_damaged);
  absl::StrAppend(&out, RenderCompressedMetrics(r.lz4_damaged, index::Lz4Cache::Shared().GetStats(),
                                                index::Lz4Cache::Shared().block_budget()));
  single("logdex_bytes_scanned", "Bytes of log files read by the last build.", "gauge",
         st.bytes_scanned);
  gauge("logdex_build_seconds", "Duration of the last index build.", "gauge");
  absl::StrAppendFormat(&out, "logdex_build_seconds %.6f\n", st.build_seconds);
  single("logdex_pi_stores", "pi session stores (v2) in the log dir.", "gauge",
         in.pi_stores.size());
  if (in.sessions) {
    single("logdex_session_files", "Session views in /.logdex/sessions (sessionIds with a file).",
           "gauge", in.sessions->files);
    single("logdex_session_ids_without_file",
           "sessionIds that get no session view (an unpaired surrogate, or a name too long).",
           "gauge", in.sessions->ids_without_file);
    single("logdex_session_memory_bytes", "Memory held for the session views.", "gauge",
           in.sessions->memory_bytes);
  }
  gauge("logdex_pi_stores_drifted",
        "pi stores whose backing index/offsets.jsonl differs from what pi's rebuild would write, "
        "by the worst kind of difference.",
        "gauge");
  std::map<std::string, uint64_t> drift_kinds = {
      {"missing", 0}, {"stale", 0}, {"ghost_rows", 0}, {"wrong_rows", 0}};
  std::map<std::string, uint64_t> stop_reasons;
  for (const recovery::PiViews::StoreReport& p : in.pi_stores) {
    if (p.drift.differs()) ++drift_kinds[std::string(p.drift.kind())];
    if (p.stop.reason != index::PiStopReason::kNone)
      ++stop_reasons[std::string(index::PiStopReasonName(p.stop.reason))];
  }
  for (const auto& [kind, n] : drift_kinds) {
    absl::StrAppendFormat(&out, "logdex_pi_stores_drifted{kind=\"%s\"} %d\n", kind, n);
  }
  gauge("logdex_pi_stores_stopped",
        "pi stores whose rows stop before the end of their segments, by why.", "gauge");
  for (index::PiStopReason reason :
       {index::PiStopReason::kTornTail, index::PiStopReason::kMissingNewline,
        index::PiStopReason::kBadFrame, index::PiStopReason::kCoordinates,
        index::PiStopReason::kEntrySeq, index::PiStopReason::kOversized,
        index::PiStopReason::kInvalidUtf8, index::PiStopReason::kUnreadable}) {
    const std::string name(index::PiStopReasonName(reason));
    absl::StrAppendFormat(&out, "logdex_pi_stores_stopped{reason=\"%s\"} %d\n", name,
                          stop_reasons[name]);
  }
  single("logdex_known_nodes", "Backing nodes the kernel currently holds.", "gauge",
         in.nodes.nodes);
  single("logdex_derived_nodes", "Nodes of index.ndjson versions the kernel may still hold.",
         "gauge", in.derived_nodes);
  single("logdex_cache_loads_total", "Index opens that reused the cache.", "counter",
         CacheLoads(r));
  gauge("logdex_cache_rejections_total",
        "Caches not reused at an index open (damaged: moved aside as .bad; foreign: another "
        "version, log dir or sources=), by reason.",
        "counter");
  absl::StrAppendFormat(&out, "logdex_cache_rejections_total{reason=\"damaged\"} %d\n",
                        CacheRejections(r, recovery::StartKind::kRebuiltDamaged));
  absl::StrAppendFormat(&out, "logdex_cache_rejections_total{reason=\"foreign\"} %d\n",
                        CacheRejections(r, recovery::StartKind::kRebuiltForeign));
  gauge("logdex_log_lines_total", "Lines the daemon logged, by level.", "counter");
  for (int l = 0; l < DaemonLog::kLevelCount; ++l) {
    const std::string_view name = LevelName(static_cast<DaemonLog::Level>(l));
    absl::StrAppendFormat(&out, "logdex_log_lines_total{level=\"%s\"} %d\n",
                          absl::string_view(name.data(), name.size()), in.log_lines[l]);
  }
  single("logdex_log_repeats_suppressed_total",
         "Problems seen again and not logged again (one line per distinct problem).", "counter",
         in.log_suppressed);
  if (in.requests != nullptr) AppendRequestMetricsProm(*in.requests, &out);
  return out;
}

}  // namespace logdex::fs
