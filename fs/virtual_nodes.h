// The names and shapes of the fixed virtual nodes (ids in inode_table.h).
// /index.ndjson is a derived file (derived_files.h), with a node per version.
//
//   /.logdex/               S_IFDIR 0555   (hides a real root .logdex)
//   /.logdex/status.json    S_IFREG 0444
//   /.logdex/metrics.prom   S_IFREG 0444
#ifndef LOGDEX_FS_VIRTUAL_NODES_H_
#define LOGDEX_FS_VIRTUAL_NODES_H_

#include <sys/stat.h>
#include <time.h>

#include <optional>
#include <string_view>
#include <vector>

#include "fs/file_handles.h"
#include "fs/inode_table.h"

namespace logdex::fs {

inline constexpr std::string_view kIndexName = "index.ndjson";
inline constexpr std::string_view kLogdexDirName = ".logdex";

// The fixed virtual node called `name` in directory `parent`, if there is
// one. At the root such a name hides the backing entry of the same name.
std::optional<VirtualId> VirtualChild(NodeId parent, std::string_view name);

// The fixed virtual entries readdir adds to `dir` (the root or /.logdex).
std::vector<DirEntry> VirtualEntries(NodeId dir);

// Attributes of a virtual node. Owner is the log dir root's.
struct stat VirtualStat(VirtualId id, uint64_t size, const struct timespec& mtime,
                        uid_t uid, gid_t gid);

inline ino_t VirtualIno(NodeId id) { return kVirtualInoBase + id; }

}  // namespace logdex::fs

#endif  // LOGDEX_FS_VIRTUAL_NODES_H_
