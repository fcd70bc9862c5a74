#include "index/lz4_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "index/file_io.h"
#include "index/lz4_decoder.h"
#include "index/lz4_format.h"

namespace logdex::index {
namespace {

int64_t Ns(const struct timespec& t) { return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec; }

bool ReadExactly(int fd, uint64_t offset, size_t n, std::string* out) {
  out->resize(n);
  return PreadAll(fd, out->data(), n, offset, nullptr) == n;
}

}  // namespace

bool Lz4IdentityOf(int fd, Lz4Identity* out) {
  struct stat st;
  if (fstat(fd, &st) != 0) return false;
  *out = {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
          static_cast<uint64_t>(st.st_size), Ns(st.st_mtim)};
  return S_ISREG(st.st_mode);
}

Lz4File::Lz4File(UniqueFd fd, Lz4Cache& cache) : fd_(std::move(fd)), cache_(cache) {
  stat_ok_ = Lz4IdentityOf(fd_.get(), &identity_);
  if (stat_ok_) mapped_ = cache_.MapOf(fd_.get(), identity_);
}

LogStat Lz4File::Stat() {
  if (!stat_ok_) return {};
  return {true, identity_.ino, mapped_.map->size(), identity_.mtime_ns};
}

ssize_t Lz4File::Pread(char* dst, size_t n, uint64_t offset) {
  Lz4Identity now;
  if (!stat_ok_ || !Lz4IdentityOf(fd_.get(), &now) || !(now == identity_)) {
    errno = ESTALE;  // rewritten since mapped: its map says nothing about it now
    return -1;
  }
  const Lz4Map& map = *mapped_.map;
  if (offset >= map.size() || n == 0) return 0;
  size_t done = 0;
  uint32_t b = map.BlockAt(offset);
  while (done < n && offset + done < map.size()) {
    const Lz4Map::Block& blk = map.blocks()[b];
    if (blk.dst_bytes == 0) {  // an empty block (valid LZ4): nothing to decode or copy
      ++b;
      continue;
    }
    const Lz4Cache::BlockPtr bytes = GetBlock(b);
    if (bytes == nullptr || bytes->size() != blk.dst_bytes) {
      if (done > 0) break;  // what was read is right; the next call says EIO
      errno = EIO;
      return -1;
    }
    const uint64_t in_block = offset + done - blk.dst_offset;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(n - done, blk.dst_bytes - in_block));
    std::memcpy(dst + done, bytes->data() + in_block, take);
    done += take;
    ++b;
  }
  return static_cast<ssize_t>(done);
}

Lz4Cache::BlockPtr Lz4File::GetBlock(uint32_t index) {
  if (Lz4Cache::BlockPtr hit = cache_.FindBlock(mapped_.serial, index)) return hit;
  const Lz4Map& map = *mapped_.map;
  const std::vector<Lz4Map::Block>& blocks = map.blocks();
  const Lz4Map::Frame& frame = map.frames()[blocks[index].frame];
  // Where decoding starts, and the history it needs there.
  uint32_t start = index;
  std::string dict;
  if (frame.linked && !blocks[index].first_in_frame) {
    const Lz4Map::Checkpoint* cp = map.CheckpointFor(index);
    uint32_t frame_start = index;
    while (!blocks[frame_start].first_in_frame) --frame_start;
    const uint32_t floor = cp != nullptr ? cp->block : frame_start;
    // The nearest block at or after the checkpoint whose history is cached.
    bool found = false;
    for (uint32_t j = index; !found && j > floor; --j) {
      // History of j: the blocks before it in its frame, newest first, until 64 KiB.
      std::vector<Lz4Cache::BlockPtr> parts;
      size_t have = 0;
      bool complete = true;
      for (uint32_t i = j; have < lz4_format::kWindowBytes && !blocks[i].first_in_frame;) {
        --i;
        Lz4Cache::BlockPtr p = cache_.FindBlock(mapped_.serial, i);
        if (p == nullptr) {
          complete = false;
          break;
        }
        have += p->size();
        parts.push_back(std::move(p));
      }
      if (!complete) continue;
      dict.clear();
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) dict.append((*it)->data(), (*it)->size());
      if (dict.size() > lz4_format::kWindowBytes) dict.erase(0, dict.size() - lz4_format::kWindowBytes);
      start = j;
      found = true;
    }
    if (!found) {
      if (cp != nullptr) {
        start = cp->block;
        dict = cp->dict;
      } else {
        start = frame_start;  // no checkpoint before it in this frame
        dict.clear();
      }
    }
  }
  Lz4Decoder decoder;
  std::string buf;
  if (!ReadExactly(fd_.get(), frame.header_offset, frame.header_bytes, &buf)) return nullptr;
  if (!decoder.Begin(buf, dict, nullptr).ok()) return nullptr;
  Lz4Cache::BlockPtr result;
  // Reused by the thread: a block's buffer is up to 4 MiB, zeroed when grown.
  thread_local std::string out;
  for (uint32_t i = start; i <= index; ++i) {
    if (!ReadExactly(fd_.get(), blocks[i].src_offset, blocks[i].src_bytes, &buf)) return nullptr;
    const absl::StatusOr<size_t> got = decoder.Block(buf, &out);
    if (!got.ok() || *got != blocks[i].dst_bytes) return nullptr;
    auto bytes = std::make_shared<const Lz4Block>(std::string_view(out.data(), *got));
    if (bytes->size() != *got) return nullptr;  // no memory for it
    cache_.PutBlock(mapped_.serial, i, bytes);
    if (i == index) result = std::move(bytes);
  }
  return result;
}

}  // namespace logdex::index
