#include "fs/pi_view_files.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <utility>

#include "index/log_tree.h"
#include "index/pi_offsets_format.h"
#include "recovery/pi_views.h"

namespace logdex::fs {
namespace {

namespace pf = index::pi_format;

// "S/index" -> S; "index" -> "" (the log dir is the store).
std::optional<std::string> StoreOfIndexDir(std::string_view dir) {
  return index::RelPathDir(dir, pf::kIndexDir);
}

// `mode`, with the owner and group of `path` (the store directory).
DerivedPerms OwnedLike(int root_fd, const std::string& path, mode_t mode) {
  struct stat st;
  if (::fstatat(root_fd, path.empty() ? "." : path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    return DerivedPerms{mode, st.st_uid, st.st_gid, std::nullopt};
  }
  return DerivedPerms{mode, 0, 0, std::nullopt};
}

}  // namespace

// The view of one store's offsets.jsonl.
class PiViewFiles::StoreSource : public DerivedSource {
 public:
  StoreSource(IndexHolder* holder, int root_fd, std::string store)
      : holder_(holder), root_fd_(root_fd), store_(std::move(store)) {}

  absl::StatusOr<VersionPtr> Current(bool may_open) override {
    // Bringing the index up to date brings the pi views up to date.
    absl::StatusOr<VersionPtr> index = holder_->Current(may_open);
    if (!index.ok()) return index.status();
    if (*index == nullptr) return VersionPtr();  // not open yet
    return VersionPtr(holder_->pi_views().Current(store_));
  }

  DerivedPerms Permissions() override {
    const std::string file = recovery::PiOffsetsPath(store_);
    struct stat st;
    if (::fstatat(root_fd_, file.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
      DerivedPerms p{static_cast<mode_t>(st.st_mode & 07777), st.st_uid, st.st_gid, std::nullopt};
      // When the backing copy holds exactly the view's bytes, it is the same
      // file as far as anyone can tell: show its time too.
      if (holder_->is_open()) {
        std::optional<recovery::PiDrift> drift = holder_->pi_views().Drift(store_);
        if (drift && !drift->differs()) p.mtime = st.st_mtim;
      }
      return p;
    }
    return OwnedLike(root_fd_, store_, 0600);
  }

 private:
  IndexHolder* const holder_;
  const int root_fd_;
  const std::string store_;
};

// A store's index/ directory, when the store has none.
class PiViewFiles::DirSource : public DerivedSource {
 public:
  DirSource(int root_fd, std::string store) : root_fd_(root_fd), store_(std::move(store)) {}
  absl::StatusOr<VersionPtr> Current(bool /*may_open*/) override { return VersionPtr(); }
  DerivedPerms Permissions() override {
    return OwnedLike(root_fd_, store_, 0700);
  }

 private:
  const int root_fd_;
  const std::string store_;
};

PiViewFiles::PiViewFiles(IndexHolder* holder, int root_fd) : holder_(holder), root_fd_(root_fd) {}
PiViewFiles::~PiViewFiles() = default;

std::vector<std::string> PiViewFiles::Names() {
  return {std::string(pf::kIndexDir), std::string(pf::kOffsetsFile)};
}

bool PiViewFiles::IsStore(const std::string& store) const {
  struct stat st;
  const std::string segments = index::JoinRelPath(store, pf::kSegmentsDir);
  return ::fstatat(root_fd_, segments.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

bool PiViewFiles::BackingExists(const std::string& path) const {
  struct stat st;
  return ::fstatat(root_fd_, path.empty() ? "." : path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

PiViewFiles::StoreSource* PiViewFiles::SourceFor(const std::string& store) {
  absl::MutexLock lock(&mu_);
  auto& slot = files_[store];
  if (slot == nullptr) slot = std::make_unique<StoreSource>(holder_, root_fd_, store);
  return slot.get();
}

PiViewFiles::DirSource* PiViewFiles::DirFor(const std::string& store) {
  absl::MutexLock lock(&mu_);
  auto& slot = dirs_[store];
  if (slot == nullptr) slot = std::make_unique<DirSource>(root_fd_, store);
  return slot.get();
}

std::optional<DerivedSpec> PiViewFiles::Resolve(std::string_view dir, std::string_view name) {
  // A store is told by its segments/ directory, not by the index (which may
  // not be open yet: the view's first getattr or open opens it).
  if (name == pf::kOffsetsFile) {
    std::optional<std::string> store = StoreOfIndexDir(dir);
    if (!store || !IsStore(*store)) return std::nullopt;
    return DerivedSpec{DerivedSpec::Kind::kFile, SourceFor(*store), /*pass_writes=*/true};
  }
  if (name == pf::kIndexDir) {
    const std::string store(dir);
    if (!IsStore(store) || BackingExists(index::JoinRelPath(store, pf::kIndexDir))) return std::nullopt;
    return DerivedSpec{DerivedSpec::Kind::kDirectory, DirFor(store), /*pass_writes=*/true};
  }
  return std::nullopt;
}

DerivedFiles::Listed PiViewFiles::List(std::string_view dir) {
  std::vector<std::string> names;
  const std::string store(dir);
  if (IsStore(store) && !BackingExists(index::JoinRelPath(store, pf::kIndexDir))) {
    names.emplace_back(pf::kIndexDir);
  }
  if (std::optional<std::string> owner = StoreOfIndexDir(dir); owner && IsStore(*owner)) {
    names.emplace_back(pf::kOffsetsFile);
  }
  DerivedFiles::Listed listed;
  for (std::string& name : names) {
    if (std::optional<DerivedSpec> spec = Resolve(dir, name)) listed.emplace_back(std::move(name), *spec);
  }
  return listed;
}

}  // namespace logdex::fs
