// A log file's path and its JSON literal, held once and shared: the live
// index's map of files and every version's row store refer to the same
// bytes, so a file's name costs one small allocation however many holders it
// has (with 100,000 small files the four copies it had were a third of the
// daemon's memory).
//
// One allocation: a reference count, the lengths, then the literal (the path
// as AppendJsonString writes it, quotes included) and, only when escaping
// changed it, the path itself. A plain path is the literal without its
// quotes. Copies share the bytes (the count is atomic: versions are dropped
// on reader threads); the bytes never change.
#ifndef LOGDEX_INDEX_FILE_NAME_H_
#define LOGDEX_INDEX_FILE_NAME_H_

#include <atomic>
#include <cstdint>
#include <string_view>

namespace logdex::index {

class FileName {
 public:
  FileName() = default;  // no bytes: an empty path() and literal()
  // rel_path: '/'-separated, UTF-8 (a path the tree walk accepted).
  explicit FileName(std::string_view rel_path);
  FileName(const FileName& o) noexcept : rep_(o.rep_) { Ref(); }
  FileName(FileName&& o) noexcept : rep_(o.rep_) { o.rep_ = nullptr; }
  FileName& operator=(const FileName& o) noexcept;
  FileName& operator=(FileName&& o) noexcept;
  ~FileName() { Unref(); }

  std::string_view path() const;
  std::string_view literal() const;

  // Orders by path (the canonical order); looks up by any path.
  struct ByPath {
    using is_transparent = void;
    static std::string_view View(const FileName& n) { return n.path(); }
    static std::string_view View(std::string_view s) { return s; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return View(a) < View(b);
    }
  };

 private:
  struct Rep {
    std::atomic<uint32_t> refs;
    uint32_t literal_len;
    uint32_t path_len;
    bool plain;  // path == literal without its quotes
    char* text() { return reinterpret_cast<char*>(this + 1); }
  };
  void Ref() const {
    if (rep_ != nullptr) rep_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void Unref();
  Rep* rep_ = nullptr;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_FILE_NAME_H_
