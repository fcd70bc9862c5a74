// The mount's views of pi stores' `index/offsets.jsonl` (SPEC §5): for every
// pi session store in the log dir, the rows pi's rebuild would write for its
// segments (index/pi_offsets.h), kept as fresh as the index itself, and how
// the store's backing copy differs from them (pi_drift.h).
//
// A store is a directory holding a directory named `segments`. The views
// listen to the live index (index::ChangeListener): an update marks the
// stores it touched (the index's own walks name the stores in the subtrees
// it walked), and a marked store is looked at again when its view is next
// read (Current, Drift) or when the mount's background refresher calls
// CatchUp(), whichever comes first. So opening the index (a build, a cache
// load) costs nothing here, and reading a view is as fresh as the index. A store whose segments only grew
// (frames appended to the segment the scan is in, new segments after it, as
// pi writes them) gets the new rows appended to its current version; any
// other change to its segments (a rewrite, truncation, deletion, a rename,
// an earlier segment growing) makes a new version (a regeneration: the view
// then has a new inode in the mount, like index.ndjson). The backing copy is
// compared again when it or the view changed.
//
// Thread-safety: every method may be called from any thread. Looking at a
// store again holds check_mu_ (one store at a time, and the scanner), then
// mu_ briefly; OnChanges() and Report() take only mu_, so neither waits for
// a scan. Lock order: check_mu_ before mu_.
#ifndef LOGDEX_RECOVERY_PI_VIEWS_H_
#define LOGDEX_RECOVERY_PI_VIEWS_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "index/live_index.h"
#include "index/pi_offsets.h"
#include "index/unique_fd.h"
#include "recovery/pi_drift.h"
#include "recovery/pi_offsets_version.h"

namespace logdex::recovery {

// The path of a store's offsets.jsonl relative to the log dir ("" is the
// log dir itself).
std::string PiOffsetsPath(std::string_view store);

class PiViews : public index::ChangeListener {
 public:
  explicit PiViews(std::string log_dir);
  ~PiViews() override;
  PiViews(const PiViews&) = delete;
  PiViews& operator=(const PiViews&) = delete;

  void OnChanges(const index::ChangeFeed& feed) override ABSL_LOCKS_EXCLUDED(mu_);

  // The current version of store `store`'s view (looked at first if an
  // update marked it); null when `store` is not a store.
  std::shared_ptr<const PiOffsetsVersion> Current(std::string_view store)
      ABSL_LOCKS_EXCLUDED(check_mu_, mu_);
  bool IsStore(std::string_view store) ABSL_LOCKS_EXCLUDED(check_mu_, mu_);
  // How the store's backing copy differs from its view (looked at first if
  // marked); nullopt when `store` is not a store.
  std::optional<PiDrift> Drift(std::string_view store) ABSL_LOCKS_EXCLUDED(check_mu_, mu_);

  // Looks at every marked store again (the background refresher's job).
  void CatchUp() ABSL_LOCKS_EXCLUDED(check_mu_, mu_);

  struct StoreReport {
    std::string store;
    uint64_t rows = 0;
    index::PiStop stop;
    PiDrift drift;
  };
  // Every store looked at so far, in path order, as last looked at; never
  // waits for a scan.
  std::vector<StoreReport> Report() const ABSL_LOCKS_EXCLUDED(mu_);
  // Stores marked but not looked at again yet (status: "pending").
  uint64_t Pending() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct FileStat {
    bool exists = false;
    dev_t dev = 0;
    ino_t ino = 0;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileStat&) const = default;
  };
  struct Store {
    std::shared_ptr<PiOffsetsVersion> current;
    index::PiScanPosition end;      // where the last scan stopped
    index::PiStop stop;
    std::vector<FileStat> segments;  // of end.segments, as scanned
    FileStat backing;                // of index/offsets.jsonl when last compared
    PiDrift drift;
    bool compared = false;
  };

  // Looks at `store` again if it is marked.
  void EnsureChecked(std::string_view store) ABSL_LOCKS_EXCLUDED(check_mu_, mu_);
  // Looks at one store again; `rewritten`: the index saw one of its segment
  // files replaced or removed.
  void Check(const std::string& store, bool rewritten) ABSL_EXCLUSIVE_LOCKS_REQUIRED(check_mu_)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Forget(const std::string& store) ABSL_LOCKS_EXCLUDED(mu_);
  // Stores at or below `rel` ("" for all), from a walk of the tree.
  std::vector<std::string> Discover(const std::string& rel) const;

  const std::string log_dir_;
  const index::UniqueFd root_fd_;

  absl::Mutex check_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  index::PiStoreScanner scanner_ ABSL_GUARDED_BY(check_mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, Store, std::less<>> stores_ ABSL_GUARDED_BY(mu_);
  // Stores to look at again -> whether one of their segment files was
  // replaced or removed.
  std::map<std::string, bool, std::less<>> marked_ ABSL_GUARDED_BY(mu_);
  uint64_t next_generation_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_PI_VIEWS_H_
