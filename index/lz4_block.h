// The decompressed bytes of one .lz4 block, as the block cache holds them.
//
// Blocks of 64 KiB and more live in an anonymous mapping of their own, so
// the memory of an evicted block goes back to the system when it is freed.
// From the heap, glibc's sliding mmap threshold soon serves such blocks from
// its arena instead, which keeps freed ones resident: measured, a full
// 64 MiB cache of 4 MiB blocks cost 137 MB of daemon RSS that way, 70 MB
// this way (of which ~11 MB is the daemon without it).
#ifndef LOGDEX_INDEX_LZ4_BLOCK_H_
#define LOGDEX_INDEX_LZ4_BLOCK_H_

#include <cstddef>
#include <string_view>

namespace logdex::index {

class Lz4Block {
 public:
  // A copy of `bytes`. On failure to get memory the block is empty
  // (size() 0), which a reader treats as a block it could not decode.
  explicit Lz4Block(std::string_view bytes);
  ~Lz4Block();
  Lz4Block(const Lz4Block&) = delete;
  Lz4Block& operator=(const Lz4Block&) = delete;

  const char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_LZ4_BLOCK_H_
