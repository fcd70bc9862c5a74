// PosixFiles: the DurableFiles of the real file system (durable_files.h).
#include "recovery/durable_files.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>

#include "index/unique_fd.h"

namespace logdex::recovery {
namespace {

using index::UniqueFd;

// Writes go to the kernel in pieces of at most this (a huge write(2) is
// split by the kernel anyway, and a signal interrupts less of a small one).
constexpr size_t kChunk = 1 << 20;

absl::Status Error(int err, std::string_view what, const std::string& path) {
  if (err == ELOOP) return absl::FailedPreconditionError(path + " is a symlink; not followed");
  return absl::ErrnoToStatus(err, std::string(what) + " " + path);
}

class PosixFile final : public DurableFile {
 public:
  PosixFile(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

  absl::Status Append(std::string_view bytes) override {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_.get(), bytes.data(), std::min(bytes.size(), kChunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Error(n < 0 ? errno : EIO, "cannot write", path_);
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }
  absl::Status Sync() override {
    if (::fsync(fd_.get()) != 0) return Error(errno, "cannot fsync", path_);
    return absl::OkStatus();
  }
  absl::Status Close() override {
    if (fd_.Close() != 0) return Error(errno, "cannot close", path_);
    return absl::OkStatus();
  }

 private:
  UniqueFd fd_;
  const std::string path_;
};

class Posix final : public DurableFiles {
 public:
  absl::StatusOr<std::unique_ptr<DurableFile>> Create(Dir dir, std::string_view name,
                                                      unsigned mode) override {
    const std::string n(name), path = ShownPath(dir, name);
    UniqueFd fd(::openat(dir.fd, n.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (!fd.valid()) return Error(errno, "cannot create", path);
    // Exactly `mode`, whatever the umask.
    if (::fchmod(fd.get(), mode) != 0) {
      const int err = errno;
      ::unlinkat(dir.fd, n.c_str(), 0);
      return Error(err, "cannot chmod", path);
    }
    return std::unique_ptr<DurableFile>(new PosixFile(std::move(fd), path));
  }

  absl::Status MakeDir(Dir parent, std::string_view name, unsigned mode) override {
    const std::string n(name), path = ShownPath(parent, name);
    if (::mkdirat(parent.fd, n.c_str(), mode) != 0) return Error(errno, "cannot create directory", path);
    UniqueFd fd(::openat(parent.fd, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid() || ::fchmod(fd.get(), mode) != 0) {
      const int err = errno;
      ::unlinkat(parent.fd, n.c_str(), AT_REMOVEDIR);  // a failed call changes nothing
      return Error(err, "cannot chmod", path);
    }
    return absl::OkStatus();
  }

  absl::Status Rename(Dir from, std::string_view from_name, Dir to, std::string_view to_name) override {
    const std::string a(from_name), b(to_name);
    if (::renameat(from.fd, a.c_str(), to.fd, b.c_str()) != 0) {
      return Error(errno, "cannot rename " + ShownPath(from, from_name) + " to", ShownPath(to, to_name));
    }
    return absl::OkStatus();
  }

  absl::Status Link(Dir from, std::string_view from_name, Dir to, std::string_view to_name) override {
    const std::string a(from_name), b(to_name);
    if (::linkat(from.fd, a.c_str(), to.fd, b.c_str(), 0) != 0) {
      return Error(errno, "cannot link " + ShownPath(from, from_name) + " as", ShownPath(to, to_name));
    }
    return absl::OkStatus();
  }

  absl::Status Unlink(Dir dir, std::string_view name) override {
    const std::string n(name);
    if (::unlinkat(dir.fd, n.c_str(), 0) != 0) return Error(errno, "cannot remove", ShownPath(dir, name));
    return absl::OkStatus();
  }

  absl::Status SyncDir(Dir dir) override {
    if (::fsync(dir.fd) != 0) return Error(errno, "cannot fsync", dir.shown.empty() ? "." : std::string(dir.shown));
    return absl::OkStatus();
  }
};

// PosixFiles, but abort() at a Rename.
class AbortBeforeRename final : public ForwardingFiles {
 public:
  AbortBeforeRename() : ForwardingFiles(PosixFiles()) {}
  absl::Status Rename(Dir, std::string_view, Dir, std::string_view) override { std::abort(); }
};

}  // namespace

std::string ShownPath(Dir dir, std::string_view name) {
  if (dir.shown.empty()) return std::string(name);
  std::string out(dir.shown);
  if (out.back() != '/') out += '/';
  out += name;
  return out;
}

DurableFiles& PosixFiles() {
  static Posix* const files = new Posix;
  return *files;
}

DurableFiles& AbortBeforeRenameFiles() {
  static AbortBeforeRename* const files = new AbortBeforeRename;
  return *files;
}

}  // namespace logdex::recovery
