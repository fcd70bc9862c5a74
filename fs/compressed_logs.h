// Compressed logs in the mount (SPEC §7): a backing NAME.lz4 shown as NAME,
// decompressed and read-only, when no real NAME exists and NAME would be
// indexed (a log-file path: not the root's index.ndjson, not a pi store's
// index/offsets.jsonl). The index side is index/log_bytes.h; this is what
// the FUSE handlers need on top:
//  - names: NAME is looked up as its NAME.lz4 (the node records the real
//    name NAME.lz4, so the inode table's walks find it); NAME.lz4 itself is
//    then neither listed nor found under its own name;
//  - attributes: the .lz4's, with st_size the decompressed readable bytes
//    (the readable prefix of a damaged file) and no write bits;
//  - reads: random access through index::Lz4File and the shared block cache;
//  - changes: opening for writing or truncating fails with EACCES, like
//    /index.ndjson (the file is derived from the .lz4: its bytes cannot be
//    written, but the mount is not read-only); chmod, chown and utimes go to
//    the .lz4; unlink(NAME) removes NAME.lz4 and rename(NAME, T) renames
//    NAME.lz4 to T.lz4 (logrotate-style deletion and rotation act on the
//    file that holds the log), and link(NAME, T) links it as T.lz4, when T
//    may be shown for T.lz4; for any other T they fail with EXDEV, so `mv`
//    and `cp` fall back to copying the decompressed bytes the user sees.
#ifndef LOGDEX_FS_COMPRESSED_LOGS_H_
#define LOGDEX_FS_COMPRESSED_LOGS_H_

#include <sys/stat.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "fs/file_handles.h"
#include "fs/inode_table.h"
#include "fs/unique_fd.h"
#include "index/live_index.h"
#include "index/lz4_cache.h"

namespace logdex::fs {

// status.json's "compressed" object: the shared block cache and every
// damaged .lz4 (file shown, backing file, reason, compressed offset,
// readable bytes), at most kMaxListedDamaged listed (the count covers all).
inline constexpr size_t kMaxListedDamaged = 100;
std::string RenderCompressedStatus(const std::vector<index::Lz4DamagedFile>& damaged,
                                   const index::Lz4Cache::Stats& cache, size_t cache_budget);
// The same as Prometheus text (metrics.prom).
std::string RenderCompressedMetrics(const std::vector<index::Lz4DamagedFile>& damaged,
                                    const index::Lz4Cache::Stats& cache, size_t cache_budget);

class CompressedLogs {
 public:
  // root_fd: the log dir (any descriptor fstatat can use); outlives this.
  explicit CompressedLogs(int root_fd) : root_fd_(root_fd) {}

  // Whether `name` in directory dir_fd (dir_path from the log dir) is shown
  // for a backing name + ".lz4" (see above).
  bool StandsFor(int dir_fd, std::string_view dir_path, std::string_view name) const;
  // Whether `name` in directory dir_path may be shown for a name + ".lz4":
  // a log-file name whose path would be indexed.
  bool MayStandFor(std::string_view dir_path, std::string_view name) const;
  // Whether entry `name` (a NAME.lz4) is hidden because it is shown as NAME.
  bool IsHidden(int dir_fd, std::string_view dir_path, std::string_view name) const;
  // The name shown for an entry `name` of a listing of dir_fd.
  std::string ShownAs(int dir_fd, std::string_view dir_path, std::string_view name) const;

  // Which backing nodes are shown decompressed.
  void Mark(NodeId id, bool compressed) ABSL_LOCKS_EXCLUDED(mu_);
  bool IsCompressed(NodeId id) const ABSL_LOCKS_EXCLUDED(mu_);

  // `st` (of the .lz4 file that o_path_fd opens) as shown: decompressed size,
  // no write bits.
  absl::StatusOr<struct stat> Present(int o_path_fd, struct stat st) const;
  // A read handle on the .lz4 file open for reading as read_fd.
  std::unique_ptr<FileHandle> OpenHandle(UniqueFd read_fd) const;

 private:
  const int root_fd_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<NodeId> compressed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_COMPRESSED_LOGS_H_
