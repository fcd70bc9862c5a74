// The one place the mount gets its index from: built lazily, once.
//
// The first Get() (a lookup, getattr or open of /index.ndjson) builds the
// index; concurrent callers wait for that one build, and requests that never
// call Get() (ordinary files, status.json via Peek()) never wait. Callers
// hold a shared_ptr to an immutable snapshot, so a later issue can swap in an
// updated index (live growth) without disturbing readers of the old one.
//
// Known limit: libfuse 3.14's INIT reply never grants FUSE_PARALLEL_DIROPS
// (do_init drops the capability), so the kernel serializes LOOKUPs within one
// directory. While the first lookup of /index.ndjson builds, first lookups of
// other root names queue behind it in the kernel; everything else (getattr,
// read, readdir, lookups elsewhere and revalidations) is served meanwhile.
//
// Lock order: build_mu_ before mu_. mu_ is never held during a build.
#ifndef LOGDEX_FS_INDEX_HOLDER_H_
#define LOGDEX_FS_INDEX_HOLDER_H_

#include <time.h>

#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "index/index.h"
#include "index/scan_options.h"

namespace logdex::fs {

struct IndexSnapshot {
  std::unique_ptr<const index::Index> index;
  struct timespec built_at = {};  // st_mtime of /index.ndjson
};

enum class IndexState { kNotBuilt, kBuilding, kReady, kFailed };
absl::string_view IndexStateName(IndexState state);

class IndexHolder {
 public:
  IndexHolder(std::string log_dir, index::ScanOptions options);
  IndexHolder(const IndexHolder&) = delete;
  IndexHolder& operator=(const IndexHolder&) = delete;

  // The current index, built first if no build has succeeded yet. A failed
  // build is reported to its callers and tried again by the next Get().
  absl::StatusOr<std::shared_ptr<const IndexSnapshot>> Get() ABSL_LOCKS_EXCLUDED(build_mu_, mu_);

  // The current index, or nullptr if none is built. Never builds or waits
  // for a build.
  std::shared_ptr<const IndexSnapshot> Peek() const ABSL_LOCKS_EXCLUDED(mu_);

  IndexState state() const ABSL_LOCKS_EXCLUDED(mu_);
  std::string last_error() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const std::string log_dir_;
  const index::ScanOptions options_;

  absl::Mutex build_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // held for a whole build
  mutable absl::Mutex mu_;
  std::shared_ptr<const IndexSnapshot> current_ ABSL_GUARDED_BY(mu_);
  IndexState state_ ABSL_GUARDED_BY(mu_) = IndexState::kNotBuilt;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_INDEX_HOLDER_H_
