// A pi store's segment files as pi lists them (pi_segments.h).
#include "index/pi_segments.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "index/pi_offsets_format.h"

namespace logdex::index {
namespace {

namespace pf = pi_format;

}  // namespace

bool ParsePiSegmentName(std::string_view name, uint64_t* seq) {
  if (!name.ends_with(pf::kSegmentExtension)) return false;
  std::string_view stem = name.substr(0, name.size() - pf::kSegmentExtension.size());
  if (stem.starts_with('+')) stem.remove_prefix(1);
  if (stem.empty()) return false;
  uint64_t v = 0;
  for (const char c : stem) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *seq = v;
  return true;
}

absl::StatusOr<std::vector<PiSegment>> ListPiSegments(int segments_dir_fd) {
  // A description of our own, so the caller's fd keeps its position.
  const int fd = openat(segments_dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "open segments/");
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    const int err = errno;
    close(fd);
    return absl::ErrnoToStatus(err, "list segments/");
  }
  absl::Cleanup close_dir = [dir] { closedir(dir); };
  std::vector<PiSegment> out;
  for (;;) {
    errno = 0;
    const dirent* e = readdir(dir);
    if (e == nullptr) {
      if (errno != 0) return absl::ErrnoToStatus(errno, "list segments/");
      break;
    }
    uint64_t seq;
    if (ParsePiSegmentName(e->d_name, &seq)) out.push_back({seq, e->d_name});
  }
  std::sort(out.begin(), out.end(), [](const PiSegment& a, const PiSegment& b) {
    return a.seq != b.seq ? a.seq < b.seq : a.name < b.name;
  });
  return out;
}

}  // namespace logdex::index
