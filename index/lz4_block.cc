#include "index/lz4_block.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace logdex::index {
namespace {

constexpr size_t kMapFrom = 64 * 1024;

}  // namespace

Lz4Block::Lz4Block(std::string_view bytes) {
  if (bytes.empty()) return;
  if (bytes.size() >= kMapFrom) {
    void* p = mmap(nullptr, bytes.size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                   -1, 0);  // populated: one call, not a fault per page
    if (p == MAP_FAILED) return;
    data_ = static_cast<char*>(p);
    mapped_ = true;
  } else {
    data_ = new (std::nothrow) char[bytes.size()];
    if (data_ == nullptr) return;
  }
  std::memcpy(data_, bytes.data(), bytes.size());
  size_ = bytes.size();
}

Lz4Block::~Lz4Block() {
  if (data_ == nullptr) return;
  if (mapped_) {
    munmap(data_, size_ == 0 ? 1 : size_);
  } else {
    delete[] data_;
  }
}

}  // namespace logdex::index
