// A pi store's files as rebuild reaches them (pi_store_files.h).
#include "recovery/pi_store_files.h"

#include <errno.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "index/file_io.h"

namespace logdex::recovery {
namespace {

// This abseil's string_view is its own type, not std::string_view.
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

using index::UniqueFd;

absl::Status PiFileError(int err, std::string_view what, std::string_view path) {
  if (err == ELOOP)
    return absl::FailedPreconditionError(absl::StrCat(A(path), " is a symlink; not followed"));
  return absl::ErrnoToStatus(err, absl::StrCat(A(what), " ", A(path)));
}

absl::Status PiDirError(int err, int parent, std::string_view path, const char* name) {
  struct stat st;
  if (err == ENOTDIR && fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) return PiFileError(ELOOP, "", path);
    return absl::FailedPreconditionError(absl::StrCat(A(path), " is not a directory"));
  }
  return PiFileError(err, "cannot open directory", path);
}

absl::StatusOr<UniqueFd> OpenPiDir(int parent, const char* name, bool create) {
  UniqueFd fd(openat(parent, name, kPiDirFlags));
  if (fd.valid()) return fd;
  if (errno != ENOENT) return PiDirError(errno, parent, name, name);
  if (!create) return UniqueFd();
  if (mkdirat(parent, name, kPiDirMode) != 0 && errno != EEXIST) {
    return PiFileError(errno, "cannot create directory", name);
  }
  fd = UniqueFd(openat(parent, name, kPiDirFlags));
  if (!fd.valid()) return PiDirError(errno, parent, name, name);
  // Exactly 0700 whatever the umask (PI_FORMAT §1.4).
  if (fchmod(fd.get(), kPiDirMode) != 0) return PiFileError(errno, "cannot chmod", name);
  if (fsync(parent) != 0) return PiFileError(errno, "cannot fsync the directory holding", name);
  return fd;
}

absl::StatusOr<UniqueFd> OpenPiStore(int root_fd, std::string_view rel) {
  UniqueFd dir(openat(root_fd, ".", kPiDirFlags));
  if (!dir.valid()) return PiFileError(errno, "cannot open", "the log dir");
  if (rel.empty()) return dir;
  for (absl::string_view part : absl::StrSplit(A(rel), '/')) {
    const std::string name(part);
    UniqueFd next(openat(dir.get(), name.c_str(), kPiDirFlags));
    if (!next.valid()) return PiDirError(errno, dir.get(), name, name.c_str());
    dir = std::move(next);
  }
  return dir;
}

absl::StatusOr<UniqueFd> LockPiStore(int store_fd, bool exclusive, bool create, bool* created) {
  constexpr int kFlags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
  // A FIFO or other special file there is never opened: opening a FIFO, even
  // non-blocking, releases a writer blocked on it.
  struct stat before;
  if (fstatat(store_fd, kPiLockFile, &before, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(before.st_mode)) {
    if (S_ISLNK(before.st_mode)) return PiFileError(ELOOP, "cannot open", kPiLockFile);
    return absl::FailedPreconditionError(absl::StrCat(kPiLockFile, " is not a regular file"));
  }
  UniqueFd fd(openat(store_fd, kPiLockFile, kFlags));
  if (!fd.valid() && errno == ENOENT) {
    if (!create) return UniqueFd();
    fd = UniqueFd(openat(store_fd, kPiLockFile, kFlags | O_CREAT | O_EXCL, kPiFileMode));
    if (fd.valid() && fchmod(fd.get(), kPiFileMode) != 0) {
      return PiFileError(errno, "cannot chmod", kPiLockFile);
    }
    if (fd.valid() && created != nullptr) *created = true;
    if (!fd.valid() && errno == EEXIST) fd = UniqueFd(openat(store_fd, kPiLockFile, kFlags));
  }
  if (!fd.valid()) return PiFileError(errno, "cannot open", kPiLockFile);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return PiFileError(errno, "cannot stat", kPiLockFile);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(kPiLockFile, " is not a regular file"));
  }
  int rc;
  do {
    rc = flock(fd.get(), (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0 && errno == EWOULDBLOCK) {
    return absl::UnavailableError(absl::StrCat(kPiLockFile, " is held by another process"));
  }
  if (rc != 0) return PiFileError(errno, "cannot lock", kPiLockFile);
  return fd;
}

absl::StatusOr<bool> PiReadAt(int fd, uint64_t at, size_t n, std::string* out, std::string_view path) {
  out->resize(n);
  int err;
  const size_t got = index::PreadAll(fd, out->data(), n, at, &err);
  if (err != 0) return PiFileError(err, "cannot read", path);
  return got == n;
}

}  // namespace logdex::recovery
