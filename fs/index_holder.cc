#include "fs/index_holder.h"

#include <utility>

namespace logdex::fs {

absl::string_view IndexStateName(IndexState state) {
  switch (state) {
    case IndexState::kNotBuilt:
      return "not_built";
    case IndexState::kBuilding:
      return "building";
    case IndexState::kReady:
      return "ready";
    case IndexState::kFailed:
      return "failed";
  }
  return "unknown";
}

IndexHolder::IndexHolder(std::string log_dir, index::ScanOptions options)
    : log_dir_(std::move(log_dir)), options_(options) {}

absl::StatusOr<std::shared_ptr<const IndexSnapshot>> IndexHolder::Get() {
  if (std::shared_ptr<const IndexSnapshot> snap = Peek()) return snap;
  absl::MutexLock build_lock(&build_mu_);
  if (std::shared_ptr<const IndexSnapshot> snap = Peek()) return snap;  // built while we waited
  {
    absl::MutexLock lock(&mu_);
    state_ = IndexState::kBuilding;
  }
  absl::StatusOr<std::unique_ptr<index::Index>> built = index::Index::Build(log_dir_, options_);
  absl::MutexLock lock(&mu_);
  if (!built.ok()) {
    state_ = IndexState::kFailed;
    last_error_ = std::string(built.status().message());
    return built.status();
  }
  auto snap = std::make_shared<IndexSnapshot>();
  snap->index = *std::move(built);
  ::clock_gettime(CLOCK_REALTIME, &snap->built_at);
  current_ = snap;
  state_ = IndexState::kReady;
  last_error_.clear();
  return snap;
}

std::shared_ptr<const IndexSnapshot> IndexHolder::Peek() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

IndexState IndexHolder::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

std::string IndexHolder::last_error() const {
  absl::MutexLock lock(&mu_);
  return last_error_;
}

}  // namespace logdex::fs
