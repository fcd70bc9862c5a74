// The pi-store half of `logdex verify` (verify.h): each store's backing
// index/offsets.jsonl against the bytes pi's rebuild would write for its
// segments (index/pi_offsets.h, pi_drift.h), checked on threads of its own
// while the log files are scanned, and the findings a checked store gives.
// Used by verify.cc.
#ifndef LOGDEX_RECOVERY_VERIFY_PI_STORES_H_
#define LOGDEX_RECOVERY_VERIFY_PI_STORES_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "index/log_tree.h"
#include "recovery/verify.h"

namespace logdex::recovery {

// Checks the store at `path` (relative to the log dir open as root_fd, ""
// for the log dir itself): reads its backing copy, derives its rows from its
// segments, compares the two. Never fails: what could not be read is in the
// check.
PiStoreCheck CheckPiStore(int root_fd, const std::string& path);

// Hands the findings of one checked store to `report`, in order: the store,
// its offsets.jsonl or its segments unreadable; drift; where pi would stop.
void ReportPiStoreFindings(const PiStoreCheck& store,
                           const std::function<void(const Finding&)>& report);

// Checks the pi stores on its own threads while the log files are still
// being scanned: a store is checked once the scan is past its segments, so
// they are read again from the page cache and the checks use the time the
// scan waits for the disk. A check holds no rows once done, so all of them
// are kept and reported in order at the end.
class PiChecker {
 public:
  // `stores` and `files` (a LogTree's, canonical order) outlive the checker.
  PiChecker(int root_fd, const std::vector<std::string>& stores,
            const std::vector<index::LogFile>& files, int threads, VerifyProgress* progress);
  ~PiChecker();
  PiChecker(const PiChecker&) = delete;
  PiChecker& operator=(const PiChecker&) = delete;

  // The scan has consumed the first `files` log files.
  void Scanned(size_t files) ABSL_LOCKS_EXCLUDED(mu_);

  // Waits for every check.
  void Finish() ABSL_LOCKS_EXCLUDED(mu_);
  // Every store's check, in the order of `stores`; valid after Finish().
  const std::vector<PiStoreCheck>& checks() const { return checks_; }

 private:
  void Work() ABSL_LOCKS_EXCLUDED(mu_);

  const int root_fd_;
  const std::vector<std::string>& stores_;
  VerifyProgress* const progress_;
  std::vector<PiStoreCheck> checks_;  // [k] written by the one worker that took k
  std::vector<size_t> ready_at_;      // store k may be checked once this many files are scanned
  std::atomic<size_t> next_{0};
  absl::Mutex mu_;
  size_t scanned_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> workers_;
};

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_VERIFY_PI_STORES_H_
