// Fuzz target: the .lz4 frame reader (index/lz4_map.h builds the block map, index/lz4_file.h
// reads decompressed bytes at any offset through a block cache), over the bytes of one .lz4
// file held in a memfd.
//
// Properties, against liblz4's own streaming decoder (LZ4F_decompress over the whole input,
// frame after frame) as the reference: never a crash, leak or hang; where liblz4 decodes the
// whole input without error, the reader serves exactly its output and reports no damage; where
// liblz4 stops with an error, the reader serves a prefix of what liblz4 produced before it and
// reports damage. Reads are made twice, sequentially in uneven chunks and at scattered offsets,
// through a small cache that evicts, and must agree.
#include <lz4frame.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "index/lz4_cache.h"
#include "index/lz4_file.h"
#include "index/unique_fd.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace ix = logdex::index;

struct Reference {
  bool ok = false;
  std::string out;
};

// liblz4's reading of the input: frames (and skippable frames) back to back until the end.
Reference Lz4fDecode(std::string_view in) {
  Reference ref;
  LZ4F_dctx* dctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) return ref;
  std::string chunk(64 * 1024, '\0');
  size_t pos = 0;
  size_t hint = 4;  // a magic number first
  while (pos < in.size()) {
    // liblz4 reports no output for a call that ends in an error, so each call gets one step
    // alone: its hint is the next block plus the 4-byte header of the one after, and that
    // header is held back (a bad next header must not hide a good block).
    const size_t want = hint == 0 ? 4 : (hint > 4 ? hint - 4 : hint);
    size_t src = std::min(in.size() - pos, want);
    size_t dst = chunk.size();
    hint = LZ4F_decompress(dctx, chunk.data(), &dst, in.data() + pos, &src, nullptr);
    ref.out.append(chunk.data(), dst);
    if (LZ4F_isError(hint)) {
      LZ4F_freeDecompressionContext(dctx);
      return ref;
    }
    pos += src;
    if (src == 0 && dst == 0) break;  // no progress: cannot happen, but never loop forever
    if (ref.out.size() > (size_t{256} << 20)) {  // beyond any fuzz input's reach
      LZ4F_freeDecompressionContext(dctx);
      return ref;
    }
  }
  // Drain output still held.
  while (hint != 0) {
    size_t src = 0;
    size_t dst = chunk.size();
    hint = LZ4F_decompress(dctx, chunk.data(), &dst, in.data() + pos, &src, nullptr);
    if (LZ4F_isError(hint) || dst == 0) break;
    ref.out.append(chunk.data(), dst);
  }
  ref.ok = in.empty() || (pos == in.size() && hint == 0);  // every frame ended
  LZ4F_freeDecompressionContext(dctx);
  return ref;
}

std::string ReadAll(ix::LogBytes& bytes, uint64_t size, uint32_t seed) {
  std::string out(size, '\0');
  uint64_t pos = 0;
  while (pos < size) {
    seed = seed * 1103515245u + 12345u;
    const size_t want = std::min<uint64_t>(size - pos, 1 + (seed >> 8) % 70000);
    const ssize_t n = bytes.Pread(out.data() + pos, want, pos);
    FUZZ_CHECK(n > 0, "Pread within the readable size returned " + std::to_string(n) +
                          " at " + std::to_string(pos));
    pos += static_cast<uint64_t>(n);
  }
  char extra;
  FUZZ_CHECK(bytes.Pread(&extra, 1, size) == 0, "Pread past the readable size returned bytes");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  // Small, so reads evict; per input, so nothing outlives the input (memory an input leaves
  // behind makes libFuzzer run a leak check after every input).
  ix::Lz4Cache cache(/*block_budget=*/256 * 1024, /*map_budget=*/64 * 1024);
  const int fd = logdex::fuzz::MemFdWith(in);
  FUZZ_CHECK(fd >= 0, "memfd_create failed");
  ix::Lz4File file(ix::UniqueFd(fd), cache);
  const ix::LogStat st = file.Stat();
  FUZZ_CHECK(st.regular, "a memfd is not regular");
  const ix::Lz4Map* map = file.lz4_map();
  FUZZ_CHECK(map != nullptr, "no map");
  FUZZ_CHECK(st.size == map->size(), "Stat size is not the map's");

  const std::string seq = ReadAll(file, st.size, static_cast<uint32_t>(size));
  // Scattered reads: block-sized steps backwards from the end.
  for (uint64_t off = st.size; off > 0;) {
    const uint64_t step = 1 + (off * 7919) % 200000;
    off = off > step ? off - step : 0;
    char buf[512];
    const size_t want = std::min<uint64_t>(sizeof buf, st.size - off);
    const ssize_t n = file.Pread(buf, want, off);
    FUZZ_CHECK(n > 0 && std::string_view(buf, n) == std::string_view(seq).substr(off, n),
               "a read at " + std::to_string(off) + " differs from the sequential read");
  }

  const Reference ref = Lz4fDecode(in);
  if (ref.ok) {
    FUZZ_CHECK(!map->damage().has_value(),
               "liblz4 decodes the file; the reader reports damage: " + map->damage()->reason +
                   " at " + std::to_string(map->damage()->compressed_offset));
    FUZZ_CHECK(seq == ref.out, "the reader's bytes (" + std::to_string(seq.size()) +
                                   ") are not liblz4's (" + std::to_string(ref.out.size()) + ")");
  } else {
    FUZZ_CHECK(map->damage().has_value(), "liblz4 fails on the file; the reader reports no damage");
    FUZZ_CHECK(std::string_view(ref.out).substr(0, seq.size()) == seq,
               "the reader's readable prefix (" + std::to_string(seq.size()) +
                   " bytes) is not a prefix of liblz4's output (" +
                   std::to_string(ref.out.size()) + " bytes before its error)");
  }
  return 0;
}
