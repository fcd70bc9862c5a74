// Test helpers: a scratch directory removed at the end of the test, and the
// verbs the file-based tests share (write a file, make a directory, a symlink,
// read a file back).
#ifndef LOGDEX_TESTS_UNIT_TEMP_DIR_H_
#define LOGDEX_TESTS_UNIT_TEMP_DIR_H_

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace logdex::testing {

class TempDir {
 public:
  TempDir() : TempDir(std::filesystem::temp_directory_path().string()) {}
  // In `parent` (e.g. a tmpfs, for tests that do many metadata operations
  // and need no real durability).
  explicit TempDir(const std::string& parent) {
    std::string tmpl = (std::filesystem::path(parent) / "logdex-unit-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    // Directories made unreadable by a test must be removable again.
    for (auto it = std::filesystem::recursive_directory_iterator(
             path_, std::filesystem::directory_options::skip_permission_denied, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) chmod(it->path().c_str(), 0755);
    }
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Path(std::string_view rel) const { return path_ + "/" + std::string(rel); }

  // Writes `contents` to rel (creating parent directories).
  void Write(std::string_view rel, std::string_view contents) const {
    const std::filesystem::path p = Path(rel);
    std::filesystem::create_directories(p.parent_path());
    int fd = open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0) << p;
    size_t done = 0;
    while (done < contents.size()) {
      ssize_t n = write(fd, contents.data() + done, contents.size() - done);
      ASSERT_GT(n, 0);
      done += static_cast<size_t>(n);
    }
    close(fd);
  }
  void MakeDir(std::string_view rel) const { std::filesystem::create_directories(Path(rel)); }
  void Symlink(std::string_view target, std::string_view rel) const {
    std::filesystem::create_directories(std::filesystem::path(Path(rel)).parent_path());
    ASSERT_EQ(symlink(std::string(target).c_str(), Path(rel).c_str()), 0) << rel;
  }

 private:
  std::string path_;
};

// The whole file at `path`; "" when it cannot be read.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace logdex::testing

#endif  // LOGDEX_TESTS_UNIT_TEMP_DIR_H_
