// One pi segment file's lines, with bounded memory (pi_segment_lines.h).
#include "index/pi_segment_lines.h"

#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "index/file_io.h"
#include "index/json_validator.h"
#include "index/pi_offsets_format.h"

namespace logdex::index {
namespace {

namespace pf = pi_format;

constexpr size_t kChunk = size_t{1} << 20;
// A buffer grown past this for a long line is released after the segment.
constexpr size_t kKeepBuffer = size_t{16} << 20;

}  // namespace

void PiSegmentLines::End() {
  fd_ = -1;
  if (buf_.size() > kKeepBuffer) buf_ = std::string();
}

PiSegmentLines::Got PiSegmentLines::Next(std::string_view* line, bool* terminated) {
  for (;;) {
    const size_t avail = have_ - start_;
    const size_t limit = std::min<size_t>(avail, pf::kMaxLineBytes);
    if (searched_ < limit) {
      const char* from = buf_.data() + start_;
      const void* nl = std::memchr(from + searched_, '\n', limit - searched_);
      if (nl != nullptr) {
        return Take(static_cast<size_t>(static_cast<const char*>(nl) - from) + 1, true, line,
                    terminated);
      }
      searched_ = limit;
    }
    if (avail >= pf::kMaxLineBytes) {
      if (avail > pf::kMaxLineBytes) return Got::kOversized;
      char probe;  // is there more after the limit?
      const ssize_t r = PreadFull(fd_, &probe, 1, base_ + have_);
      if (r < 0) return Failed();
      if (r > 0) return Got::kOversized;
      return Take(avail, false, line, terminated);
    }
    if (start_ > 0) {  // keep only the line being assembled
      std::memmove(buf_.data(), buf_.data() + start_, avail);
      base_ += start_;
      have_ = avail;
      start_ = 0;
    }
    const size_t need = have_ + kChunk + kJsonPadding;
    if (buf_.size() < need) {  // doubling, but never far past one line and a chunk
      buf_.resize(std::max(
          need, std::min(buf_.size() * 2, size_t{pf::kMaxLineBytes} + kChunk + kJsonPadding)));
    }
    const ssize_t n = PreadFull(fd_, buf_.data() + have_, kChunk, base_ + have_);
    if (n < 0) return Failed();
    if (n == 0) return avail == 0 ? Got::kEof : Take(avail, false, line, terminated);
    have_ += static_cast<size_t>(n);
  }
}

PiSegmentLines::Got PiSegmentLines::Take(size_t len, bool terminated, std::string_view* line,
                                         bool* out_terminated) {
  *line = std::string_view(buf_.data() + start_, len);
  *out_terminated = terminated;
  start_ += len;
  searched_ = 0;
  return Got::kLine;
}

PiSegmentLines::Got PiSegmentLines::Failed() {
  error_ = errno;
  return Got::kError;
}

}  // namespace logdex::index
