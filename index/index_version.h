// One version of index.ndjson (see file_version.h for the rule every version
// follows): the rows of a RowStore, rendered on read.
//
// The live index (live_index.h) is the one writer: it adds files and rows to
// the current version while it is current, and makes a new version at every
// regeneration. Readers (file handles, stat) may read any version from any
// thread at any time; they share mu_, the writer takes it to add rows. A
// version's rows are immutable Run objects, so versions share the runs they
// have in common and an old version costs little more than its run list.
#ifndef LOGDEX_INDEX_INDEX_VERSION_H_
#define LOGDEX_INDEX_INDEX_VERSION_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "index/file_version.h"
#include "index/row_store.h"
#include "index/run.h"

namespace logdex::index {

class IndexVersion final : public FileVersion {
 public:
  IndexVersion(uint64_t generation, RowStore store);

  uint64_t Size() const override ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Read(uint64_t offset, uint64_t length, std::string* out) const override
      ABSL_LOCKS_EXCLUDED(mu_);
  int64_t ChangedNs() const override { return changed_ns_.load(std::memory_order_acquire); }
  uint64_t RowCount() const ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t MemoryBytes() const ABSL_LOCKS_EXCLUDED(mu_);

  // The writer's side; only the live index calls these, from one thread at a
  // time (under its own lock), and never on a superseded version.
  uint32_t AddFile(FileName name) ABSL_LOCKS_EXCLUDED(mu_);
  std::string FileLiteral(uint32_t file_id) const ABSL_LOCKS_EXCLUDED(mu_);
  // RowStore::AppendOrExtendRun; moves ChangedNs() when rows were added.
  void AppendOrExtendRun(Run run, uint64_t max_rows) ABSL_LOCKS_EXCLUDED(mu_);
  // A copy of the run list (runs are shared, not copied).
  std::vector<std::shared_ptr<const Run>> Runs() const ABSL_LOCKS_EXCLUDED(mu_);
  // For a follower of the rows (session views): the runs from number
  // `first` on, each with its file's name. While the version is current the
  // last run may be replaced by a longer one holding the same rows first
  // (RowStore::AppendOrExtendRun), and runs are added after it.
  struct NamedRun {
    std::shared_ptr<const Run> run;
    FileName file;
  };
  std::vector<NamedRun> RunsFrom(size_t first) const ABSL_LOCKS_EXCLUDED(mu_);
  // Marks this version superseded: the writer has made the next one.
  void Supersede() { MarkSuperseded(); }

 private:
  mutable absl::Mutex mu_;
  RowStore store_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> changed_ns_;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_INDEX_VERSION_H_
