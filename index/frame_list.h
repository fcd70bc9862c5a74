// A list of frames by position (file, offset, length, CRC-32C), kept compact
// in memory: what a session view holds instead of the frames' bytes
// (session_version.h). The frames' own bytes stay in the log files.
//
// Encoding, per frame, against the frame before it (file 0, end 0 at the
// start): the file id's change as a zigzag varint; the offset, when the file
// is the same, as a zigzag varint of its distance from the previous frame's
// end (0 for the next frame of a file read in order), else as a plain
// varint; the length as a varint; the CRC-32C as 4 bytes, little-endian.
// A frame usually costs 7-9 bytes. Every kFrameListCheckpoint frames a
// checkpoint records where decoding may start (the rendered offset, the
// data offset and the state), so finding the frame that holds a byte costs
// a binary search and at most kFrameListCheckpoint decodes. The encoding of
// a sequence depends on nothing else, so one list holds another's frames
// first exactly when its bytes begin with the other's bytes.
#ifndef LOGDEX_INDEX_FRAME_LIST_H_
#define LOGDEX_INDEX_FRAME_LIST_H_

#include <cstdint>
#include <string>
#include <vector>

namespace logdex::index {

struct FrameLocation {
  uint32_t file = 0;    // an id the list's owner gives paths
  uint64_t offset = 0;  // in the file
  uint64_t length = 0;  // with its '\n'
  uint32_t crc32c = 0;
  bool operator==(const FrameLocation&) const = default;
};

inline constexpr uint64_t kFrameListCheckpoint = 64;

class FrameList {
 public:
  void Append(const FrameLocation& frame);

  uint64_t count() const { return count_; }
  // The bytes the frames hold together: the view's size.
  uint64_t size() const { return size_; }
  // Heap bytes held.
  uint64_t memory_bytes() const;
  // Gives back the slack of growing (after a list is built whole).
  void ShrinkToFit();

  // Whether this list's first prefix.count() frames are prefix's frames.
  bool StartsWith(const FrameList& prefix) const;

  // A frame and the view offset of its first byte.
  struct Placed {
    FrameLocation frame;
    uint64_t start = 0;
  };
  // Reads frames in order, from the one holding view byte `offset`, or from
  // frame number `index`.
  class Cursor {
   public:
    bool Next(Placed* out);

   private:
    friend class FrameList;
    explicit Cursor(const FrameList& list) : list_(&list) {}
    const FrameList* list_;
    size_t pos_ = 0;
    uint64_t index_ = 0;
    uint64_t start_ = 0;
    uint32_t file_ = 0;
    uint64_t end_ = 0;
  };
  Cursor FromOffset(uint64_t offset) const;
  Cursor FromIndex(uint64_t index) const;

 private:
  // Checkpoint i is for frame (i + 1) * kFrameListCheckpoint.
  struct Checkpoint {
    uint64_t start;   // view offset of the frame
    uint64_t data;    // its encoding's offset in data_
    uint64_t end;     // state before it: the previous frame's end
    uint32_t file;    // and file
  };
  // A cursor at the frame of checkpoint n - 1 (n = 0: the first frame).
  Cursor AtCheckpoint(size_t n) const;

  std::string data_;
  std::vector<Checkpoint> checkpoints_;  // for frames kFrameListCheckpoint, 2x, ...
  uint64_t count_ = 0;
  uint64_t size_ = 0;
  uint32_t last_file_ = 0;
  uint64_t last_end_ = 0;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_FRAME_LIST_H_
