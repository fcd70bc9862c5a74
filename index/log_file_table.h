// The log files session views read frames from, each named once by a small
// id (FrameRef::file), for the life of the mount: ids are never reused, so a
// frame list stays meaningful across index versions, and a list made from
// the same frames encodes to the same bytes.
//
// Thread-safety: all methods may be called from any thread.
#ifndef LOGDEX_INDEX_LOG_FILE_TABLE_H_
#define LOGDEX_INDEX_LOG_FILE_TABLE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "index/file_name.h"
#include "index/log_bytes.h"
#include "index/unique_fd.h"

namespace logdex::index {

class LogFileTable {
 public:
  // Opens the log dir (O_PATH) that paths are relative to; without it,
  // every open fails with the error it gave.
  explicit LogFileTable(const std::string& log_dir);
  LogFileTable(const LogFileTable&) = delete;
  LogFileTable& operator=(const LogFileTable&) = delete;

  // The id of `name`'s path (a new one the first time).
  uint32_t Intern(const FileName& name) ABSL_LOCKS_EXCLUDED(mu_);
  FileName Name(uint32_t id) const ABSL_LOCKS_EXCLUDED(mu_);
  // Opens file `id` as the index reads it (log_bytes.h); null with errno set.
  std::unique_ptr<LogBytes> Open(uint32_t id) const ABSL_LOCKS_EXCLUDED(mu_);
  // st_mtime of file `id` now (of NAME.lz4 for a compressed one), in ns;
  // nullopt if it cannot be stat'ed.
  std::optional<int64_t> MtimeNs(uint32_t id) const ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t memory_bytes() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const UniqueFd root_;
  const int root_errno_;
  mutable absl::Mutex mu_;
  std::vector<FileName> names_ ABSL_GUARDED_BY(mu_);
  // Keys view the bytes of names_' FileNames, which never move or change.
  absl::flat_hash_map<std::string_view, uint32_t> ids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_LOG_FILE_TABLE_H_
