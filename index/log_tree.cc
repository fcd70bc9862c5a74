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
#include "index/exhaustion.h"
#include "index/log_bytes.h"
#include "index/pi_offsets_format.h"
#include "index/scan_hooks.h"
#include "index/utf8.h"

namespace logdex::index {
namespace {

bool IsDirAt(int dirfd, const char* path) {
  struct stat st;
  return fstatat(dirfd, path, &st, 0) == 0 && S_ISDIR(st.st_mode);  // follows symlinks
}

// A pi store's own index (`<store>/index/offsets.jsonl` beside
// `<store>/segments/`) is derived from the segments, not a log.
bool IsPiOffsetsIndex(int root_fd, std::string_view rel) {
  if (!(rel == "index/offsets.jsonl" || rel.ends_with("/index/offsets.jsonl"))) return false;
  const std::string store(rel.substr(0, rel.size() - std::string_view("index/offsets.jsonl").size()));
  return IsDirAt(root_fd, (store.empty() ? std::string("segments") : store + "segments").c_str());
}

}  // namespace

std::string JoinRelPath(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string out(dir);
  out += '/';
  out += name;
  return out;
}

std::optional<std::string> RelPathDir(std::string_view path, std::string_view name) {
  if (path == name) return std::string();
  if (path.size() <= name.size() || !path.ends_with(name) || path[path.size() - name.size() - 1] != '/') {
    return std::nullopt;
  }
  return std::string(path.substr(0, path.size() - name.size() - 1));
}

bool IsLogFileName(std::string_view name) {
  return name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".seg");
}

bool IsIndexablePath(int root_fd, std::string_view rel) {
  if (rel.empty() || !IsLogFileName(rel)) return false;
  if (rel == "index.ndjson" || rel.starts_with(".logdex/")) return false;  // virtual at the root
  if (!IsValidUtf8(rel)) return false;
  return !IsPiOffsetsIndex(root_fd, rel);
}

bool IsRegularLogAt(int root_fd, const std::string& rel) {
  struct stat st;
  if (fstatat(root_fd, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return S_ISREG(st.st_mode);
  if (errno != ENOENT) return false;
  const std::string compressed = rel + ".lz4";
  return fstatat(root_fd, compressed.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

absl::StatusOr<LogTree> ListLogFiles(const std::string& root, std::string_view under) {
  const int root_fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    const int err = errno;
    absl::Status s = absl::ErrnoToStatus(err, absl::StrCat("cannot open log dir ", root));
    return IsExhaustion(err) ? absl::ResourceExhaustedError(s.message()) : s;
  }
  absl::Cleanup close_root = [root_fd] { close(root_fd); };
  LogTree tree;
  // Directories still to read, by path: holding an fd for each would run out
  // of descriptors on wide trees.
  std::vector<std::string> pending = {under.empty() ? std::string() : std::string(under) + "/"};
  while (!pending.empty()) {
    struct {
      int fd;           // open while the directory is read
      std::string rel;  // "" for the root, else "a/b/"
    } dir{-1, std::move(pending.back())};
    pending.pop_back();
    dir.fd = dir.rel.empty()
                 ? dup(root_fd)
                 : openat(root_fd, dir.rel.substr(0, dir.rel.size() - 1).c_str(),
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR* d = dir.fd < 0 ? nullptr : fdopendir(dir.fd);
    if (d == nullptr) {
      const int err = errno;
      if (dir.fd >= 0) close(dir.fd);
      if (IsExhaustion(err)) {
        tree.exhausted_dirs.push_back(dir.rel.empty() ? "" : dir.rel.substr(0, dir.rel.size() - 1));
      } else if (!dir.rel.empty() && (err == ENOENT || err == ENOTDIR || err == ELOOP)) {
        // Removed or replaced (by a file or a symlink) since its parent was
        // listed: not there any more, not unreadable.
      } else {
        ++tree.unreadable_dirs;
        tree.unreadable_dir_list.push_back(dir.rel.empty() ? "" : dir.rel.substr(0, dir.rel.size() - 1));
        if (tree.unreadable_dir_paths.size() < LogTree::kMaxUnreadableDirPaths) {
          tree.unreadable_dir_paths.emplace_back(
              dir.rel.empty() ? "." : dir.rel.substr(0, dir.rel.size() - 1), err);
        }
      }
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
        if (name == pi_format::kSegmentsDir) {
          tree.pi_stores.push_back(dir.rel.empty() ? "" : dir.rel.substr(0, dir.rel.size() - 1));
        }
        pending.push_back(dir.rel + std::string(name) + "/");
        continue;
      }
      if (type != DT_REG || !have_stat) continue;
      bool compressed = false;
      std::string_view shown = name;
      if (IsCompressedLogName(name)) {
        // NAME.lz4 stands for NAME unless a real NAME (of any type) is there.
        shown = ShownName(name);
        struct stat real;
        if (fstatat(dir.fd, std::string(shown).c_str(), &real, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT) {
          continue;
        }
        compressed = true;
      } else if (!IsLogFileName(name)) {
        continue;
      }
      std::string rel = dir.rel + std::string(shown);
      if (!IsValidUtf8(rel)) {
        ++tree.non_utf8_paths;
        tree.non_utf8_list.push_back(std::move(rel));
        continue;
      }
      if (!IsIndexablePath(root_fd, rel)) continue;
      tree.files.push_back({std::move(rel), compressed, static_cast<uint64_t>(st.st_size),
                            static_cast<uint64_t>(st.st_ino),
                            static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 +
                                st.st_mtim.tv_nsec});
    }
    RunScanHook(ScanPoint::kDirListed,
                dir.rel.empty() ? std::string_view() : std::string_view(dir.rel).substr(0, dir.rel.size() - 1));
  }
  RunScanHook(ScanPoint::kTreeListed, under);
  std::sort(tree.files.begin(), tree.files.end(),
            [](const LogFile& a, const LogFile& b) { return a.rel_path < b.rel_path; });
  std::sort(tree.pi_stores.begin(), tree.pi_stores.end());
  return tree;
}

}  // namespace logdex::index
