#include "fs/descriptor_limit.h"

#include <dirent.h>

#include <algorithm>
#include <cstdio>

namespace logdex::fs {

DescriptorLimit RaiseDescriptorLimit() {
  struct rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return {};
  if (rl.rlim_cur < rl.rlim_max) {
    struct rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) != 0 && rl.rlim_max == RLIM_INFINITY) {
      // An infinite hard limit is refused above fs.nr_open; take that.
      unsigned long nr_open = 0;
      if (std::FILE* f = std::fopen("/proc/sys/fs/nr_open", "re")) {
        if (std::fscanf(f, "%lu", &nr_open) != 1) nr_open = 0;
        std::fclose(f);
      }
      if (nr_open > rl.rlim_cur) {
        raised.rlim_cur = nr_open;
        (void)::setrlimit(RLIMIT_NOFILE, &raised);
      }
    }
    (void)::getrlimit(RLIMIT_NOFILE, &rl);
  }
  const auto value = [](rlim_t v) { return v == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(v); };
  return DescriptorLimit{value(rl.rlim_cur), value(rl.rlim_max)};
}

size_t FdCacheCapacity(const DescriptorLimit& limit) {
  const uint64_t quarter = limit.soft / 4;
  return static_cast<size_t>(std::clamp<uint64_t>(quarter, kMinCachedFds, kMaxCachedFds));
}

int64_t OpenDescriptorCount() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int64_t n = 0;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;  // the descriptor reading the directory
}

}  // namespace logdex::fs
