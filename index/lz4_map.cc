#include "index/lz4_map.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "index/file_io.h"
#include "index/lz4_decoder.h"
#include "index/lz4_format.h"

namespace logdex::index {
namespace {

namespace lf = lz4_format;

uint32_t Le32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} | uint32_t{u[1]} << 8 | uint32_t{u[2]} << 16 | uint32_t{u[3]} << 24;
}

// Reads n bytes at offset; false (with *why) when the file ends first or a
// read fails.
bool ReadExactly(int fd, uint64_t offset, size_t n, std::string* out, std::string* why) {
  out->resize(n);
  int err = 0;
  const size_t got = PreadAll(fd, out->data(), n, offset, &err);
  if (got == n) return true;
  *why = err != 0 ? absl::StrCat("read error: ", std::strerror(err)) : "";
  out->resize(got);
  return false;
}

}  // namespace

Lz4Map Lz4Map::Build(int fd, const Lz4Identity& identity,
                     const std::function<void(uint32_t, std::string_view)>& on_block) {
  Lz4Map map;
  map.identity_ = identity;
  const uint64_t end = identity.size;
  Lz4Decoder decoder;
  std::string buf;
  std::string why;
  std::string history;  // the last <= 64 KiB decompressed in this frame (linked only)
  std::string decoded;  // reused: one block's bytes at its front
  auto damage = [&map](std::string reason, uint64_t at) {
    map.damage_ = Lz4Damage{std::move(reason), at};
  };
  // A read that did not get its bytes: the file ends there ("truncated"
  // plus where), or the read failed (`why` says how).
  auto cut = [&](const char* what, uint64_t at) {
    damage(why.empty() ? absl::StrCat("truncated", what) : why, at);
  };
  uint64_t pos = 0;
  while (pos < end && !map.damage_) {
    why.clear();
    if (!ReadExactly(fd, pos, lf::kMagicBytes, &buf, &why)) {
      if (why.empty()) {
        damage(pos == 0 ? "not an LZ4 file" : "garbage after the last frame", pos);
      } else {
        cut("", pos);
      }
      break;
    }
    const uint32_t magic = Le32(buf.data());
    if ((magic & lf::kSkippableMagicMask) == lf::kSkippableMagic) {
      if (!ReadExactly(fd, pos, lf::kSkippableHeaderBytes, &buf, &why)) {
        cut(" in a skippable frame", pos);
        break;
      }
      const uint64_t skip = lf::kSkippableHeaderBytes + uint64_t{Le32(buf.data() + 4)};
      if (pos + skip > end) {
        damage("truncated in a skippable frame", pos);
        break;
      }
      pos += skip;
      continue;
    }
    if (map.frames_.size() >= kMaxFrames) {
      damage(absl::StrCat("more than ", kMaxFrames, " frames"), pos);
      break;
    }
    if (magic != lf::kFrameMagic) {
      damage(magic == lf::kLegacyMagic ? "legacy LZ4 format (lz4 -l) is not supported"
             : pos == 0               ? "not an LZ4 file"
                                      : "garbage after the last frame",
             pos);
      break;
    }
    // Header: at most kMaxHeaderBytes; the file may hold fewer after it.
    buf.resize(static_cast<size_t>(std::min<uint64_t>(lf::kMaxHeaderBytes, end - pos)));
    int err = 0;
    buf.resize(PreadAll(fd, buf.data(), buf.size(), pos, &err));
    Lz4FrameHeader info;
    if (err != 0) {
      damage(absl::StrCat("read error: ", std::strerror(err)), pos);
      break;
    }
    if (absl::Status s = decoder.Begin(buf, "", &info); !s.ok()) {
      damage(std::string(s.message()), pos);
      break;
    }
    if (info.dict_id != 0) {
      damage(absl::StrCat("frame needs dictionary ", info.dict_id), pos);
      break;
    }
    const uint32_t frame_index = static_cast<uint32_t>(map.frames_.size());
    map.frames_.push_back({pos, static_cast<uint32_t>(info.header_bytes), info.linked});
    pos += info.header_bytes;
    history.clear();
    uint64_t since_checkpoint = 0;
    bool first = true;
    for (;;) {
      why.clear();
      if (!ReadExactly(fd, pos, lf::kBlockHeaderBytes, &buf, &why)) {
        cut(" before the end of the frame", pos);
        break;
      }
      const uint32_t word = Le32(buf.data());
      if (word == 0) {  // end mark
        const size_t n = lf::kBlockHeaderBytes + (info.content_checksum ? lf::kChecksumBytes : 0);
        if (!ReadExactly(fd, pos, n, &buf, &why)) {
          cut(" in the content checksum", pos);
          break;
        }
        if (absl::Status s = decoder.End(buf); !s.ok()) {
          damage(std::string(s.message()), pos);
          break;
        }
        pos += n;
        break;
      }
      if (map.blocks_.size() >= kMaxBlocks) {
        damage(absl::StrCat("more than ", kMaxBlocks, " blocks"), pos);
        break;
      }
      const uint32_t data = word & ~lf::kBlockStoredFlag;
      if (data > info.max_block_bytes) {
        damage(absl::StrCat("block of ", data, " bytes in a frame of ", info.max_block_bytes,
                            "-byte blocks"),
               pos);
        break;
      }
      const size_t n = lf::kBlockHeaderBytes + data + (info.block_checksum ? lf::kChecksumBytes : 0);
      if (!ReadExactly(fd, pos, n, &buf, &why)) {
        cut(" mid-block", pos);
        break;
      }
      const absl::StatusOr<size_t> got = decoder.Block(buf, &decoded);
      if (!got.ok()) {
        damage(std::string(got.status().message()), pos);
        break;
      }
      const std::string_view out(decoded.data(), *got);
      const uint32_t index = static_cast<uint32_t>(map.blocks_.size());
      if (info.linked && !first && since_checkpoint >= kCheckpointBytes) {
        map.checkpoints_.push_back({index, history});
        since_checkpoint = 0;
      }
      map.blocks_.push_back({pos, static_cast<uint32_t>(n), frame_index, map.size_,
                             static_cast<uint32_t>(out.size()), first});
      first = false;
      map.size_ += out.size();
      since_checkpoint += out.size();
      pos += n;
      if (info.linked) {
        if (out.size() >= lf::kWindowBytes) {
          history.assign(out, out.size() - lf::kWindowBytes, lf::kWindowBytes);
        } else {
          history.append(out);
          if (history.size() > lf::kWindowBytes) history.erase(0, history.size() - lf::kWindowBytes);
        }
      }
      if (on_block) on_block(index, out);
    }
  }
  return map;
}

uint32_t Lz4Map::BlockAt(uint64_t offset) const {
  const auto it = std::upper_bound(blocks_.begin(), blocks_.end(), offset,
                                   [](uint64_t off, const Block& b) { return off < b.dst_offset; });
  return static_cast<uint32_t>(it - blocks_.begin()) - 1;
}

const Lz4Map::Checkpoint* Lz4Map::CheckpointFor(uint32_t block) const {
  const auto it = std::upper_bound(checkpoints_.begin(), checkpoints_.end(), block,
                                   [](uint32_t b, const Checkpoint& c) { return b < c.block; });
  if (it == checkpoints_.begin()) return nullptr;
  const Checkpoint* c = &*(it - 1);
  return blocks_[c->block].frame == blocks_[block].frame ? c : nullptr;
}

size_t Lz4Map::MemoryBytes() const {
  size_t n = sizeof(*this) + frames_.capacity() * sizeof(Frame) + blocks_.capacity() * sizeof(Block) +
             checkpoints_.capacity() * sizeof(Checkpoint);
  for (const Checkpoint& c : checkpoints_) n += c.dict.capacity();
  if (damage_) n += damage_->reason.capacity();
  return n;
}

}  // namespace logdex::index
