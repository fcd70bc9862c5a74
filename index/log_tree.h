// Which files of a log dir are log files (SPEC §1), in canonical order.
//
// Walks the tree without following symlinks. A log file is a regular file
// whose name ends in .jsonl, .ndjson or .seg, or one named NAME.lz4 for such
// a NAME when no entry NAME exists beside it (listed as NAME, compressed),
// except: the root's own
// index.ndjson and anything under the root's .logdex (hidden by the virtual
// ones), and a pi store's index/offsets.jsonl (a directory `index` beside a
// directory `segments`). Paths that are not valid UTF-8 are counted, not
// listed. Canonical order is the relative path compared as bytes.
//
// A directory that vanishes (or stops being a directory) between being seen
// and being opened is not counted: a fresh walk would not see it either. One
// that cannot be opened for any other reason (EACCES...) is counted as
// unreadable.
#ifndef LOGDEX_INDEX_LOG_TREE_H_
#define LOGDEX_INDEX_LOG_TREE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace logdex::index {

struct LogFile {
  std::string rel_path;  // '/'-separated, valid UTF-8
  // Its bytes are those of rel_path + ".lz4", decompressed (SPEC §7;
  // index/log_bytes.h opens either kind).
  bool compressed = false;
  // As seen when listed (of the .lz4 file when compressed: its size is then
  // the compressed size, not what the log file holds).
  uint64_t size = 0;
  uint64_t ino = 0;
  int64_t mtime_ns = 0;
};

struct LogTree {
  std::vector<LogFile> files;  // canonical order
  uint64_t non_utf8_paths = 0;
  uint64_t unreadable_dirs = 0;
  // The first kMaxUnreadableDirPaths of them (relative path, "." for the
  // root, and errno), for the daemon's log.
  static constexpr size_t kMaxUnreadableDirPaths = 100;
  std::vector<std::pair<std::string, int>> unreadable_dir_paths;
  // Every path counted in non_utf8_paths and unreadable_dirs ("" for the
  // root), so an incremental update can replace a subtree's share of the
  // counts (live_index.h) and keep them equal to a fresh walk's.
  std::vector<std::string> non_utf8_list;
  std::vector<std::string> unreadable_dir_list;
  // Directories that could not be opened for lack of descriptors or memory
  // (index/exhaustion.h), relative paths ("" for the root): what lies below
  // them is unknown, not gone.
  std::vector<std::string> exhausted_dirs;
  // pi session stores (v2): directories that hold a directory named
  // `segments` ("" for the log dir itself), relative paths in canonical
  // order. A store may have no segment files yet.
  std::vector<std::string> pi_stores;
};

bool IsLogFileName(std::string_view name);

// The relative path of `name` inside the relative directory `dir`:
// "dir/name", or `name` when dir is "" (the log dir itself).
std::string JoinRelPath(std::string_view dir, std::string_view name);
// The other way: the `dir` for which JoinRelPath(dir, name) is `path`
// ("S/name" -> "S", "name" -> ""), or nullopt when the last component of
// `path` is not `name`.
std::optional<std::string> RelPathDir(std::string_view path, std::string_view name);

// Whether `rel` (relative to the log dir open as root_fd) names a file that
// would be indexed if it is a regular file: a log file name, valid UTF-8, and
// none of the exclusions above. Does not look at the file itself.
bool IsIndexablePath(int root_fd, std::string_view rel);

// Whether `rel` is there as a walk would list it: a regular file `rel`, or
// no entry `rel` and a regular `rel`.lz4. Does not look at the name.
bool IsRegularLogAt(int root_fd, const std::string& rel);

// Fails only if `root` cannot be opened as a directory (kResourceExhausted
// when that is for lack of descriptors). With `under` (a
// relative directory path, no trailing '/'), lists only that subtree, with
// paths still relative to root.
absl::StatusOr<LogTree> ListLogFiles(const std::string& root, std::string_view under = "");

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_LOG_TREE_H_
