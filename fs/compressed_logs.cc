#include "fs/compressed_logs.h"

#include <fcntl.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "fs/errno_status.h"
#include "index/json_string.h"
#include "index/log_bytes.h"
#include "index/log_tree.h"
#include "index/lz4_cache.h"
#include "index/lz4_file.h"
#include "index/lz4_format.h"

namespace logdex::fs {
namespace {

class Lz4Handle : public FileHandle {
 public:
  explicit Lz4Handle(UniqueFd fd)
      : file_(std::move(fd), index::Lz4Cache::Shared()) {}
  absl::Status Read(uint64_t offset, size_t size, std::string* out) const override {
    const size_t at = out->size();
    out->resize(at + size);
    size_t done = 0;
    while (done < size) {
      const ssize_t n = file_.Pread(out->data() + at + done, size - done, offset + done);
      if (n < 0) {
        out->resize(at + done);
        return done > 0 ? absl::OkStatus() : PosixError(errno, "read of a compressed log");
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    out->resize(at + done);
    return absl::OkStatus();
  }

 private:
  // Pread is logically const (it only fills caches).
  mutable index::Lz4File file_;
};

}  // namespace

std::string RenderCompressedStatus(const std::vector<index::Lz4DamagedFile>& damaged,
                                   const index::Lz4Cache::Stats& cache, size_t cache_budget) {
  std::string out = absl::StrCat(
      "{\"damaged\": ", damaged.size(), ", \"block_cache\": {\"budget_bytes\": ", cache_budget,
      ", \"bytes\": ", cache.block_bytes, ", \"blocks\": ", cache.blocks, ", \"hits\": ", cache.hits,
      ", \"misses\": ", cache.misses, ", \"evictions\": ", cache.evictions,
      ", \"maps\": ", cache.maps, ", \"map_bytes\": ", cache.map_bytes, "}, \"damaged_files\": [");
  for (size_t i = 0; i < damaged.size() && i < kMaxListedDamaged; ++i) {
    const index::Lz4DamagedFile& d = damaged[i];
    absl::StrAppend(&out, i ? ", " : "", "{\"file\": ");
    index::AppendJsonString(d.rel_path, &out);
    out += ", \"backing\": ";
    index::AppendJsonString(d.rel_path + std::string(index::lz4_format::kSuffix), &out);
    out += ", \"reason\": ";
    index::AppendJsonString(d.damage.reason, &out);
    absl::StrAppend(&out, ", \"compressed_offset\": ", d.damage.compressed_offset,
                    ", \"readable_bytes\": ", d.readable_bytes, "}");
  }
  out += "]}";
  return out;
}

std::string RenderCompressedMetrics(const std::vector<index::Lz4DamagedFile>& damaged,
                                    const index::Lz4Cache::Stats& cache, size_t cache_budget) {
  std::string out;
  auto gauge = [&out](const char* name, const char* help, const char* type, uint64_t value) {
    absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n", name, " ",
                    value, "\n");
  };
  gauge("logdex_lz4_damaged_files", "NAME.lz4 files readable only up to some point.", "gauge",
        damaged.size());
  gauge("logdex_lz4_block_cache_bytes", "Decompressed LZ4 blocks held.", "gauge", cache.block_bytes);
  gauge("logdex_lz4_block_cache_budget_bytes", "Most decompressed LZ4 blocks held.", "gauge",
        cache_budget);
  gauge("logdex_lz4_block_cache_hits_total", "Reads of .lz4 blocks found in the cache.", "counter",
        cache.hits);
  gauge("logdex_lz4_block_cache_misses_total", "Reads of .lz4 blocks decoded again.", "counter",
        cache.misses);
  return out;
}

bool CompressedLogs::MayStandFor(std::string_view dir_path, std::string_view name) const {
  return index::IsLogFileName(name) && index::IsIndexablePath(root_fd_, index::JoinRelPath(dir_path, name));
}

bool CompressedLogs::StandsFor(int dir_fd, std::string_view dir_path, std::string_view name) const {
  if (!index::IsLogFileName(name)) return false;
  const std::string n(name);
  struct stat st;
  if (::fstatat(dir_fd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT) return false;
  if (!MayStandFor(dir_path, name)) return false;
  const std::string backing = n + std::string(index::lz4_format::kSuffix);
  return ::fstatat(dir_fd, backing.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

bool CompressedLogs::IsHidden(int dir_fd, std::string_view dir_path, std::string_view name) const {
  return index::IsCompressedLogName(name) && StandsFor(dir_fd, dir_path, index::ShownName(name));
}

std::string CompressedLogs::ShownAs(int dir_fd, std::string_view dir_path, std::string_view name) const {
  return IsHidden(dir_fd, dir_path, name) ? std::string(index::ShownName(name)) : std::string(name);
}

void CompressedLogs::Mark(NodeId id, bool compressed) {
  absl::MutexLock lock(&mu_);
  if (compressed) {
    compressed_.insert(id);
  } else {
    compressed_.erase(id);
  }
}

bool CompressedLogs::IsCompressed(NodeId id) const {
  absl::MutexLock lock(&mu_);
  return compressed_.contains(id);
}

absl::StatusOr<struct stat> CompressedLogs::Present(int o_path_fd, struct stat st) const {
  index::UniqueFd fd(::open(ProcFdPath(o_path_fd).c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) return PosixError(errno, "open of a compressed log");
  index::Lz4File file(std::move(fd), index::Lz4Cache::Shared());
  const index::LogStat ls = file.Stat();
  st.st_size = static_cast<off_t>(ls.size);
  st.st_blocks = static_cast<blkcnt_t>((ls.size + 511) / 512);
  st.st_mode &= ~static_cast<mode_t>(S_IWUSR | S_IWGRP | S_IWOTH);
  return st;
}

std::unique_ptr<FileHandle> CompressedLogs::OpenHandle(UniqueFd read_fd) const {
  return std::make_unique<Lz4Handle>(std::move(read_fd));
}

}  // namespace logdex::fs
