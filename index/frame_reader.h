// Reads a log file from an offset and hands out its frames, with bounded
// memory. Lines are split out of a buffer of at most kHoldBytes plus a read
// chunk. A line not ended within kHoldBytes is not buffered: it is streamed
// through CRC-32C while its length is counted. If it ends longer than
// kMaxFrameBytes it is reported oversized from that; else it is read again,
// once, into a buffer of its exact size, so even a frame of kMaxFrameBytes is
// held in memory once (never twice, never in a doubling buffer). Files that
// shrink or grow while being read are read up to the end seen by read(2);
// nothing is mapped, so a shrinking file cannot fault.
//
// A long line still being written (no '\n' yet) is not streamed again from
// its start by every later read of the same file: the reader remembers where
// the streaming stopped (file, line start, length, CRC so far) and a read
// from that line's start resumes there. Before the line is reported, the
// remembered part is checked once against the file (the exact-size re-read,
// or one more streaming pass for an oversized line); if the file changed
// under it, the read ends before the line and the next read starts afresh.
#ifndef LOGDEX_INDEX_FRAME_READER_H_
#define LOGDEX_INDEX_FRAME_READER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace logdex::index {

class LogBytes;

// Longest line kept in the split buffer; longer ones are streamed (above).
inline constexpr size_t kHoldBytes = size_t{8} << 20;

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // A frame of at most kMaxFrameBytes, '\n' included. At least kJsonPadding
  // readable bytes follow frame.end(). Valid only during the call.
  virtual void OnFrame(uint64_t offset, std::string_view frame) = 0;
  // A frame longer than kMaxFrameBytes: its length and CRC-32C only; its
  // bytes are never held.
  virtual void OnOversizedFrame(uint64_t offset, uint64_t length, uint32_t crc32c) = 0;
};

struct ReadEnd {
  uint64_t consumed_to = 0;  // file offset just past the last '\n' read
  uint64_t torn_bytes = 0;   // bytes after that (a torn tail when non-blank)
  bool torn_tail = false;    // the bytes after the last '\n' hold a non-blank byte
  uint64_t bytes_read = 0;    // bytes of the file covered (a line read twice counts once)
};

// Reusable buffers; one per thread.
class FrameReader {
 public:
  // Reads fd (a regular file) from `start` to EOF. Errors only on read(2)
  // failure; frames delivered before it stay delivered. A streamed line whose
  // bytes are not the same when read again (the file was rewritten or cut
  // meanwhile) ends the read before that line, as if it had not ended yet.
  absl::StatusOr<ReadEnd> Read(int fd, uint64_t start, FrameSink* sink);
  // The same through a LogBytes (log_bytes.h): a plain file or a
  // decompressed .lz4, whose offsets are those of the decompressed bytes.
  // Only this form resumes a long unfinished line (it knows the file's
  // identity).
  absl::StatusOr<ReadEnd> Read(LogBytes& bytes, uint64_t start, FrameSink* sink);

 private:
  // Where the streaming of an unfinished long line stopped.
  struct PendingLine {
    uint64_t ino = 0;    // of the file (LogBytes::Stat)
    uint64_t start = 0;  // the line's first byte
    uint64_t length = 0;
    uint32_t crc32c = 0;
    bool blank = true;
  };

  // ino 0: no identity, nothing resumed or remembered. size: the file's size
  // as Stat saw it (a remembered line must still fit).
  template <typename PreadFn>
  absl::StatusOr<ReadEnd> ReadWith(PreadFn&& pread, uint64_t start, FrameSink* sink,
                                   uint64_t ino, uint64_t size);

  std::string buf_;
  std::optional<PendingLine> pending_;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_FRAME_READER_H_
