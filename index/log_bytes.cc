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

// Whether an entry `rel` of any type is there: then it is NAME itself, and
// a NAME.lz4 beside it never stands for it.
bool RealEntryExists(int root_fd, const std::string& rel) {
  struct stat st;
  return fstatat(root_fd, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

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
  // Only regular files are opened (file_io.h): a FIFO named like a log is
  // never opened, so a writer blocked on it stays blocked.
  const int fd = OpenRegularAt(root_fd, rel.c_str());
  if (fd >= 0) return PlainLogBytes(fd);
  if (errno == ENOENT && RealEntryExists(root_fd, rel)) {
    errno = ENOENT;  // NAME is there but is not a regular file: no log file
    return nullptr;
  }
  if (errno != ENOENT || !IsLogFileName(rel)) return nullptr;
  const std::string compressed = rel + std::string(lz4_format::kSuffix);
  // Only a regular NAME.lz4 stands for NAME (ENOENT: neither NAME nor a
  // usable NAME.lz4).
  UniqueFd lz(OpenRegularAt(root_fd, compressed.c_str()));
  if (!lz.valid()) return nullptr;
  return std::make_unique<Lz4File>(std::move(lz), cache);
}

}  // namespace logdex::index
