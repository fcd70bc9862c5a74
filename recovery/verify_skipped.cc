// What verify could not check, and why (verify_skipped.h).
#include "recovery/verify_skipped.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "index/exhaustion.h"
#include "index/file_io.h"
#include "index/log_bytes.h"
#include "index/log_tree.h"
#include "index/utf8.h"

namespace logdex::recovery {

std::string WhyUnreadable(int root_fd, const std::string& rel, bool* vanished) {
  *vanished = false;
  // Only a regular file is opened (never a FIFO swapped in: file_io.h).
  const int fd = index::OpenRegularAt(root_fd, rel.c_str());
  if (fd < 0) {
    const int err = errno;
    struct stat there;
    if (err == ENOENT && fstatat(root_fd, rel.c_str(), &there, AT_SYMLINK_NOFOLLOW) == 0) {
      *vanished = true;
      return "replaced while verify ran by something that is not a regular file";
    }
    if (err == ENOENT || err == ELOOP || err == ENOTDIR) {
      *vanished = true;
      return err == ENOENT ? "deleted while verify ran" : "replaced while verify ran";
    }
    return index::IsExhaustion(err) ? kExhaustedReason : std::strerror(err);
  }
  absl::Cleanup close_fd = [fd] { close(fd); };
  struct stat st;
  if (fstat(fd, &st) != 0) return std::strerror(errno);
  if (!S_ISREG(st.st_mode)) {
    *vanished = true;
    return "replaced while verify ran by something that is not a regular file";
  }
  char byte;
  if (pread(fd, &byte, 1, 0) < 0) return std::strerror(errno);
  return "a read failed while verify ran";
}

void FindSkippedPaths(int root_fd, std::vector<SkippedPath>* out) {
  std::vector<std::string> pending = {""};
  while (!pending.empty()) {
    const std::string rel = std::move(pending.back());
    pending.pop_back();
    const int fd = rel.empty() ? dup(root_fd)
                               : openat(root_fd, rel.c_str(),
                                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR* d = fd < 0 ? nullptr : fdopendir(fd);
    if (d == nullptr) {
      const int err = errno;
      if (fd >= 0) close(fd);
      if (!index::IsExhaustion(err) && err != ENOENT) {
        out->push_back({FindingKind::kUnreadableDir, rel, std::strerror(err)});
      }
      continue;
    }
    absl::Cleanup close_dir = [d] { closedir(d); };
    while (struct dirent* e = readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st;
      if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      const std::string child = index::JoinRelPath(rel, name);
      if (S_ISDIR(st.st_mode)) {
        if (!(rel.empty() && name == ".logdex")) pending.push_back(child);
      } else if (S_ISREG(st.st_mode) &&
                 (index::IsLogFileName(name) || index::IsCompressedLogName(name)) &&
                 !index::IsValidUtf8(child)) {
        out->push_back({FindingKind::kNonUtf8Name, child, ""});
      }
    }
  }
}

}  // namespace logdex::recovery
