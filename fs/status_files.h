// The text of /.logdex/status.json and /.logdex/metrics.prom.
//
// Both are rendered from the same StatusInputs, so they always agree; health
// and warnings come from health.h. Neither
// triggers or waits for an index build: before the first build the counts
// are zero and the index state says "not_built"; during it, "building" with
// the files and bytes scanned so far.
#ifndef LOGDEX_FS_STATUS_FILES_H_
#define LOGDEX_FS_STATUS_FILES_H_

#include <array>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "fs/daemon_log.h"
#include "fs/descriptor_limit.h"
#include "fs/index_holder.h"
#include "fs/inode_table.h"
#include "index/session_index.h"
#include "recovery/pi_views.h"
#include "fs/mount_options.h"
#include "fs/request_metrics.h"

namespace logdex::fs {

struct StatusInputs {
  const MountConfig* config = nullptr;
  IndexReport index;           // state, progress, counts, cache events, resources
  absl::Time mounted_at;
  InodeTable::Counts nodes;         // backing nodes known, descriptors cached
  uint64_t derived_nodes = 0;       // nodes of index.ndjson versions the kernel may hold
  index::ExhaustionLog::Summary fs_exhaustion;  // the mount's own failed opens
  DescriptorLimit descriptor_limit;
  int64_t descriptors_open = -1;    // -1: could not count
  std::vector<recovery::PiViews::StoreReport> pi_stores;  // once the index is open
  uint64_t pi_pending = 0;          // stores marked and not looked at again yet
  std::optional<index::SessionIndex::Report> sessions;  // once the index is open
  std::string credentials;          // "caller" (root daemon) or "daemon"
  uint64_t notifications_sent = 0;  // invalidations sent to the kernel
  const RequestMetrics* requests = nullptr;  // FUSE requests by operation (null: none)
  std::array<uint64_t, DaemonLog::kLevelCount> log_lines = {};  // daemon log lines by level
  uint64_t log_suppressed = 0;      // problems seen again and not logged again
};

// One JSON object, pretty-printed, '\n'-terminated; valid JSON whatever bytes
// the paths hold (invalid UTF-8 shows as U+FFFD).
std::string RenderStatusJson(const StatusInputs& in);

// Prometheus text exposition format 0.0.4.
std::string RenderMetricsProm(const StatusInputs& in);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_STATUS_FILES_H_
