// One pi segment file's lines, read from an offset with bounded memory: the
// line being read (at most pi_format::kMaxLineBytes, pi's bounded read) plus
// a read chunk. The reader under the pi store scan (pi_offsets.h).
#ifndef LOGDEX_INDEX_PI_SEGMENT_LINES_H_
#define LOGDEX_INDEX_PI_SEGMENT_LINES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace logdex::index {

class PiSegmentLines {
 public:
  enum class Got { kLine, kEof, kOversized, kError };

  // Starts reading `fd` (not owned) at `offset`.
  void Begin(int fd, uint64_t offset) {
    fd_ = fd;
    base_ = offset;
    start_ = have_ = searched_ = 0;
  }
  // Done with the file; a buffer grown large for a long line is released.
  void End();
  int error() const { return error_; }  // errno of a kError

  // The next line into *line ('\n' included when *terminated; only the
  // file's last line can lack it). A line of kMaxLineBytes without '\n' is
  // a line only when the file ends there, else kOversized. At least
  // kJsonPadding readable bytes follow every line returned.
  Got Next(std::string_view* line, bool* terminated);

 private:
  Got Take(size_t len, bool terminated, std::string_view* line, bool* out_terminated);
  Got Failed();

  int fd_ = -1;
  std::string buf_;      // bytes of the file from base_
  uint64_t base_ = 0;    // file offset of buf_[0]
  size_t start_ = 0;     // first byte of the next line in buf_
  size_t have_ = 0;      // valid bytes in buf_
  size_t searched_ = 0;  // bytes after start_ known to hold no '\n'
  int error_ = 0;        // errno of a kError
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_PI_SEGMENT_LINES_H_
