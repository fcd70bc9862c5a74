// verify's pi stores: one store's check, its findings, and the checker
// threads (verify_pi_stores.h).
#include "recovery/verify_pi_stores.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "index/file_io.h"
#include "index/pi_offsets.h"
#include "index/pi_offsets_format.h"
#include "recovery/pi_drift.h"

namespace logdex::recovery {

namespace pf = index::pi_format;

PiStoreCheck CheckPiStore(int root_fd, const std::string& path) {
  PiStoreCheck check;
  check.path = path;
  const int store_fd = path.empty() ? dup(root_fd)
                                    : openat(root_fd, path.c_str(),
                                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (store_fd < 0) {
    check.error = std::string("cannot open the store: ") + std::strerror(errno);
    return check;
  }
  absl::Cleanup close_store = [store_fd] { close(store_fd); };

  std::optional<std::string> backing;
  // Never opened unless it is a regular file: a FIFO there would release a
  // writer blocked on it (index::OpenRegularAt).
  struct stat st;
  const bool special = fstatat(store_fd, pf::kOffsetsPath.data(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                       !S_ISREG(st.st_mode);
  const int fd = special ? -1 : index::OpenRegularAt(store_fd, pf::kOffsetsPath.data());
  if (special) {
    check.backing = BackingState::kUnreadable;
    check.backing_error = "not a regular file";
  } else if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
    check.backing = BackingState::kMissing;
  } else if (fd < 0) {
    check.backing = BackingState::kUnreadable;
    check.backing_error = std::strerror(errno);
  } else {
    absl::Cleanup close_fd = [fd] { close(fd); };
    backing.emplace();
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      check.backing = BackingState::kUnreadable;
      check.backing_error = "not a regular file";
    } else if (!index::ReadToEnd(fd, &*backing)) {
      check.backing = BackingState::kUnreadable;
      check.backing_error = std::strerror(errno);
    } else {
      check.backing = BackingState::kPresent;
    }
  }

  absl::StatusOr<index::PiDerivedIndex> derived = index::DerivePiOffsets(store_fd);
  if (!derived.ok()) {
    check.segments_error = std::string(derived.status().message());
    return check;
  }
  check.stop = derived->stop;
  check.derived_rows = derived->rows;
  if (check.backing != BackingState::kUnreadable) {
    check.drift = ComparePiOffsets(backing ? std::optional<std::string_view>(*backing) : std::nullopt,
                                   derived->bytes);
  }
  return check;
}

namespace {

void ReportPiUnreadable(const PiStoreCheck& store, std::string_view file, std::string_view reason,
                        const std::function<void(const Finding&)>& report) {
  Finding f = MakeFinding(FindingKind::kPiUnreadable, true, file);
  f.reason = reason;
  f.store = &store;
  report(f);
}

}  // namespace

void ReportPiStoreFindings(const PiStoreCheck& store,
                           const std::function<void(const Finding&)>& report) {
  const std::string offsets = index::JoinRelPath(store.path, pf::kOffsetsPath);
  if (!store.error.empty()) {
    const std::string where = store.path.empty() ? "." : store.path;
    ReportPiUnreadable(store, where, store.error, report);
  }
  if (store.backing == BackingState::kUnreadable) {
    ReportPiUnreadable(store, offsets, store.backing_error, report);
  }
  if (!store.segments_error.empty()) {
    const std::string segments = index::JoinRelPath(store.path, pf::kSegmentsDir);
    ReportPiUnreadable(store, segments, store.segments_error, report);
  }
  if (store.drifted()) {
    Finding f = MakeFinding(FindingKind::kPiDrift, true, offsets);
    f.store = &store;
    // A missing file has no place to point at (PiDrift says 0).
    if (!store.drift->missing) f.byte_offset = store.drift->first_difference;
    report(f);
  }
  if (store.stop && store.stop->reason != index::PiStopReason::kNone) {
    const std::string segment =
        index::JoinRelPath(index::JoinRelPath(store.path, pf::kSegmentsDir), store.stop->segment);
    Finding f = MakeFinding(FindingKind::kPiStop, store.stop->damage, segment);
    f.store = &store;
    f.byte_offset = store.stop->byte_offset;
    report(f);
  }
}

PiChecker::PiChecker(int root_fd, const std::vector<std::string>& stores,
                     const std::vector<index::LogFile>& files, int threads, VerifyProgress* progress)
    : root_fd_(root_fd), stores_(stores), progress_(progress), checks_(stores.size()),
      ready_at_(stores.size()) {
  for (size_t k = 0; k < stores.size(); ++k) {
    // Files under <store>/segments/ are contiguous in canonical order;
    // '0' is the byte after '/'.
    const std::string prefix = index::JoinRelPath(stores[k], std::string(pf::kSegmentsDir) + '0');
    ready_at_[k] = std::lower_bound(files.begin(), files.end(), prefix,
                                    [](const index::LogFile& f, const std::string& p) {
                                      return f.rel_path < p;
                                    }) -
                   files.begin();
  }
  const size_t n = std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), stores.size());
  for (size_t t = 0; t < n; ++t) workers_.emplace_back([this] { Work(); });
}

PiChecker::~PiChecker() { Finish(); }

void PiChecker::Scanned(size_t files) {
  absl::MutexLock lock(&mu_);
  scanned_ = files;
}

void PiChecker::Finish() {
  Scanned(SIZE_MAX);
  for (std::thread& w : workers_) w.join();
  workers_.clear();
}

void PiChecker::Work() {
  for (size_t k = next_.fetch_add(1); k < stores_.size(); k = next_.fetch_add(1)) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this, k]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return scanned_ >= ready_at_[k]; };
      mu_.Await(absl::Condition(&ready));
    }
    checks_[k] = CheckPiStore(root_fd_, stores_[k]);
    if (progress_ != nullptr) progress_->pi_stores_done.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace logdex::recovery
