#include "index/log_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "index/file_io.h"
#include "index/log_tree.h"
#include "index/lz4_file.h"
#include "index/lz4_format.h"
#include "index/unique_fd.h"

namespace logdex::index {
namespace {

constexpr int kOpenFlags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;

class PlainBytes : public LogBytes {
 public:
  explicit PlainBytes(UniqueFd fd) : fd_(std::move(fd)) {}
  ssize_t Pread(char* dst, size_t n, uint64_t offset) override { return PreadFull(fd_.get(), dst, n, offset); }
  LogStat Stat() override {
    struct stat st;
    if (fstat(fd_.get(), &st) != 0) return {};
    return {S_ISREG(st.st_mode), static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size),
            static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  }
  int fd() const override { return fd_.get(); }

 private:
  UniqueFd fd_;
};

}  // namespace

bool IsCompressedLogName(std::string_view name) {
  return name.size() > lz4_format::kSuffix.size() && name.ends_with(lz4_format::kSuffix) &&
         IsLogFileName(name.substr(0, name.size() - lz4_format::kSuffix.size()));
}

std::string_view ShownName(std::string_view compressed_name) {
  return compressed_name.substr(0, compressed_name.size() - lz4_format::kSuffix.size());
}

std::unique_ptr<LogBytes> PlainLogBytes(int fd) { return std::make_unique<PlainBytes>(UniqueFd(fd)); }

std::unique_ptr<LogBytes> OpenLogBytes(int root_fd, const std::string& rel, Lz4Cache& cache) {
  const int fd = openat(root_fd, rel.c_str(), kOpenFlags);
  if (fd >= 0) return PlainLogBytes(fd);
  if (errno != ENOENT || !IsLogFileName(rel)) return nullptr;
  const std::string compressed = rel + std::string(lz4_format::kSuffix);
  UniqueFd lz(openat(root_fd, compressed.c_str(), kOpenFlags));
  if (!lz.valid()) {
    if (errno == ENOENT || errno == ELOOP) errno = ENOENT;  // neither NAME nor a usable NAME.lz4
    return nullptr;
  }
  struct stat st;
  if (fstat(lz.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    errno = ENOENT;  // only a regular NAME.lz4 stands for NAME
    return nullptr;
  }
  return std::make_unique<Lz4File>(std::move(lz), cache);
}

}  // namespace logdex::index
