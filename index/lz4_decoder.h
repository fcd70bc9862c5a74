// One LZ4 frame decoded block by block with liblz4's frame API (LZ4F_*),
// so that decoding may start at any block: the frame's header first, then
// whole blocks in order from there, each into its own buffer.
//
// Starting mid-frame: a frame's blocks depend on nothing before them when it
// is "independent"; when it is "linked", a block may copy from the 64 KiB
// decompressed before it, so Begin() is given those bytes as the dictionary
// (LZ4F_decompress_usingDict). Block checksums are checked by liblz4 as each
// block is decoded; the content checksum only when End() is fed the end mark
// of a frame decoded from its first block.
#ifndef LOGDEX_INDEX_LZ4_DECODER_H_
#define LOGDEX_INDEX_LZ4_DECODER_H_

#include <lz4frame.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace logdex::index {

// What a frame's header says (only what the reader needs).
struct Lz4FrameHeader {
  size_t header_bytes = 0;     // magic through header checksum
  bool linked = false;         // blocks may refer to earlier blocks
  bool block_checksum = false;
  bool content_checksum = false;
  size_t max_block_bytes = 0;  // from blockSizeID
  uint64_t content_size = 0;   // 0: not present
  uint32_t dict_id = 0;        // 0: none
};

class Lz4Decoder {
 public:
  Lz4Decoder();
  ~Lz4Decoder();
  Lz4Decoder(const Lz4Decoder&) = delete;
  Lz4Decoder& operator=(const Lz4Decoder&) = delete;

  // Starts a frame: `header` holds at least its whole header (magic first;
  // extra bytes are ignored). `dict` (for a linked frame started mid-frame:
  // the up to 64 KiB decompressed just before the first block to come) must
  // stay valid until the next Begin(). kDataLoss for a bad header.
  absl::Status Begin(std::string_view header, std::string_view dict, Lz4FrameHeader* info);

  // Decodes one whole block (its 4-byte header, data and checksum, if any)
  // into (*buf)[0, n) and returns n; buf is grown to the frame's block size
  // if smaller, never shrunk (reuse it). kDataLoss when liblz4 rejects it
  // (bad data, bad block checksum).
  absl::StatusOr<size_t> Block(std::string_view block, std::string* buf);

  // Feeds the end mark and the content checksum, if any, of a frame decoded
  // from its first block: kDataLoss if the checksum or content size do not match.
  absl::Status End(std::string_view end_mark);

 private:
  LZ4F_dctx* dctx_ = nullptr;
  size_t max_block_bytes_ = 0;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_LZ4_DECODER_H_
