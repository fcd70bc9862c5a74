// The memory the .lz4 reader keeps between reads, shared by every .lz4 file
// of the process, with fixed budgets: maps (lz4_map.h) by file identity, and
// decompressed blocks, each evicted least recently used first.
//
// A map is found again by the file's identity (device, inode, size, mtime): a file that changes in any of them is a new file and is mapped
// again. Blocks are keyed by the map's serial number, so blocks of an old
// version are never served for a new one.
//
// Thread-safety: every method may be called from any thread; mu_ is a leaf
// lock, never held while reading or decoding.
#ifndef LOGDEX_INDEX_LZ4_CACHE_H_
#define LOGDEX_INDEX_LZ4_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "index/lz4_block.h"
#include "index/lz4_map.h"

namespace logdex::index {

class Lz4Cache {
 public:
  // What the daemon and the commands use: 64 MiB of blocks, 16 MiB of maps.
  static constexpr size_t kDefaultBlockBytes = size_t{64} << 20;
  static constexpr size_t kDefaultMapBytes = size_t{16} << 20;
  // The process's one cache (the budget is for the whole process, so there
  // is one; tests make their own).
  static Lz4Cache& Shared();

  Lz4Cache(size_t block_budget, size_t map_budget);

  struct Stats {
    uint64_t block_bytes = 0;  // held now
    uint64_t blocks = 0;
    uint64_t map_bytes = 0;
    uint64_t maps = 0;
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;
    uint64_t inserts = 0;  // blocks decoded and offered to the cache
  };
  Stats GetStats() const ABSL_LOCKS_EXCLUDED(mu_);
  size_t block_budget() const { return block_budget_; }

  // The map of the .lz4 file open as fd with this identity: kept, or built
  // now (decoding the whole file once; its blocks go into the cache).
  struct Mapped {
    std::shared_ptr<const Lz4Map> map;
    uint64_t serial = 0;  // names its blocks in this cache
  };
  Mapped MapOf(int fd, const Lz4Identity& identity) ABSL_LOCKS_EXCLUDED(mu_);

  using BlockPtr = std::shared_ptr<const Lz4Block>;
  BlockPtr FindBlock(uint64_t serial, uint32_t block) ABSL_LOCKS_EXCLUDED(mu_);
  void PutBlock(uint64_t serial, uint32_t block, BlockPtr bytes) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct MapEntry {
    Lz4Identity identity;
    std::shared_ptr<const Lz4Map> map;
    uint64_t serial;
    size_t bytes;
  };
  using Key = std::pair<uint64_t, uint32_t>;
  struct BlockEntry {
    Key key;
    BlockPtr bytes;
  };
  void EvictBlocksLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PutBlockLocked(uint64_t serial, uint32_t block, BlockPtr bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t block_budget_;
  const size_t map_budget_;
  mutable absl::Mutex mu_;
  uint64_t next_serial_ ABSL_GUARDED_BY(mu_) = 1;
  std::list<MapEntry> maps_ ABSL_GUARDED_BY(mu_);  // most recent first
  // By (dev, ino): the one kept map of each file (a newer identity replaces it).
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, std::list<MapEntry>::iterator> map_index_
      ABSL_GUARDED_BY(mu_);
  size_t map_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::list<BlockEntry> lru_ ABSL_GUARDED_BY(mu_);  // most recent first
  absl::flat_hash_map<Key, std::list<BlockEntry>::iterator> blocks_ ABSL_GUARDED_BY(mu_);
  size_t block_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t inserts_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_LZ4_CACHE_H_
