#include "fs/log_dedupe.h"

#include "absl/strings/str_cat.h"

namespace logdex::fs {

bool LogDedupe::FirstTime(std::string_view key) {
  const absl::string_view k(key.data(), key.size());
  if (keys_.contains(k)) {
    ++suppressed_;
    return false;
  }
  while (keys_.size() >= capacity_ && !order_.empty()) {
    keys_.erase(order_.front());  // a no-op for a key Forget() took already
    order_.pop_front();
  }
  keys_.emplace(k);
  order_.emplace_back(k);
  // Forget() leaves its key in order_; keep order_ from growing without bound
  // when keys come and go.
  if (order_.size() > 2 * capacity_) {
    std::deque<std::string> live;
    for (std::string& o : order_) {
      if (keys_.contains(o)) live.push_back(std::move(o));
    }
    order_ = std::move(live);
  }
  return true;
}

void LogDedupe::Forget(std::string_view key) {
  keys_.erase(absl::string_view(key.data(), key.size()));
}

std::string ProblemKey(std::string_view kind, std::string_view path, std::string_view detail) {
  return absl::StrCat(absl::string_view(kind.data(), kind.size()), absl::string_view("\0", 1),
                      absl::string_view(path.data(), path.size()), absl::string_view("\0", 1),
                      absl::string_view(detail.data(), detail.size()));
}

}  // namespace logdex::fs
