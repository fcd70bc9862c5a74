#include "index/json_validator.h"

#include <simdjson.h>

#include <cstdint>

#include "index/utf8.h"

namespace logdex::index {
namespace {

using Byte = unsigned char;

// Lines above this are judged by the exact checker alone: simdjson's parser
// would allocate several bytes of index and tape per byte of text (hundreds
// of MB for a frame near kMaxFrameBytes of tiny values), while the exact
// checker allocates nothing. Such lines are rare; the slower pass costs little.
constexpr size_t kSimdjsonMaxBytes = 8u << 20;

inline bool IsWs(Byte c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline void SkipWs(const Byte*& p, const Byte* end) {
  while (p < end && IsWs(*p)) ++p;
}

inline bool IsHex(Byte c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// p at the opening quote; leaves p after the closing quote.
bool SkipString(const Byte*& p, const Byte* end) {
  ++p;
  while (p < end) {
    const Byte c = *p;
    if (c == '"') {
      ++p;
      return true;
    }
    if (c == '\\') {
      if (end - p < 2) return false;
      switch (p[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          p += 2;
          continue;
        case 'u':
          if (end - p < 6 || !IsHex(p[2]) || !IsHex(p[3]) || !IsHex(p[4]) || !IsHex(p[5]))
            return false;
          p += 6;  // any code unit, unpaired surrogates included
          continue;
        default:
          return false;
      }
    }
    if (c < 0x20) return false;
    if (c >= 0x80) {
      if (!SkipUtf8Sequence(p, end)) return false;
      continue;
    }
    ++p;
  }
  return false;
}

inline bool IsDigit(Byte c) { return c >= '0' && c <= '9'; }

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool SkipNumber(const Byte*& p, const Byte* end) {
  if (p < end && *p == '-') ++p;
  if (p >= end) return false;
  if (*p == '0') {
    ++p;
  } else if (*p >= '1' && *p <= '9') {
    while (p < end && IsDigit(*p)) ++p;
  } else {
    return false;
  }
  if (p < end && *p == '.') {
    ++p;
    if (p >= end || !IsDigit(*p)) return false;
    while (p < end && IsDigit(*p)) ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p >= end || !IsDigit(*p)) return false;
    while (p < end && IsDigit(*p)) ++p;
  }
  return true;
}

bool SkipLiteral(const Byte*& p, const Byte* end, std::string_view word) {
  if (static_cast<size_t>(end - p) < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (p[i] != static_cast<Byte>(word[i])) return false;
  }
  p += word.size();
  return true;
}

// Whether the first byte that is not JSON whitespace opens an object. Every
// valid frame starts so; a byte-order mark never does.
bool StartsWithBrace(std::string_view text) {
  const Byte* p = reinterpret_cast<const Byte*>(text.data());
  const Byte* end = p + text.size();
  SkipWs(p, end);
  return p < end && *p == '{';
}

}  // namespace

bool StrictJsonObject(std::string_view text) {
  const Byte* p = reinterpret_cast<const Byte*>(text.data());
  const Byte* const end = p + text.size();
  SkipWs(p, end);
  if (p >= end || *p != '{') return false;
  // The open containers, innermost last: true for an object.
  bool in_object[kMaxJsonDepth];
  int depth = 0;

  // The grammar as a loop over three states, containers kept on a stack so
  // deep nesting cannot exhaust the call stack.
value:
  SkipWs(p, end);
  if (p >= end) return false;
  switch (*p) {
    case '{':
    case '[': {
      if (depth == kMaxJsonDepth) return false;
      const bool object = *p == '{';
      in_object[depth++] = object;
      ++p;
      SkipWs(p, end);
      if (p < end && *p == (object ? '}' : ']')) {
        ++p;
        --depth;
        goto after_value;
      }
      if (object) goto key;
      goto value;
    }
    case '"':
      if (!SkipString(p, end)) return false;
      goto after_value;
    case 't':
      if (!SkipLiteral(p, end, "true")) return false;
      goto after_value;
    case 'f':
      if (!SkipLiteral(p, end, "false")) return false;
      goto after_value;
    case 'n':
      if (!SkipLiteral(p, end, "null")) return false;
      goto after_value;
    default:
      if (!SkipNumber(p, end)) return false;
      goto after_value;
  }

key:
  SkipWs(p, end);
  if (p >= end || *p != '"' || !SkipString(p, end)) return false;
  SkipWs(p, end);
  if (p >= end || *p != ':') return false;
  ++p;
  goto value;

after_value:
  SkipWs(p, end);
  if (depth == 0) return p == end;
  if (p >= end) return false;
  if (*p == ',') {
    ++p;
    if (in_object[depth - 1]) goto key;
    goto value;
  }
  if (*p == (in_object[depth - 1] ? '}' : ']')) {
    ++p;
    --depth;
    goto after_value;
  }
  return false;
}

struct JsonValidator::Impl {
  simdjson::dom::parser parser;
  bool have_dom = false;  // parser holds the last accepted text
};

JsonValidator::JsonValidator() : impl_(std::make_unique<Impl>()) {}
JsonValidator::~JsonValidator() = default;

bool JsonValidator::IsObject(std::string_view text) {
  impl_->have_dom = false;
  if (!StartsWithBrace(text)) return false;
  if (text.size() > kSimdjsonMaxBytes) return StrictJsonObject(text);
  const auto* buf = reinterpret_cast<const uint8_t*>(text.data());
  simdjson::dom::element root;
  const simdjson::error_code err = impl_->parser.parse(buf, text.size(), false).get(root);
  if (!err) {
    impl_->have_dom = root.type() == simdjson::dom::element_type::OBJECT;
    return impl_->have_dom;
  }
  // simdjson refuses a few texts the contract accepts (unpaired surrogates,
  // numbers beyond double range, 1024 levels): let the exact checker judge.
  return StrictJsonObject(text);
}

std::optional<size_t> JsonValidator::MemberCount() const {
  if (!impl_->have_dom) return std::nullopt;
  simdjson::dom::object object;
  if (impl_->parser.doc.root().get_object().get(object)) return std::nullopt;
  // The tape saturates the count at 0xFFFFFF.
  const size_t n = object.size();
  if (n >= 0xFFFFFF) return std::nullopt;
  return n;
}

bool JsonValidator::FirstStringMembers(std::span<const std::string_view> names,
                                       std::span<std::optional<std::string_view>> out) {
  if (!impl_->have_dom) return false;
  simdjson::dom::object object;
  if (impl_->parser.doc.root().get_object().get(object)) return false;
  constexpr size_t kMaxNames = 8;
  if (names.size() > kMaxNames || out.size() < names.size()) return false;
  bool seen[kMaxNames] = {};
  size_t wanted = 0, found = 0;
  for (std::string_view n : names) wanted += n.empty() ? 0 : 1;
  for (const simdjson::dom::key_value_pair field : object) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (seen[i] || names[i].empty() || field.key != names[i]) continue;
      seen[i] = true;  // the first occurrence counts, whatever its type
      ++found;
      std::string_view s;
      if (!field.value.get_string().get(s)) out[i] = s;
      break;
    }
    if (found == wanted) break;
  }
  return true;
}

}  // namespace logdex::index
