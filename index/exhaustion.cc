#include "index/exhaustion.h"

#include <time.h>

namespace logdex::index {

void ExhaustionLog::Note() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  const int64_t now = static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  absl::MutexLock lock(&mu_);
  if (summary_.last_ns == 0 || now - summary_.last_ns > kBurstGapNs) summary_.first_ns = now;
  summary_.last_ns = now;
  ++summary_.count;
}

ExhaustionLog::Summary ExhaustionLog::Get() const {
  absl::MutexLock lock(&mu_);
  return summary_;
}

}  // namespace logdex::index
