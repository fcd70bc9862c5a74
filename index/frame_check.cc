#include "index/frame_check.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "index/crc32c.h"

namespace logdex::index {

bool FrameMatches(LogBytes& bytes, const FrameRef& frame, std::string* buf) {
  constexpr uint64_t kPiece = uint64_t{1} << 20;
  buf->resize(static_cast<size_t>(std::min(frame.length, kPiece)));
  uint32_t crc = 0;
  uint64_t done = 0;
  while (done < frame.length) {
    const size_t want = static_cast<size_t>(std::min(frame.length - done, kPiece));
    const ssize_t n = bytes.Pread(buf->data(), want, frame.offset + done);
    if (n <= 0) return false;  // error, or the file is shorter now
    crc = Crc32cExtend(crc, buf->data(), static_cast<size_t>(n));
    done += static_cast<uint64_t>(n);
  }
  return crc == frame.crc32c;
}

}  // namespace logdex::index
