#include "index/json_members.h"

#include <cstring>

#include "index/json_string.h"

namespace logdex::index {
namespace {

inline bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipWs(std::string_view t, size_t i) {
  while (i < t.size() && IsWs(t[i])) ++i;
  return i;
}

// i at an opening quote of a valid string; returns the index of its closing
// quote. A quote is closing when an even number of backslashes precede it.
size_t ClosingQuote(std::string_view t, size_t i) {
  size_t from = i + 1;
  for (;;) {
    const void* q = std::memchr(t.data() + from, '"', t.size() - from);
    if (q == nullptr) return t.size();
    const size_t at = static_cast<size_t>(static_cast<const char*>(q) - t.data());
    size_t bs = 0;
    while (at - bs > i + 1 && t[at - bs - 1] == '\\') ++bs;
    if (bs % 2 == 0) return at;
    from = at + 1;
  }
}

// i at the first byte of a valid value; returns the index just past it.
size_t SkipValue(std::string_view t, size_t i) {
  if (i >= t.size()) return i;
  const char c = t[i];
  if (c == '"') return ClosingQuote(t, i) + 1;
  if (c == '{' || c == '[') {
    int depth = 0;
    while (i < t.size()) {
      const char d = t[i];
      if (d == '"') {
        i = ClosingQuote(t, i) + 1;
        continue;
      }
      if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  // number or literal: up to the next delimiter
  while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && !IsWs(t[i])) ++i;
  return i;
}

}  // namespace

MemberIterator::MemberIterator(std::string_view object_text, std::optional<size_t> member_count)
    : text_(object_text) {
  if (member_count && *member_count > 0) last_member_ = *member_count - 1;
  pos_ = SkipWs(text_, 0);
  if (pos_ < text_.size() && text_[pos_] == '{') ++pos_;
}

bool MemberIterator::Next(JsonMember* m) {
  size_t i = SkipWs(text_, pos_);
  if (i < text_.size() && text_[i] == ',') i = SkipWs(text_, i + 1);
  if (i >= text_.size() || text_[i] != '"') {
    pos_ = text_.size();
    return false;
  }
  const size_t kend = ClosingQuote(text_, i);
  if (kend >= text_.size()) {
    pos_ = text_.size();
    return false;
  }
  m->raw_key = text_.substr(i + 1, kend - i - 1);
  i = SkipWs(text_, kend + 1);
  if (i < text_.size() && text_[i] == ':') ++i;
  i = SkipWs(text_, i);
  size_t vend;
  if (last_member_ && index_ == *last_member_) {
    // The last member of a valid object: its value ends where the whitespace
    // before the closing brace begins.
    vend = text_.size();
    while (vend > i && IsWs(text_[vend - 1])) --vend;
    if (vend > i && text_[vend - 1] == '}') --vend;
    while (vend > i && IsWs(text_[vend - 1])) --vend;
  } else {
    vend = SkipValue(text_, i);
  }
  ++index_;
  m->raw_value = text_.substr(i, vend - i);
  pos_ = vend;
  return true;
}

bool KeyEquals(std::string_view raw_key, std::string_view name) {
  if (raw_key.find('\\') == std::string_view::npos) return raw_key == name;
  std::string decoded;
  return DecodeJsonString(raw_key, &decoded) && decoded == name;
}

std::optional<std::string_view> StringValue(std::string_view raw_value, std::string* scratch) {
  if (raw_value.size() < 2 || raw_value.front() != '"' || raw_value.back() != '"') {
    return std::nullopt;
  }
  const std::string_view body = raw_value.substr(1, raw_value.size() - 2);
  if (body.find('\\') == std::string_view::npos) return body;
  scratch->clear();
  if (!DecodeJsonString(body, scratch)) return std::nullopt;
  return std::string_view(*scratch);
}

std::optional<uint64_t> UintValue(std::string_view raw_value) {
  if (raw_value.empty() || raw_value.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : raw_value) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

}  // namespace logdex::index
