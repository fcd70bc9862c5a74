#include "index/tree_watcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "index/exhaustion.h"

namespace logdex::index {
namespace {

constexpr uint32_t kMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM |
                           IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF |
                           IN_DONT_FOLLOW | IN_ONLYDIR | IN_EXCL_UNLINK;

std::string Join(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TreeWatcher>> TreeWatcher::Start(const std::string& root) {
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "inotify_init1");
  std::unique_ptr<TreeWatcher> w(new TreeWatcher(root, fd));
  w->WatchTree("");
  if (w->dirs_.empty()) return absl::NotFoundError("cannot watch the log dir " + root);
  return w;
}

TreeWatcher::TreeWatcher(std::string root, int inotify_fd) : root_(std::move(root)), fd_(inotify_fd) {}

TreeWatcher::~TreeWatcher() { close(fd_); }

void TreeWatcher::WatchTree(const std::string& rel) {
  std::vector<std::string> pending = {rel};
  while (!pending.empty()) {
    const std::string dir = std::move(pending.back());
    pending.pop_back();
    // The root as "ROOT/.": IN_DONT_FOLLOW must not stop at the root when it
    // is itself a link (the live index passes /proc/self/fd/N).
    const std::string full = dir.empty() ? root_ + "/." : root_ + "/" + dir;
    const int wd = inotify_add_watch(fd_, full.c_str(), kMask);
    if (wd < 0) {
      if (errno == ENOSPC || errno == ENOMEM) unwatched_.push_back(dir);
      continue;  // vanished or unreadable: nothing to index below it anyway
    }
    dirs_[wd] = dir;
    // Subdirectories, listed after the watch exists so none created in
    // between is missed (a duplicate report is harmless).
    const int dfd = open(full.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR* d = dfd < 0 ? nullptr : fdopendir(dfd);
    if (d == nullptr) {
      if (IsExhaustion(errno)) unlisted_.push_back(dir);
      if (dfd >= 0) close(dfd);
      continue;
    }
    absl::Cleanup close_dir = [d] { closedir(d); };
    while (struct dirent* e = readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      bool is_dir = e->d_type == DT_DIR;
      if (e->d_type == DT_UNKNOWN) {
        struct stat st;
        is_dir = fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
      }
      if (is_dir) pending.push_back(Join(dir, name));
    }
  }
}

void TreeWatcher::Rewatch() {
  for (const auto& [wd, dir] : dirs_) inotify_rm_watch(fd_, wd);
  dirs_.clear();
  unwatched_.clear();
  unlisted_.clear();
  WatchTree("");
}

TreeChanges TreeWatcher::Poll() {
  TreeChanges changes;
  // Listed again first, so a directory made below one meanwhile is watched
  // before the events are read (a duplicate report is harmless).
  std::vector<std::string> unlisted = std::move(unlisted_);
  unlisted_.clear();
  for (const std::string& dir : unlisted) {
    WatchTree(dir);
    if (dir.empty()) {
      changes.everything = true;
    } else {
      changes.paths.push_back(dir);
    }
  }
  alignas(struct inotify_event) char buf[64 * 1024];
  bool rewatch = false;
  for (;;) {
    const ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      break;  // EAGAIN: drained
    }
    for (ssize_t off = 0; off + static_cast<ssize_t>(sizeof(struct inotify_event)) <= n;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(buf + off);
      off += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
      if (ev->mask & IN_Q_OVERFLOW) {
        changes.everything = true;
        continue;
      }
      const auto it = dirs_.find(ev->wd);
      if (it == dirs_.end()) continue;
      const std::string dir = it->second;
      if (ev->mask & IN_IGNORED) {
        dirs_.erase(it);
        continue;
      }
      if (ev->mask & (IN_MOVE_SELF | IN_DELETE_SELF)) {
        // A watched directory moved or went: the paths we hold for the
        // directories below it are stale.
        if (ev->mask & IN_MOVE_SELF) rewatch = true;
        changes.paths.push_back(dir);
        continue;
      }
      if (ev->len == 0) continue;
      const std::string path = Join(dir, ev->name);
      changes.paths.push_back(path);
      // A directory made, moved in, or whose mode changed: one that could
      // not be watched while unreadable can be now (watching one already
      // watched again is harmless).
      if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO | IN_ATTRIB))) WatchTree(path);
    }
  }
  if (rewatch) {
    Rewatch();
    changes.everything = true;
  }
  // Directories past the watch limit are looked at on every poll.
  for (const std::string& dir : unwatched_) changes.paths.push_back(dir);
  if (changes.paths.size() > 1) {
    std::sort(changes.paths.begin(), changes.paths.end());
    changes.paths.erase(std::unique(changes.paths.begin(), changes.paths.end()), changes.paths.end());
  }
  return changes;
}

}  // namespace logdex::index
