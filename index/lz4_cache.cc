#include "index/lz4_cache.h"


namespace logdex::index {

Lz4Cache& Lz4Cache::Shared() {
  static Lz4Cache* const cache = new Lz4Cache(kDefaultBlockBytes, kDefaultMapBytes);
  return *cache;
}

Lz4Cache::Lz4Cache(size_t block_budget, size_t map_budget)
    : block_budget_(block_budget), map_budget_(map_budget) {}

Lz4Cache::Stats Lz4Cache::GetStats() const {
  absl::MutexLock lock(&mu_);
  return {block_bytes_, blocks_.size(), map_bytes_, maps_.size(), hits_, misses_, evictions_, inserts_};
}

Lz4Cache::Mapped Lz4Cache::MapOf(int fd, const Lz4Identity& identity) {
  {
    absl::MutexLock lock(&mu_);
    const auto found = map_index_.find(std::make_pair(identity.dev, identity.ino));
    if (found != map_index_.end() && found->second->identity == identity) {
      const auto it = found->second;
      maps_.splice(maps_.begin(), maps_, it);
      return {it->map, it->serial};
    }
  }
  // Built without the lock: two threads may map the same file at once; the
  // later one's map is the one kept, and both are right. The first blocks
  // decoded on the way go into the cache at once, up to a quarter of the
  // budget: whoever mapped the file usually reads it next from its start (a
  // scan), and finds them there instead of decoding them again. Keeping the
  // last blocks instead would be useless to such a reader: by the time it
  // reaches them it has evicted them itself.
  uint64_t serial = 0;
  {
    absl::MutexLock lock(&mu_);
    serial = next_serial_++;
  }
  size_t kept = 0;
  auto map = std::make_shared<const Lz4Map>(
      Lz4Map::Build(fd, identity, [this, serial, &kept](uint32_t block, std::string_view bytes) {
        if (kept + bytes.size() > block_budget_ / 4) return;
        kept += bytes.size();
        PutBlock(serial, block, std::make_shared<const Lz4Block>(bytes));
      }));
  absl::MutexLock lock(&mu_);
  const size_t bytes = map->MemoryBytes();
  const auto key = std::make_pair(identity.dev, identity.ino);
  if (const auto old = map_index_.find(key); old != map_index_.end()) {
    map_bytes_ -= old->second->bytes;  // another version of the same file
    maps_.erase(old->second);
    map_index_.erase(old);
  }
  maps_.push_front({identity, map, serial, bytes});
  map_index_[key] = maps_.begin();
  map_bytes_ += bytes;
  while (map_bytes_ > map_budget_ && maps_.size() > 1) {
    map_bytes_ -= maps_.back().bytes;
    map_index_.erase(std::make_pair(maps_.back().identity.dev, maps_.back().identity.ino));
    maps_.pop_back();
  }
  return {map, serial};
}

Lz4Cache::BlockPtr Lz4Cache::FindBlock(uint64_t serial, uint32_t block) {
  absl::MutexLock lock(&mu_);
  const auto it = blocks_.find(Key{serial, block});
  if (it == blocks_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->bytes;
}

void Lz4Cache::PutBlock(uint64_t serial, uint32_t block, BlockPtr bytes) {
  absl::MutexLock lock(&mu_);
  PutBlockLocked(serial, block, std::move(bytes));
}

void Lz4Cache::PutBlockLocked(uint64_t serial, uint32_t block, BlockPtr bytes) {
  ++inserts_;
  if (bytes->size() > block_budget_) return;
  const Key key{serial, block};
  if (const auto it = blocks_.find(key); it != blocks_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  block_bytes_ += bytes->size();
  lru_.push_front({key, std::move(bytes)});
  blocks_[key] = lru_.begin();
  EvictBlocksLocked();
}

void Lz4Cache::EvictBlocksLocked() {
  while (block_bytes_ > block_budget_ && !lru_.empty()) {
    block_bytes_ -= lru_.back().bytes->size();
    blocks_.erase(lru_.back().key);
    lru_.pop_back();
    ++evictions_;
  }
}

}  // namespace logdex::index
