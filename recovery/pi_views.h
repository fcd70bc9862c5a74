// The mount's views of pi stores' `index/offsets.jsonl` (SPEC §5): for every
// pi session store in the log dir, the rows pi's rebuild would write for its
// segments (index/pi_offsets.h), kept as fresh as the index itself, and how
// the store's backing copy differs from them (pi_drift.h).
//
// A store is a directory holding a directory named `segments`. The views
// listen to the live index (index::ChangeListener): after every update they
// look only at the stores it touched. A store whose segments only grew
// (frames appended to the segment the scan is in, new segments after it, as
// pi writes them) gets the new rows appended to its current version; any
// other change to its segments (a rewrite, truncation, deletion, a rename,
// an earlier segment growing) makes a new version (a regeneration: the view
// then has a new inode in the mount, like index.ndjson). The backing copy is
// compared again when it or the view changed.
//
// Thread-safety: OnChanges() runs on the index's updating thread, one call
// at a time; Current() and Report() may be called from any thread.
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

  // The current version of store `store`'s view; null when `store` is not a
  // store (as of the last update).
  std::shared_ptr<const PiOffsetsVersion> Current(std::string_view store) const
      ABSL_LOCKS_EXCLUDED(mu_);
  bool IsStore(std::string_view store) const ABSL_LOCKS_EXCLUDED(mu_);
  // How the store's backing copy differs from its view, as last compared.
  std::optional<PiDrift> Drift(std::string_view store) const ABSL_LOCKS_EXCLUDED(mu_);

  struct StoreReport {
    std::string store;
    uint64_t rows = 0;
    index::PiStop stop;
    PiDrift drift;
  };
  // Every store, in path order.
  std::vector<StoreReport> Report() const ABSL_LOCKS_EXCLUDED(mu_);

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

  // Looks at one store again; `rewritten`: the index saw one of its segment
  // files replaced or removed. Called without mu_ (only OnChanges writes).
  void Check(const std::string& store, bool rewritten) ABSL_LOCKS_EXCLUDED(mu_);
  void Forget(const std::string& store) ABSL_LOCKS_EXCLUDED(mu_);
  // Stores at or below `rel` ("" for all), from a walk of the tree.
  std::vector<std::string> Discover(const std::string& rel) const;

  const std::string log_dir_;
  const index::UniqueFd root_fd_;
  index::PiStoreScanner scanner_;  // OnChanges only (one call at a time)

  mutable absl::Mutex mu_;
  std::map<std::string, Store, std::less<>> stores_ ABSL_GUARDED_BY(mu_);
  uint64_t next_generation_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_PI_VIEWS_H_
