// Where the blocks of an .lz4 file are: the map that lets a read at any
// decompressed offset decode only the blocks it needs (lz4_file.h).
//
// Built by one pass over the whole file that decodes every block (liblz4
// checks every checksum on the way) and keeps, per block, its place in the
// compressed and the decompressed bytes. For linked frames it also keeps a
// checkpoint every kCheckpointBytes of output: the 64 KiB of history a block
// needs when decoding starts there, so a random read decodes at most that
// much before the bytes it wants. Format notes: lz4_format.md.
//
// Damage (a bad checksum, a block liblz4 rejects, a file cut short mid-block,
// bytes that are not an LZ4 frame): the map ends at the last whole good block
// before it, the way `lz4 -d` stops, and says what and where (damage()).
// Bytes before the damage stay readable: the file's readable prefix.
#ifndef LOGDEX_INDEX_LZ4_MAP_H_
#define LOGDEX_INDEX_LZ4_MAP_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace logdex::index {

// What a .lz4 file was when its map was made (from fstat); a map is valid
// for exactly that file. Not ctime: a chmod must not make open readers
// stale; a rewrite changes size or mtime (as for plain logs, a rewrite that
// keeps both is not seen).
struct Lz4Identity {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t size = 0;  // compressed bytes
  int64_t mtime_ns = 0;
  bool operator==(const Lz4Identity&) const = default;
};

struct Lz4Damage {
  std::string reason;             // e.g. "truncated mid-block", "bad block: ..."
  uint64_t compressed_offset = 0; // where in the .lz4 file
};

class Lz4Map {
 public:
  struct Frame {
    uint64_t header_offset = 0;   // of its magic number in the .lz4 file
    uint32_t header_bytes = 0;
    bool linked = false;
  };
  struct Block {
    uint64_t src_offset = 0;      // of its 4-byte block header
    uint32_t src_bytes = 0;       // header, data and block checksum
    uint32_t frame = 0;           // index into frames()
    uint64_t dst_offset = 0;      // of its first decompressed byte
    uint32_t dst_bytes = 0;
    bool first_in_frame = false;
  };
  // Decoding may start at `block` of a linked frame with `dict`: the bytes
  // (up to 64 KiB) decompressed just before it in its frame.
  struct Checkpoint {
    uint32_t block = 0;
    std::string dict;
  };
  // Output kept between checkpoints of a linked frame.
  static constexpr uint64_t kCheckpointBytes = 2 * 1024 * 1024;
  // A file of more blocks or frames than this is damage from there on: a map
  // costs ~32 bytes a block, and a hostile file of 5-byte blocks must not
  // cost 6 times its size. (4 Mi blocks of 64 KiB are 256 GiB of log.)
  static constexpr size_t kMaxBlocks = size_t{1} << 22;
  static constexpr size_t kMaxFrames = size_t{1} << 20;

  // Reads the .lz4 file open as fd (compressed_size bytes) and maps it. Never
  // fails: damage ends the map (damage()), and a read error counts as damage.
  // on_block, if set, gets each block's bytes as they are decoded.
  static Lz4Map Build(int fd, const Lz4Identity& identity,
                      const std::function<void(uint32_t block, std::string_view bytes)>& on_block = {});

  const Lz4Identity& identity() const { return identity_; }
  // Decompressed bytes that are readable: the whole file, or its prefix
  // before the damage.
  uint64_t size() const { return size_; }
  const std::optional<Lz4Damage>& damage() const { return damage_; }
  const std::vector<Frame>& frames() const { return frames_; }
  const std::vector<Block>& blocks() const { return blocks_; }
  // The block holding decompressed byte `offset` (< size()).
  uint32_t BlockAt(uint64_t offset) const;
  // The checkpoint at or before `block` in its frame, if any.
  const Checkpoint* CheckpointFor(uint32_t block) const;
  // Heap bytes held, for cache accounting.
  size_t MemoryBytes() const;

 private:
  Lz4Identity identity_;
  uint64_t size_ = 0;
  std::optional<Lz4Damage> damage_;
  std::vector<Frame> frames_;
  std::vector<Block> blocks_;
  std::vector<Checkpoint> checkpoints_;  // by block
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_LZ4_MAP_H_
