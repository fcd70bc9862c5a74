#include "index/session_name.h"

namespace logdex::index {
namespace {

// WTF-8 encodes an unpaired surrogate as ED A0..BF xx; strict UTF-8 never
// has ED followed by a byte above 0x9F.
bool HasSurrogate(std::string_view id) {
  for (size_t i = 0; i + 1 < id.size(); ++i) {
    if (static_cast<unsigned char>(id[i]) == 0xED && static_cast<unsigned char>(id[i + 1]) >= 0xA0) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> SessionFileName(std::string_view id) {
  if (HasSurrogate(id)) return std::nullopt;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string name;
  name.reserve(id.size() + kSessionFileSuffix.size());
  for (size_t i = 0; i < id.size(); ++i) {
    const auto c = static_cast<unsigned char>(id[i]);
    if (c < 0x20 || c == '%' || c == '/' || (i == 0 && c == '.')) {
      name.push_back('%');
      name.push_back(kHex[c >> 4]);
      name.push_back(kHex[c & 0xF]);
    } else {
      name.push_back(static_cast<char>(c));
    }
    if (name.size() + kSessionFileSuffix.size() > kMaxSessionFileName) return std::nullopt;
  }
  name.append(kSessionFileSuffix);
  if (name.size() > kMaxSessionFileName) return std::nullopt;
  return name;
}

}  // namespace logdex::index
