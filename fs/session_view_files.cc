#include "fs/session_view_files.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "fs/errno_status.h"

namespace logdex::fs {

// One session's file: its current version, or, once the session is gone,
// the last version it had (final; the name no longer resolves, so only a
// node the kernel still holds asks).
class SessionViewFiles::SessionSource : public DerivedSource {
 public:
  SessionSource(IndexHolder* holder, std::string name, const DerivedPerms* perms)
      : holder_(holder), name_(std::move(name)), perms_(perms) {}
  const std::string& name() const { return name_; }

  absl::StatusOr<VersionPtr> Current(bool may_open) override {
    absl::StatusOr<index::SessionIndex*> sessions = holder_->Sessions(may_open);
    if (!sessions.ok()) return sessions.status();
    if (*sessions == nullptr) return VersionPtr();
    VersionPtr now = (*sessions)->Find(name_);
    absl::MutexLock lock(&mu_);
    if (now != nullptr) last_ = now;
    if (last_ == nullptr) return PosixError(ENOENT, absl::StrFormat("session file %s", name_));
    return last_;
  }
  DerivedPerms Permissions() override { return *perms_; }

 private:
  IndexHolder* const holder_;
  const std::string name_;
  const DerivedPerms* const perms_;
  absl::Mutex mu_;
  VersionPtr last_ ABSL_GUARDED_BY(mu_);
};

class SessionViewFiles::DirSource : public DerivedSource {
 public:
  explicit DirSource(DerivedPerms perms) : perms_(perms) {}
  absl::StatusOr<VersionPtr> Current(bool) override { return VersionPtr(); }
  DerivedPerms Permissions() override { return perms_; }

 private:
  const DerivedPerms perms_;
};

SessionViewFiles::SessionViewFiles(IndexHolder* holder, DerivedPerms file_perms)
    : holder_(holder),
      file_perms_(file_perms),
      dir_(std::make_unique<DirSource>(
          DerivedPerms{0555, file_perms.uid, file_perms.gid, std::nullopt})) {}

SessionViewFiles::~SessionViewFiles() = default;

DerivedSpec SessionViewFiles::DirSpec() {
  return DerivedSpec{DerivedSpec::Kind::kDirectory, dir_.get(), /*pass_writes=*/false};
}

std::optional<DerivedSpec> SessionViewFiles::Resolve(std::string_view name) {
  absl::StatusOr<index::SessionIndex*> sessions = holder_->Sessions(/*may_open=*/true);
  if (!sessions.ok() || *sessions == nullptr || (*sessions)->Find(name) == nullptr) {
    return std::nullopt;
  }
  absl::MutexLock lock(&mu_);
  return DerivedSpec{DerivedSpec::Kind::kFile, SourceFor(name), /*pass_writes=*/false};
}

DerivedSource* SessionViewFiles::SourceFor(std::string_view name) {
  const absl::string_view key(name.data(), name.size());
  auto it = sources_.find(key);
  if (it == sources_.end()) {
    auto source = std::make_unique<SessionSource>(holder_, std::string(name), &file_perms_);
    const absl::string_view own(source->name());  // the key views the source's own copy
    it = sources_.emplace(own, std::move(source)).first;
  }
  return it->second.get();
}

DerivedFiles::Listed SessionViewFiles::List() {
  absl::StatusOr<index::SessionIndex*> sessions = holder_->Sessions(/*may_open=*/true);
  if (!sessions.ok() || *sessions == nullptr) return {};
  std::vector<std::string> names = (*sessions)->Names();
  DerivedFiles::Listed listed;
  listed.reserve(names.size());
  absl::MutexLock lock(&mu_);
  for (std::string& name : names) {
    DerivedSource* source = SourceFor(name);
    listed.emplace_back(std::move(name),
                        DerivedSpec{DerivedSpec::Kind::kFile, source, /*pass_writes=*/false});
  }
  return listed;
}

}  // namespace logdex::fs
