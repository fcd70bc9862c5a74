#include "index/frame_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "index/crc32c.h"
#include "index/file_io.h"
#include "index/frame_splitter.h"
#include "index/json_validator.h"
#include "index/log_bytes.h"
#include "index/row.h"

namespace logdex::index {
namespace {

constexpr size_t kChunk = size_t{1} << 20;
// Buffers grown past this for a long line are released after the file.
constexpr size_t kKeepBuffer = size_t{16} << 20;

}  // namespace

absl::StatusOr<ReadEnd> FrameReader::Read(int fd, uint64_t start, FrameSink* sink) {
  return ReadWith([fd](char* dst, size_t n, uint64_t at) { return PreadFull(fd, dst, n, at); }, start,
                  sink);
}

absl::StatusOr<ReadEnd> FrameReader::Read(LogBytes& bytes, uint64_t start, FrameSink* sink) {
  return ReadWith([&bytes](char* dst, size_t n, uint64_t at) { return bytes.Pread(dst, n, at); },
                  start, sink);
}

template <typename PreadFn>
absl::StatusOr<ReadEnd> FrameReader::ReadWith(PreadFn&& pread, uint64_t start, FrameSink* sink) {
  ReadEnd end;
  uint64_t base = start;  // file offset of buf_[0]
  size_t have = 0;        // valid bytes in buf_
  if (buf_.size() < kChunk + kJsonPadding) buf_.resize(kChunk + kJsonPadding);

  auto deliver = [&](uint64_t offset, std::string_view frame) {
    if (frame.size() > kMaxFrameBytes) {
      sink->OnOversizedFrame(offset, frame.size(), Crc32c(frame));
    } else {
      sink->OnFrame(offset, frame);
    }
  };
  // Frames complete in buf_[0, have): delivered, then the rest moved to the front.
  auto split = [&]() {
    const size_t used = SplitFrames(std::string_view(buf_.data(), have), base, deliver);
    std::memmove(buf_.data(), buf_.data() + used, have - used);
    have -= used;
    base += used;
  };

  // A line longer than kMaxFrameBytes is streamed, not held: its start,
  // length so far, CRC so far, and whether it is all blank.
  bool streaming = false;
  uint64_t long_len = 0;
  uint32_t long_crc = 0;
  bool long_blank = true;

  for (;;) {
    if (!streaming && have + kChunk + kJsonPadding > buf_.size()) {
      buf_.resize(std::max(buf_.size() * 2, have + kChunk + kJsonPadding));
    }
    char* dst = streaming ? buf_.data() : buf_.data() + have;
    const uint64_t at = streaming ? base + long_len : base + have;
    const ssize_t n = pread(dst, kChunk, at);
    if (n < 0) {
      return absl::ErrnoToStatus(errno, absl::StrFormat("read at offset %d", at));
    }
    if (n == 0) break;
    end.bytes_read += static_cast<uint64_t>(n);
    if (streaming) {
      const std::string_view chunk(dst, static_cast<size_t>(n));
      const size_t nl = chunk.find('\n');
      const std::string_view part = chunk.substr(0, nl == std::string_view::npos ? chunk.size() : nl + 1);
      long_crc = Crc32cExtend(long_crc, part.data(), part.size());
      long_len += part.size();
      long_blank = long_blank && IsBlankLine(part);
      if (nl == std::string_view::npos) continue;
      if (!long_blank) sink->OnOversizedFrame(base, long_len, long_crc);
      base += long_len;
      streaming = false;
      have = chunk.size() - part.size();
      std::memmove(buf_.data(), chunk.data() + part.size(), have);
      split();
    } else {
      have += static_cast<size_t>(n);
      split();
    }
    if (!streaming && have > kMaxFrameBytes) {
      // No '\n' in more than a frame's worth: stream the rest of this line.
      streaming = true;
      long_len = have;
      long_crc = Crc32c(std::string_view(buf_.data(), have));
      long_blank = IsBlankLine(std::string_view(buf_.data(), have));
      have = 0;
    }
  }
  end.consumed_to = base;
  end.torn_bytes = streaming ? long_len : have;
  end.torn_tail = streaming ? !long_blank : !IsBlankLine(std::string_view(buf_.data(), have));
  if (buf_.size() > kKeepBuffer) buf_ = std::string();
  return end;
}

}  // namespace logdex::index
