// Running out of a kernel resource (descriptors, memory for a watch) is not
// damage: the file or directory that could not be opened is still there and
// unchanged as far as anyone knows. Code that opens things tells the two
// apart with IsExhaustion(), keeps what it knew, tries again later, and
// counts the event in an ExhaustionLog so status can say so (SPEC §5:
// slower, never wrong).
#ifndef LOGDEX_INDEX_EXHAUSTION_H_
#define LOGDEX_INDEX_EXHAUSTION_H_

#include <cerrno>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace logdex::index {

// EMFILE, ENFILE (descriptors) and ENOMEM: the call may work later.
inline bool IsExhaustion(int err) { return err == EMFILE || err == ENFILE || err == ENOMEM; }

// Counts exhaustion events. Thread-safe.
class ExhaustionLog {
 public:
  struct Summary {
    uint64_t count = 0;     // events since start
    int64_t first_ns = 0;   // first event of the latest burst (0: none)
    int64_t last_ns = 0;    // latest event (0: none)
  };
  // A burst ends after this long without events.
  static constexpr int64_t kBurstGapNs = 60'000'000'000;

  void Note() ABSL_LOCKS_EXCLUDED(mu_);
  Summary Get() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  Summary summary_ ABSL_GUARDED_BY(mu_);
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_EXHAUSTION_H_
