// The session views of the index (SPEC §10): for every sessionId of an
// active row, a derived file `<name>.ndjson` (session_name.h) whose bytes are
// the session's frames in the order their rows stand in index.ndjson. What
// is kept per session is a SessionVersion: where its frames are, ~8 bytes a
// frame, never their bytes (session_version.h).
//
// The views follow the index's versions (index_version.h), on demand:
// Update() with the index's current version reads only the rows added since
// the last call. Rows added to the same index version append frames to their
// sessions' current versions, so a session file grows at its end
// (`tail -f`). When the index is regenerated (a new index version), every
// session is laid out again from the new rows; a session whose frames begin
// with exactly the frames its file held keeps its version and grows into the
// new list, and only a session whose frames changed otherwise gets a new
// version (a new inode in the mount, the old one read on by the handles that
// hold it, as far as its frames are still there: session_version.h). So an unrelated rewrite elsewhere in the log dir
// leaves a followed session alone.
//
// st_mtime (ChangedNs) of a session is the time of its last new frame,
// taken as the st_mtime its file had when the frame was added: when a
// session is laid out from scratch (first use, regeneration), the latest
// st_mtime of the files that hold its frames.
//
// Thread-safety: all methods may be called from any thread. Update holds
// update_mu_ for its work and mu_ only to publish; readers take mu_ alone.
#ifndef LOGDEX_INDEX_SESSION_INDEX_H_
#define LOGDEX_INDEX_SESSION_INDEX_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "index/index_version.h"
#include "index/log_file_table.h"
#include "index/session_version.h"

namespace logdex::index {

class SessionIndex {
 public:
  explicit SessionIndex(const std::string& log_dir);
  SessionIndex(const SessionIndex&) = delete;
  SessionIndex& operator=(const SessionIndex&) = delete;

  // Brings the views up to date with `index`, the index's current version.
  // Cheap when no row was added since the last call; a version older than
  // one already followed (a caller that raced another) changes nothing.
  void Update(const std::shared_ptr<const IndexVersion>& index)
      ABSL_LOCKS_EXCLUDED(update_mu_, mu_);

  // The current version of the session whose file is `name`; null if none.
  std::shared_ptr<const SessionVersion> Find(std::string_view name) const ABSL_LOCKS_EXCLUDED(mu_);
  // Every session file's name, sorted by bytes.
  std::vector<std::string> Names() const ABSL_LOCKS_EXCLUDED(mu_);

  struct Report {
    uint64_t files = 0;             // sessions with a file
    uint64_t ids_without_file = 0;  // sessionIds that get none (session_name.h)
    uint64_t frames = 0;            // frames in the session files
    uint64_t memory_bytes = 0;      // held for the views (not counting the index)
  };
  Report GetReport() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Pending {
    FrameList frames;
    int64_t changed_ns = 0;
  };
  // Adds the rows of `runs` (skipping the first `skip` rows of the first
  // one): calls add(id, frame, file mtime) for every active row with a
  // sessionId.
  template <typename Add>
  void ForEachSessionRow(const std::vector<IndexVersion::NamedRun>& runs, uint64_t skip, Add add)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(update_mu_);
  // Lays every session out again from the rows of `index` (a new index version).
  void Rebuild(const IndexVersion& index) ABSL_EXCLUSIVE_LOCKS_REQUIRED(update_mu_)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Adds the rows appended to the index version seen last.
  void Follow(const IndexVersion& index) ABSL_EXCLUSIVE_LOCKS_REQUIRED(update_mu_)
      ABSL_LOCKS_EXCLUDED(mu_);

  const std::shared_ptr<LogFileTable> files_;

  absl::Mutex update_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  bool seen_any_ ABSL_GUARDED_BY(update_mu_) = false;
  uint64_t seen_generation_ ABSL_GUARDED_BY(update_mu_) = 0;
  uint64_t seen_rows_ ABSL_GUARDED_BY(update_mu_) = 0;         // of the whole version
  size_t seen_runs_ ABSL_GUARDED_BY(update_mu_) = 0;
  uint64_t seen_rows_in_last_ ABSL_GUARDED_BY(update_mu_) = 0;  // of run seen_runs_ - 1
  // Generations of new session versions (made under update_mu_; atomic
  // because the analysis cannot see the lock inside Follow's callback).
  std::atomic<uint64_t> next_generation_{1};

  mutable absl::Mutex mu_;
  // By file name. The versions are written under update_mu_ (they lock
  // themselves); the map changes under mu_.
  absl::flat_hash_map<std::string, std::shared_ptr<SessionVersion>> sessions_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> without_file_ ABSL_GUARDED_BY(mu_);
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_SESSION_INDEX_H_
