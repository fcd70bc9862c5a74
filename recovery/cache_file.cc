// The cache file on disk: atomic replace, whole-file read, quarantine.
// Encoding and decoding are in cache_codec.cc.
#include "recovery/cache_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "index/file_io.h"
#include "index/unique_fd.h"
#include "recovery/cache_format.h"

namespace logdex::recovery {
namespace {

using index::UniqueFd;

absl::Status Errno(std::string_view what, const std::string& path) {
  return absl::ErrnoToStatus(errno, absl::StrFormat("%s %s", what, path));
}

// mkdir -p with kCacheDirMode for each directory it creates.
absl::Status MakeDirs(const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("empty cache dir");
  for (size_t end = 1; end <= dir.size(); ++end) {
    if (end != dir.size() && dir[end] != '/') continue;
    const std::string prefix = dir.substr(0, end);
    if (mkdir(prefix.c_str(), kCacheDirMode) == 0 || errno == EEXIST) continue;
    return Errno("cannot create cache dir", prefix);
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) return Errno("cannot stat cache dir", dir);
  if (!S_ISDIR(st.st_mode)) return absl::FailedPreconditionError(absl::StrCat(dir, " is not a directory"));
  return absl::OkStatus();
}

absl::Status FsyncDir(const std::string& dir) {
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Errno("cannot open cache dir", dir);
  if (fsync(fd.get()) != 0) return Errno("cannot fsync cache dir", dir);
  return absl::OkStatus();
}

absl::Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno("cannot write", path);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Whether process PID is running. A killed daemon nobody has reaped yet (its
// parent is gone and the pid-1 of a container may never reap it) is a zombie:
// kill(pid, 0) still succeeds, but it writes nothing any more.
bool IsRunning(int pid) {
  if (kill(pid, 0) != 0 && errno == ESRCH) return false;
  UniqueFd fd(open(absl::StrFormat("/proc/%d/stat", pid).c_str(), O_RDONLY | O_CLOEXEC));
  std::string stat;
  if (fd.get() < 0 || !index::ReadToEnd(fd.get(), &stat, 4096)) return errno != ENOENT && errno != ESRCH;
  // "pid (comm) S ...": the state follows the last ')', as comm may hold one.
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return true;
  const char state = stat[paren + 2];
  return state != 'Z' && state != 'X';
}

// Removes temp files left by writers that died before their rename (a crash
// between open and rename). Best effort: a live writer's file is left alone,
// and no temp file is ever read, so a leftover only wastes space.
void RemoveStaleTempFiles(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return;
  absl::Cleanup close_dir = [d] { closedir(d); };
  const std::string prefix = absl::StrFormat("%s%s", kCacheFileName, kTempInfix);
  while (const dirent* e = readdir(d)) {
    const std::string_view name = e->d_name;
    if (name.substr(0, prefix.size()) != prefix) continue;
    const std::string_view rest = name.substr(prefix.size());
    int pid = 0;
    const std::string_view digits = rest.substr(0, rest.find('.'));
    if (!absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), &pid) || pid <= 0) continue;
    if (pid == getpid() || IsRunning(pid)) continue;
    unlinkat(dirfd(d), e->d_name, 0);
  }
}

std::atomic<uint64_t> temp_counter{0};

}  // namespace

std::string CacheFilePath(const std::string& dir) { return absl::StrFormat("%s/%s", dir, kCacheFileName); }

absl::Status WriteCacheFile(const std::string& dir, const CacheImage& image,
                            const BeforeRenameHook& before_rename) {
  if (absl::Status s = MakeDirs(dir); !s.ok()) return s;
  RemoveStaleTempFiles(dir);
  const std::string bytes = EncodeCache(image);
  const std::string path = CacheFilePath(dir);
  const std::string temp =
      absl::StrFormat("%s%s%d.%d", path, kTempInfix, getpid(), temp_counter.fetch_add(1));

  UniqueFd fd(open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kCacheFileMode));
  if (fd.get() < 0) return Errno("cannot create", temp);
  // Until the rename, the temp file is ours to remove: on an error return
  // and on an exception thrown by the hook alike.
  absl::Cleanup remove_temp = [&temp] { unlink(temp.c_str()); };
  if (absl::Status s = WriteAll(fd.get(), bytes, temp); !s.ok()) return s;
  if (fsync(fd.get()) != 0) return Errno("cannot fsync", temp);
  if (fd.Close() != 0) return Errno("cannot close", temp);
  if (before_rename) before_rename();
  if (rename(temp.c_str(), path.c_str()) != 0) return Errno("cannot rename into place", path);
  std::move(remove_temp).Cancel();
  // The rename is durable only once the directory is.
  return FsyncDir(dir);
}

absl::StatusOr<CacheImage> ReadCacheFile(const std::string& dir, std::string_view expected_log_dir_id) {
  // A mount whose index never changes never saves: the load is where a
  // killed daemon's temp file is swept.
  RemoveStaleTempFiles(dir);
  const std::string path = CacheFilePath(dir);
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no cache file ", path));
    return Errno("cannot open", path);
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Errno("cannot stat", path);
  if (!S_ISREG(st.st_mode)) return absl::DataLossError(absl::StrCat(path, " is not a regular file"));
  // The body is at most kMaxUncompressedSize plus LZ4 overhead; a larger
  // file is damaged and is not read into memory.
  const uint64_t max_size = kHeaderSize + kMaxUncompressedSize + (kMaxUncompressedSize >> 7);
  if (static_cast<uint64_t>(st.st_size) > max_size) {
    return absl::DataLossError(absl::StrFormat("%s is %d bytes, more than any cache", path, st.st_size));
  }
  std::string bytes;
  bytes.reserve(static_cast<size_t>(st.st_size));
  if (!index::ReadToEnd(fd.get(), &bytes, max_size)) {
    if (errno == EFBIG) return absl::DataLossError(absl::StrCat(path, " grew while read"));
    return Errno("cannot read", path);
  }
  absl::StatusOr<CacheImage> image = DecodeCache(bytes, expected_log_dir_id);
  if (!image.ok()) {
    return absl::Status(image.status().code(), absl::StrCat(path, ": ", image.status().message()));
  }
  return image;
}

absl::Status QuarantineCacheFile(const std::string& dir) {
  const std::string path = CacheFilePath(dir);
  const std::string bad = absl::StrFormat("%s%s", path, kBadSuffix);
  if (rename(path.c_str(), bad.c_str()) != 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no cache file ", path));
    return Errno("cannot move aside", path);
  }
  return FsyncDir(dir);
}

}  // namespace logdex::recovery
