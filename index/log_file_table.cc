#include "index/log_file_table.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "index/lz4_format.h"

namespace logdex::index {
LogFileTable::LogFileTable(const std::string& log_dir)
    : root_(::open(log_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)),
      root_errno_(root_.valid() ? 0 : errno) {}

uint32_t LogFileTable::Intern(const FileName& name) {
  absl::MutexLock lock(&mu_);
  auto it = ids_.find(name.path());
  if (it != ids_.end()) return it->second;
  const auto id = static_cast<uint32_t>(names_.size());
  names_.push_back(name);
  ids_.emplace(names_.back().path(), id);
  return id;
}

FileName LogFileTable::Name(uint32_t id) const {
  absl::MutexLock lock(&mu_);
  return id < names_.size() ? names_[id] : FileName();
}

std::unique_ptr<LogBytes> LogFileTable::Open(uint32_t id) const {
  if (!root_.valid()) {
    errno = root_errno_;
    return nullptr;
  }
  return OpenLogBytes(root_.get(), std::string(Name(id).path()));
}

std::optional<int64_t> LogFileTable::MtimeNs(uint32_t id) const {
  if (!root_.valid()) return std::nullopt;
  std::string path(Name(id).path());
  struct stat st;
  if (::fstatat(root_.get(), path.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    path += lz4_format::kSuffix;  // NAME shown for NAME.lz4
    if (errno != ENOENT || ::fstatat(root_.get(), path.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return std::nullopt;
    }
  }
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

uint64_t LogFileTable::memory_bytes() const {
  absl::MutexLock lock(&mu_);
  // The names' bytes are shared with the index (file_name.h): not counted.
  return names_.capacity() * sizeof(FileName) +
         ids_.capacity() * (sizeof(std::string_view) + sizeof(uint32_t) + 1);
}

}  // namespace logdex::index
