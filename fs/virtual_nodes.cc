#include "fs/virtual_nodes.h"

#include <cstring>

namespace logdex::fs {
namespace {

constexpr std::string_view kStatusName = "status.json";
constexpr std::string_view kMetricsName = "metrics.prom";

}  // namespace

std::optional<VirtualId> VirtualChild(NodeId parent, std::string_view name) {
  if (parent == kRootId) {
    if (name == kLogdexDirName) return kLogdexDirId;
  } else if (parent == kLogdexDirId) {
    if (name == kStatusName) return kStatusJsonId;
    if (name == kMetricsName) return kMetricsPromId;
  }
  return std::nullopt;
}

std::vector<DirEntry> VirtualEntries(NodeId dir) {
  if (dir == kRootId) {
    return {DirEntry{std::string(kLogdexDirName), VirtualIno(kLogdexDirId), S_IFDIR}};
  }
  if (dir == kLogdexDirId) {
    return {DirEntry{std::string(kStatusName), VirtualIno(kStatusJsonId), S_IFREG},
            DirEntry{std::string(kMetricsName), VirtualIno(kMetricsPromId), S_IFREG}};
  }
  return {};
}

struct stat VirtualStat(VirtualId id, uint64_t size, const struct timespec& mtime, uid_t uid,
                        gid_t gid) {
  struct stat st;
  std::memset(&st, 0, sizeof(st));
  st.st_ino = VirtualIno(id);
  if (id == kLogdexDirId) {
    st.st_mode = S_IFDIR | 0555;
    st.st_nlink = 2;
    st.st_size = 4096;
  } else {
    st.st_mode = S_IFREG | 0444;
    st.st_nlink = 1;
    st.st_size = static_cast<off_t>(size);
  }
  st.st_uid = uid;
  st.st_gid = gid;
  st.st_blksize = 4096;
  st.st_blocks = static_cast<blkcnt_t>((st.st_size + 511) / 512);
  st.st_atim = st.st_mtim = st.st_ctim = mtime;
  return st;
}

}  // namespace logdex::fs
