#include "index/log_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "index/utf8.h"

namespace logdex::index {
namespace {

struct PendingDir {
  int fd;           // open while the directory is read
  std::string rel;  // "" for the root, else "a/b/"
};

bool IsDirAt(int dirfd, const char* name) {
  struct stat st;
  return fstatat(dirfd, name, &st, 0) == 0 && S_ISDIR(st.st_mode);  // follows symlinks
}

// A pi store's own index (`<store>/index/offsets.jsonl` beside
// `<store>/segments/`) is derived from the segments, not a log.
bool IsPiOffsetsIndex(const PendingDir& dir, std::string_view name) {
  if (name != "offsets.jsonl") return false;
  std::string_view rel = dir.rel;
  if (!rel.ends_with("/")) return false;
  rel.remove_suffix(1);
  const size_t slash = rel.rfind('/');
  if ((slash == std::string_view::npos ? rel : rel.substr(slash + 1)) != "index") return false;
  return IsDirAt(dir.fd, "../segments");
}

}  // namespace

bool IsLogFileName(std::string_view name) {
  return name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".seg");
}

absl::StatusOr<LogTree> ListLogFiles(const std::string& root) {
  const int root_fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open log dir ", root));
  absl::Cleanup close_root = [root_fd] { close(root_fd); };
  LogTree tree;
  // Directories still to read, by path: holding an fd for each would run out
  // of descriptors on wide trees.
  std::vector<std::string> pending = {""};
  while (!pending.empty()) {
    PendingDir dir{-1, std::move(pending.back())};
    pending.pop_back();
    dir.fd = dir.rel.empty()
                 ? dup(root_fd)
                 : openat(root_fd, dir.rel.substr(0, dir.rel.size() - 1).c_str(),
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR* d = dir.fd < 0 ? nullptr : fdopendir(dir.fd);
    if (d == nullptr) {
      if (dir.fd >= 0) close(dir.fd);
      ++tree.unreadable_dirs;
      continue;
    }
    absl::Cleanup close_dir = [d] { closedir(d); };
    const bool at_root = dir.rel.empty();
    while (struct dirent* e = readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      unsigned char type = e->d_type;
      struct stat st;
      bool have_stat = false;
      if (type == DT_UNKNOWN || type == DT_REG) {
        if (fstatat(dir.fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // vanished
        have_stat = true;
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
      }
      if (type == DT_DIR) {
        if (at_root && name == ".logdex") continue;  // hidden by the virtual one
        pending.push_back(dir.rel + std::string(name) + "/");
        continue;
      }
      if (type != DT_REG || !have_stat || !IsLogFileName(name)) continue;
      if (at_root && name == "index.ndjson") continue;  // hidden by the virtual one
      if (IsPiOffsetsIndex(dir, name)) continue;
      std::string rel = dir.rel + std::string(name);
      if (!IsValidUtf8(rel)) {
        ++tree.non_utf8_paths;
        continue;
      }
      tree.files.push_back({std::move(rel), static_cast<uint64_t>(st.st_size)});
    }
  }
  std::sort(tree.files.begin(), tree.files.end(),
            [](const LogFile& a, const LogFile& b) { return a.rel_path < b.rel_path; });
  return tree;
}

}  // namespace logdex::index
