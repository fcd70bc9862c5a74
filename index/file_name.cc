#include "index/file_name.h"

#include <cstring>
#include <new>
#include <string>

#include "index/json_string.h"

namespace logdex::index {

FileName::FileName(std::string_view rel_path) {
  std::string literal;
  AppendJsonString(rel_path, &literal);
  const bool plain = literal.size() == rel_path.size() + 2;
  const size_t bytes = sizeof(Rep) + literal.size() + (plain ? 0 : rel_path.size());
  void* mem = ::operator new(bytes);
  rep_ = new (mem) Rep{{1}, static_cast<uint32_t>(literal.size()),
                       static_cast<uint32_t>(rel_path.size()), plain};
  std::memcpy(rep_->text(), literal.data(), literal.size());
  if (!plain) std::memcpy(rep_->text() + literal.size(), rel_path.data(), rel_path.size());
}

FileName& FileName::operator=(const FileName& o) noexcept {
  Rep* const rep = o.rep_;  // read first: o may be *this
  o.Ref();
  Unref();
  rep_ = rep;
  return *this;
}

FileName& FileName::operator=(FileName&& o) noexcept {
  if (this != &o) {
    Unref();
    rep_ = o.rep_;
    o.rep_ = nullptr;
  }
  return *this;
}

void FileName::Unref() {
  if (rep_ == nullptr) return;
  if (rep_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    rep_->~Rep();
    ::operator delete(rep_);
  }
  rep_ = nullptr;
}

std::string_view FileName::path() const {
  if (rep_ == nullptr) return {};
  if (rep_->plain) return {rep_->text() + 1, rep_->path_len};
  return {rep_->text() + rep_->literal_len, rep_->path_len};
}

std::string_view FileName::literal() const {
  if (rep_ == nullptr) return {};
  return {rep_->text(), rep_->literal_len};
}

}  // namespace logdex::index
