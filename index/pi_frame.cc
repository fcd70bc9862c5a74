#include "index/pi_frame.h"

#include <cstring>
#include <optional>

#include "index/json_members.h"
#include "index/json_string.h"
#include "index/pi_offsets_format.h"

namespace logdex::index {
namespace {

namespace pf = pi_format;

// Lines above this are validated by the exact checker alone: simdjson would
// build a parser as large as the line, holding it a second time.
constexpr size_t kFastValidateMaxBytes = size_t{8} << 20;

constexpr uint32_t Bit(int key) { return uint32_t{1} << key; }
constexpr uint32_t kRequired = ((uint32_t{1} << pf::kFrameKeyCount) - 1) & ~Bit(pf::kParentEntryId);

// The key's index in kFrameKeys, or -1.
int LookUpKey(std::string_view key) {
  for (int k = 0; k < pf::kFrameKeyCount; ++k) {
    if (pf::kFrameKeys[k] == key) return k;
  }
  return -1;
}

// Decoded WTF-8 (json_string.h) holds an unpaired surrogate as ED A0..BF xx;
// valid UTF-8 never has those bytes.
bool HasUnpairedSurrogate(std::string_view decoded) {
  const auto* s = reinterpret_cast<const unsigned char*>(decoded.data());
  const size_t n = decoded.size();
  for (size_t i = 0; i + 1 < n; ++i) {
    if (s[i] == 0xED && s[i + 1] >= 0xA0) return true;
  }
  return false;
}

// A string member's value into *out, decoded. Rust's String cannot hold an
// unpaired surrogate, so serde_json refuses one.
PiFrameError StringField(std::string_view raw_value, std::string* out) {
  if (raw_value.size() < 2 || raw_value.front() != '"') return PiFrameError::kWrongType;
  const std::string_view body = raw_value.substr(1, raw_value.size() - 2);
  out->clear();
  if (body.find('\\') == std::string_view::npos) {
    out->assign(body);  // valid UTF-8 already: no surrogates possible
    return PiFrameError::kNone;
  }
  if (!DecodeJsonString(body, out)) return PiFrameError::kNotJson;
  return HasUnpairedSurrogate(*out) ? PiFrameError::kLoneSurrogate : PiFrameError::kNone;
}

PiFrameError U64Field(std::string_view raw_value, uint64_t* out) {
  const std::optional<uint64_t> v = UintValue(raw_value);
  if (!v) return PiFrameError::kWrongType;
  *out = *v;
  return PiFrameError::kNone;
}

// A key for messages: at most kMaxDetailBytes, never cut inside a character.
constexpr size_t kMaxDetailBytes = 64;
std::string_view Clipped(std::string_view key) {
  if (key.size() <= kMaxDetailBytes) return key;
  size_t n = kMaxDetailBytes;
  while (n > 0 && (static_cast<unsigned char>(key[n]) & 0xC0) == 0x80) --n;
  return key.substr(0, n);
}

// Unicode White_Space at the start of s (valid UTF-8): its length, or 0.
size_t WhiteSpaceLength(const unsigned char* s, size_t left) {
  const unsigned char c = s[0];
  if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return 1;
  if (c < 0x80) return 0;
  if (c == 0xC2 && left >= 2) return s[1] == 0x85 || s[1] == 0xA0 ? 2 : 0;  // U+0085, U+00A0
  if (left < 3) return 0;
  if (c == 0xE1) return s[1] == 0x9A && s[2] == 0x80 ? 3 : 0;  // U+1680
  if (c == 0xE3) return s[1] == 0x80 && s[2] == 0x80 ? 3 : 0;  // U+3000
  if (c != 0xE2) return 0;
  if (s[1] == 0x80) {
    const unsigned char d = s[2];
    // U+2000..U+200A, U+2028, U+2029, U+202F
    return (d >= 0x80 && d <= 0x8A) || d == 0xA8 || d == 0xA9 || d == 0xAF ? 3 : 0;
  }
  if (s[1] == 0x81) return s[2] == 0x9F ? 3 : 0;  // U+205F
  return 0;
}

}  // namespace

std::string_view PiFrameErrorName(PiFrameError error) {
  switch (error) {
    case PiFrameError::kNone: return "none";
    case PiFrameError::kNotJson: return "not_json";
    case PiFrameError::kUnknownKey: return "unknown_key";
    case PiFrameError::kDuplicateKey: return "duplicate_key";
    case PiFrameError::kMissingKey: return "missing_key";
    case PiFrameError::kWrongType: return "wrong_type";
    case PiFrameError::kLoneSurrogate: return "lone_surrogate";
  }
  return "unknown";
}

void PiFrameParser::SetDetail(std::string_view key) { detail_.assign(Clipped(key)); }

PiFrameError PiFrameParser::Parse(std::string_view text, PiFrame* frame, bool padded) {
  detail_.clear();
  frame->has_parent = false;
  frame->parent_entry_id.clear();
  frame->payload = {};
  // The member count from simdjson's parse lets the iterator take the last
  // member (pi's payload) without walking it.
  std::optional<size_t> members;
  bool valid;
  if (padded && text.size() <= kFastValidateMaxBytes) {
    valid = validator_.IsObject(text);
    if (valid) members = validator_.MemberCount();
  } else {
    valid = StrictJsonObject(text);
  }
  if (!valid) return PiFrameError::kNotJson;

  uint32_t seen = 0;
  MemberIterator it(text, members);
  JsonMember m;
  while (it.Next(&m)) {
    std::string_view key = m.raw_key;
    if (key.find('\\') != std::string_view::npos) {
      key_.clear();
      if (!DecodeJsonString(key, &key_)) return PiFrameError::kNotJson;
      key = key_;
    }
    const int k = LookUpKey(key);
    if (k < 0) {
      SetDetail(key);
      return PiFrameError::kUnknownKey;
    }
    if (seen & Bit(k)) {
      detail_.assign(key);
      return PiFrameError::kDuplicateKey;
    }
    seen |= Bit(k);
    PiFrameError e = PiFrameError::kNone;
    switch (k) {
      case pf::kSchema: e = StringField(m.raw_value, &frame->schema); break;
      case pf::kSegmentSeq: e = U64Field(m.raw_value, &frame->segment_seq); break;
      case pf::kFrameSeq: e = U64Field(m.raw_value, &frame->frame_seq); break;
      case pf::kEntrySeq: e = U64Field(m.raw_value, &frame->entry_seq); break;
      case pf::kEntryId: e = StringField(m.raw_value, &frame->entry_id); break;
      case pf::kParentEntryId:
        if (m.raw_value != "null") {
          e = StringField(m.raw_value, &frame->parent_entry_id);
          frame->has_parent = true;
        }
        break;
      case pf::kEntryType: e = StringField(m.raw_value, &frame->entry_type); break;
      case pf::kTimestamp: e = StringField(m.raw_value, &frame->timestamp); break;
      case pf::kPayloadSha256: e = StringField(m.raw_value, &frame->payload_sha256); break;
      case pf::kPayloadBytes: e = U64Field(m.raw_value, &frame->payload_bytes); break;
      case pf::kPayload: frame->payload = m.raw_value; break;
    }
    if (e != PiFrameError::kNone) {
      detail_.assign(pf::kFrameKeys[k]);
      return e;
    }
  }
  if ((seen & kRequired) != kRequired) {
    for (int k = 0; k < pf::kFrameKeyCount; ++k) {
      if ((kRequired & Bit(k)) && !(seen & Bit(k))) {
        detail_.assign(pf::kFrameKeys[k]);
        break;
      }
    }
    return PiFrameError::kMissingKey;
  }
  return PiFrameError::kNone;
}

bool IsPiBlankLine(std::string_view line) {
  const auto* s = reinterpret_cast<const unsigned char*>(line.data());
  size_t i = 0;
  while (i < line.size()) {
    const size_t n = WhiteSpaceLength(s + i, line.size() - i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace logdex::index
