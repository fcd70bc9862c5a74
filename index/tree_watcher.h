// Which paths of the log dir changed since the last look, from inotify.
//
// Every directory of the tree is watched. Events are queued by the kernel
// while the writing syscall runs, so a Poll() made after a write returned
// sees it: that is what makes index.ndjson fresh for frames written straight
// into the log dir. When the kernel's watch limit runs out, the directories
// left unwatched are reported by every Poll() so the caller can stat them
// instead (cost proportional to the unwatched part only); when the event
// queue overflows or a watched directory itself moves, Poll() asks for a
// full stat-based rescan. A directory that could not be listed for lack of
// descriptors (index/exhaustion.h) is listed again, and reported as changed,
// at every Poll() until that works.
#ifndef LOGDEX_INDEX_TREE_WATCHER_H_
#define LOGDEX_INDEX_TREE_WATCHER_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace logdex::index {

struct TreeChanges {
  // Relative paths (no leading '/', "" never) that changed: files, or
  // directories whose whole subtree must be looked at. May name paths that no
  // longer exist.
  std::vector<std::string> paths;
  bool everything = false;  // rescan the whole tree by stat
  bool empty() const { return paths.empty() && !everything; }
};

// Not thread-safe: one owner polls it (the live index, under its lock).
class TreeWatcher {
 public:
  // Starts watching root and every directory below it (symlinks not followed).
  static absl::StatusOr<std::unique_ptr<TreeWatcher>> Start(const std::string& root);
  ~TreeWatcher();
  TreeWatcher(const TreeWatcher&) = delete;
  TreeWatcher& operator=(const TreeWatcher&) = delete;

  // Collects the changes queued since the last call, without blocking.
  TreeChanges Poll();

  size_t watched_dirs() const { return dirs_.size(); }
  // Directories past the kernel's watch limit (stat-scanned on every Poll).
  size_t unwatched_dirs() const { return unwatched_.size(); }
  // Directories waiting to be listed again after running out of descriptors.
  size_t unlisted_dirs() const { return unlisted_.size(); }

 private:
  TreeWatcher(std::string root, int inotify_fd);
  // Watches rel (a directory, "" for root) and the directories below it.
  void WatchTree(const std::string& rel);
  void Rewatch();

  const std::string root_;
  const int fd_;
  absl::flat_hash_map<int, std::string> dirs_;  // watch descriptor -> relative dir
  std::vector<std::string> unwatched_;          // dirs the watch limit left out
  std::vector<std::string> unlisted_;           // dirs not listed for lack of descriptors
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_TREE_WATCHER_H_
