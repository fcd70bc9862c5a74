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
#include <memory>
#include <string>
#include <string_view>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "index/file_io.h"
#include "index/unique_fd.h"
#include "recovery/cache_format.h"

namespace logdex::recovery {
namespace {

using index::UniqueFd;

absl::Status Errno(std::string_view what, const std::string& path) {
  return absl::ErrnoToStatus(errno, absl::StrFormat("%s %s", what, path));
}

// mkdir -p: opens the cache dir, creating it and its missing parents with
// kCacheDirMode. Each directory made is made durable in its parent at once
// (durable_files.h): otherwise a power cut could drop the dir, and with it a
// first save that returned OK. Existing components are followed as open(2)
// follows them (a symlinked ~/.cache is fine), and walked with O_PATH, so a
// path through a directory we may search but not read works as mkdir -p did.
absl::StatusOr<UniqueFd> OpenCacheDir(DurableFiles& files, const std::string& dir) {
  constexpr int kWalk = O_PATH | O_DIRECTORY | O_CLOEXEC;
  constexpr int kRead = O_RDONLY | O_DIRECTORY | O_CLOEXEC;  // for fsync and readdir
  if (dir.empty()) return absl::InvalidArgumentError("empty cache dir");
  const bool absolute = dir[0] == '/';
  const std::string start = absolute ? "/" : ".";
  UniqueFd parent(open(start.c_str(), kWalk));
  if (!parent.valid()) return Errno("cannot open cache dir", start);
  std::string shown = absolute ? std::string() : start;  // the path so far, without a trailing '/'
  for (absl::string_view part : absl::StrSplit(dir, '/', absl::SkipEmpty())) {
    const std::string name(part);
    const std::string path = absl::StrCat(shown, "/", name);
    UniqueFd next(openat(parent.get(), name.c_str(), kWalk));
    if (!next.valid() && errno == ENOENT) {
      const std::string parent_shown = shown.empty() ? "/" : shown;
      UniqueFd readable(openat(parent.get(), ".", kRead));
      if (!readable.valid()) return Errno("cannot open cache dir", parent_shown);
      const Dir in{readable.get(), parent_shown};
      absl::Status made = files.MakeDir(in, name, kCacheDirMode);
      if (!made.ok() && !absl::IsAlreadyExists(made)) return made;  // exists: another writer made it
      if (made.ok()) {
        if (absl::Status s = files.SyncDir(in); !s.ok()) return s;
      }
      next = UniqueFd(openat(parent.get(), name.c_str(), kWalk));
    }
    if (!next.valid()) {
      if (errno == ENOTDIR) return absl::FailedPreconditionError(absl::StrCat(path, " is not a directory"));
      return Errno("cannot open cache dir", path);
    }
    parent = std::move(next);
    shown = path;
  }
  UniqueFd opened(openat(parent.get(), ".", kRead));
  if (!opened.valid()) return Errno("cannot open cache dir", dir);
  return opened;
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
void RemoveStaleTempFiles(DurableFiles& files, const std::string& dir) {
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
    (void)files.Unlink(Dir{dirfd(d), dir}, e->d_name);
  }
}

std::atomic<uint64_t> temp_counter{0};

}  // namespace

std::string CacheFilePath(const std::string& dir) { return absl::StrFormat("%s/%s", dir, kCacheFileName); }

absl::Status WriteCacheFile(const std::string& dir, const CacheImage& image, DurableFiles& files) {
  absl::StatusOr<UniqueFd> dir_fd = OpenCacheDir(files, dir);
  if (!dir_fd.ok()) return dir_fd.status();
  const Dir d{dir_fd->get(), dir};
  RemoveStaleTempFiles(files, dir);
  const std::string bytes = EncodeCache(image);
  const std::string temp = absl::StrFormat("%s%s%d.%d", kCacheFileName, kTempInfix, getpid(),
                                           temp_counter.fetch_add(1));
  // The order and its reasons: durable_files.h.
  absl::StatusOr<std::unique_ptr<DurableFile>> out = files.Create(d, temp, kCacheFileMode);
  if (!out.ok()) return out.status();
  // Until the rename, the temp file is ours to remove on an error return.
  absl::Cleanup remove_temp = [&] { (void)files.Unlink(d, temp); };
  if (absl::Status s = (*out)->Append(bytes); !s.ok()) return s;
  if (absl::Status s = (*out)->Sync(); !s.ok()) return s;
  if (absl::Status s = (*out)->Close(); !s.ok()) return s;
  if (absl::Status s = files.Rename(d, temp, d, kCacheFileName); !s.ok()) return s;
  std::move(remove_temp).Cancel();
  // The rename is durable only once the directory is.
  return files.SyncDir(d);
}

absl::StatusOr<CacheImage> ReadCacheFile(const std::string& dir, std::string_view expected_log_dir_id) {
  // A mount whose index never changes never saves: the load is where a
  // killed daemon's temp file is swept.
  RemoveStaleTempFiles(PosixFiles(), dir);
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

absl::Status QuarantineCacheFile(const std::string& dir, DurableFiles& files) {
  const std::string path = CacheFilePath(dir);
  UniqueFd dir_fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid()) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no cache file ", path));
    return Errno("cannot open cache dir", dir);
  }
  const Dir d{dir_fd.get(), dir};
  const std::string bad = absl::StrFormat("%s%s", kCacheFileName, kBadSuffix);
  if (absl::Status s = files.Rename(d, kCacheFileName, d, bad); !s.ok()) {
    if (absl::IsNotFound(s)) return absl::NotFoundError(absl::StrCat("no cache file ", path));
    return s;
  }
  return files.SyncDir(d);
}

}  // namespace logdex::recovery
