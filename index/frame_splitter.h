// Framing: which bytes of a log file are frames (SPEC §1).
//
// A frame is a line: from its first byte up to and including its '\n'. Lines
// holding only spaces, tabs and '\r' are not frames. Bytes after the last '\n'
// are a torn tail, not a frame yet: a writer is mid-append or crashed, and the
// bytes become a frame when their '\n' arrives (as LevelDB's log reader treats
// a short record at EOF).
#ifndef LOGDEX_INDEX_FRAME_SPLITTER_H_
#define LOGDEX_INDEX_FRAME_SPLITTER_H_

#include <cstdint>
#include <string_view>

namespace logdex::index {

// True if `line` (with or without its '\n') is only ' ', '\t', '\r' and '\n'.
bool IsBlankLine(std::string_view line);

// Calls on_frame(offset, frame) for each frame completed in `buf`, whose first
// byte is at file offset `base`; `frame` includes its '\n'. Returns how many
// bytes of buf were consumed: everything up to and including the last '\n'.
template <typename OnFrame>
size_t SplitFrames(std::string_view buf, uint64_t base, OnFrame&& on_frame);

// ---- implementation ----
template <typename OnFrame>
size_t SplitFrames(std::string_view buf, uint64_t base, OnFrame&& on_frame) {
  const char* const begin = buf.data();
  const char* const end = begin + buf.size();
  const char* p = begin;
  while (p < end) {
    const void* nl = __builtin_memchr(p, '\n', static_cast<size_t>(end - p));
    if (nl == nullptr) break;
    const char* next = static_cast<const char*>(nl) + 1;
    std::string_view line(p, static_cast<size_t>(next - p));
    if (!IsBlankLine(line)) on_frame(base + static_cast<uint64_t>(p - begin), line);
    p = next;
  }
  return static_cast<size_t>(p - begin);
}

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_FRAME_SPLITTER_H_
