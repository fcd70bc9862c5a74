#include "index/frame_reader.h"

#include <unistd.h>

#include <algorithm>
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

}  // namespace

absl::StatusOr<ReadEnd> FrameReader::Read(int fd, uint64_t start, FrameSink* sink) {
  return ReadWith([fd](char* dst, size_t n, uint64_t at) { return PreadFull(fd, dst, n, at); }, start,
                  sink, /*ino=*/0, /*size=*/0);
}

absl::StatusOr<ReadEnd> FrameReader::Read(LogBytes& bytes, uint64_t start, FrameSink* sink) {
  const LogStat st = bytes.Stat();
  return ReadWith([&bytes](char* dst, size_t n, uint64_t at) { return bytes.Pread(dst, n, at); },
                  start, sink, st.regular ? st.ino : 0, st.size);
}

template <typename PreadFn>
absl::StatusOr<ReadEnd> FrameReader::ReadWith(PreadFn&& pread, uint64_t start, FrameSink* sink,
                                              uint64_t ino, uint64_t size) {
  ReadEnd end;
  uint64_t base = start;  // file offset of buf_[0]
  size_t have = 0;        // valid bytes in buf_
  const size_t most = kHoldBytes + kChunk + kJsonPadding;  // buf_ never grows past this
  if (buf_.size() < kChunk + kJsonPadding) buf_.resize(kChunk + kJsonPadding);

  // Frames complete in buf_[0, have): delivered, then the rest moved to the front.
  auto split = [&]() {
    const size_t used = SplitFrames(std::string_view(buf_.data(), have), base,
                                    [&](uint64_t offset, std::string_view frame) {
                                      sink->OnFrame(offset, frame);
                                    });
    std::memmove(buf_.data(), buf_.data() + used, have - used);
    have -= used;
    base += used;
  };

  // A line not ended within kHoldBytes is streamed, not held: its length so
  // far, CRC so far, and whether it is all blank.
  bool streaming = false;
  uint64_t long_len = 0;
  uint32_t long_crc = 0;
  bool long_blank = true;
  // How much of the streamed line a previous read streamed (resumed, not
  // read again): checked once against the file before the line is reported.
  uint64_t resumed = 0;
  uint32_t resumed_crc = 0;
  if (ino != 0 && pending_ && pending_->ino == ino && pending_->start == start &&
      size >= start + pending_->length) {
    streaming = true;
    long_len = resumed = pending_->length;
    long_crc = resumed_crc = pending_->crc32c;
    long_blank = pending_->blank;
  }

  // Whether [base, base + resumed) still has the CRC the resumed state says.
  auto resumed_part_holds = [&]() -> absl::StatusOr<bool> {
    std::string piece(kChunk, '\0');
    uint32_t crc = 0;
    for (uint64_t got = 0; got < resumed;) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, resumed - got));
      const ssize_t n = pread(piece.data(), want, base + got);
      if (n < 0) {
        return absl::ErrnoToStatus(errno, absl::StrFormat("read at offset %d", base + got));
      }
      if (n == 0) return false;
      crc = Crc32cExtend(crc, piece.data(), static_cast<size_t>(n));
      got += static_cast<uint64_t>(n);
    }
    return crc == resumed_crc;
  };

  // A streamed line has ended at base + long_len. Longer than a frame may be:
  // oversized, from the streamed CRC. Else it is read again, once, at its
  // exact size, so it is held once for validation. False when the re-read
  // does not give back the streamed bytes, or the part resumed from an
  // earlier read no longer has its CRC (the file shrank or was rewritten
  // meanwhile): the read stops before the line, as if it had not ended yet.
  auto deliver_long = [&]() -> absl::StatusOr<bool> {
    const bool oversized = long_len > kMaxFrameBytes;
    if (resumed > 0 && (long_blank || oversized)) {
      // Nothing reads these bytes again below: check the resumed part now.
      const absl::StatusOr<bool> holds = resumed_part_holds();
      if (!holds.ok() || !*holds) return holds;
    }
    if (long_blank) return true;
    if (oversized) {
      sink->OnOversizedFrame(base, long_len, long_crc);
      return true;
    }
    std::string line(static_cast<size_t>(long_len) + kJsonPadding, '\0');
    uint64_t got = 0;
    while (got < long_len) {
      const ssize_t n = pread(line.data() + got, static_cast<size_t>(long_len - got), base + got);
      if (n < 0) {
        return absl::ErrnoToStatus(errno, absl::StrFormat("read at offset %d", base + got));
      }
      if (n == 0) return false;
      got += static_cast<uint64_t>(n);
    }
    const std::string_view frame(line.data(), static_cast<size_t>(long_len));
    if (frame.back() != '\n' || Crc32c(frame) != long_crc) return false;
    sink->OnFrame(base, frame);
    return true;
  };

  for (;;) {
    if (!streaming && have + kChunk + kJsonPadding > buf_.size()) {
      buf_.resize(std::min(most, std::max(buf_.size() * 2, have + kChunk + kJsonPadding)));
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
      const absl::StatusOr<bool> delivered = deliver_long();
      if (!delivered.ok()) return delivered.status();
      streaming = false;
      if (!*delivered) {
        // The line's bytes changed under the read: stop before it; a later
        // scan reads it again.
        long_len = 0;
        long_blank = true;
        have = 0;
        break;
      }
      base += long_len;
      have = chunk.size() - part.size();
      std::memmove(buf_.data(), chunk.data() + part.size(), have);
      split();
    } else {
      have += static_cast<size_t>(n);
      split();
    }
    if (!streaming && have > kHoldBytes) {
      // No '\n' in kHoldBytes: stream the rest of this line.
      streaming = true;
      long_len = have;
      long_crc = Crc32c(std::string_view(buf_.data(), have));
      long_blank = IsBlankLine(std::string_view(buf_.data(), have));
      have = 0;
    }
  }
  if (ino != 0) {
    if (streaming) {
      pending_ = PendingLine{ino, base, long_len, long_crc, long_blank};
    } else if (pending_ && pending_->ino == ino) {
      pending_.reset();
    }
  }
  end.consumed_to = base;
  end.torn_bytes = streaming ? long_len : have;
  end.torn_tail = streaming ? !long_blank : !IsBlankLine(std::string_view(buf_.data(), have));
  return end;
}

}  // namespace logdex::index
