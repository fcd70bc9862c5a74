#include "fs/index_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "index/canonical_writer.h"

namespace logdex::fs {

int IndexCommand(const IndexArgs& args) {
  const std::string& log_dir = args.log_dir;
  auto fail = [](const std::string& message) {
    std::fprintf(stderr, "logdex index: %s\n", message.c_str());
    return 2;
  };
  struct stat st;
  if (::stat(log_dir.c_str(), &st) != 0) {
    return fail(errno == ENOENT ? "log dir '" + log_dir + "' does not exist"
                                : "log dir '" + log_dir + "': " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return fail("log dir '" + log_dir + "' is not a directory");
  auto stats = index::WriteCanonicalIndex(log_dir, args.scan, STDOUT_FILENO);
  if (!stats.ok()) {
    std::fprintf(stderr, "logdex index: %s\n", std::string(stats.status().message()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace logdex::fs
