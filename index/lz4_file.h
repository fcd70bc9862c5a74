// Random access to the decompressed bytes of one .lz4 file (LogBytes).
//
// A read at any offset finds its blocks in the map (lz4_map.h) and takes
// them from the shared block cache (lz4_cache.h) or decodes them: an
// independent block alone; a block of a linked frame from the nearest point
// before it whose 64 KiB of history is known (cached blocks before it, a
// checkpoint, or the frame's start), caching every block decoded on the way.
// So no read decompresses from the start of the file, and a sequential
// reader decodes each block once.
#ifndef LOGDEX_INDEX_LZ4_FILE_H_
#define LOGDEX_INDEX_LZ4_FILE_H_

#include <memory>

#include "index/log_bytes.h"
#include "index/lz4_cache.h"
#include "index/lz4_map.h"
#include "index/unique_fd.h"

namespace logdex::index {

// The identity fstat gives fd (false if fstat fails).
bool Lz4IdentityOf(int fd, Lz4Identity* out);

class Lz4File : public LogBytes {
 public:
  // fd: the .lz4 file, open for reading; mapped now if the cache does not
  // know it (identity from fstat).
  Lz4File(UniqueFd fd, Lz4Cache& cache);

  ssize_t Pread(char* dst, size_t n, uint64_t offset) override;
  LogStat Stat() override;
  const Lz4Map* lz4_map() const override { return mapped_.map.get(); }
  int fd() const override { return fd_.get(); }

 private:
  // Block `index` of the map: from the cache, or decoded (see above).
  Lz4Cache::BlockPtr GetBlock(uint32_t index);

  UniqueFd fd_;
  Lz4Cache& cache_;
  Lz4Identity identity_;
  bool stat_ok_ = false;
  Lz4Cache::Mapped mapped_;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_LZ4_FILE_H_
