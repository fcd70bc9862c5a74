// Fuzz target: the pi frame checks: RowMaker's checks of a pi frame (SPEC §2: schema, then
// payload_hash, then payload_bytes) and PiFrameParser (pi_frame.h, the serde-shaped parse the
// offsets derivation uses).
//
// Input: two control bytes, then NUL-separated parts: the payload's raw JSON text, then
// entryId, entryType, timestamp, parentEntryId (made printable ASCII), then the schema string
// used when it is to be wrong. The harness builds a pi frame from them, so it knows the outcome
// it built: flags (byte 0) bit 0 wrong schema, bit 1 wrong payloadSha256, bit 2 wrong
// payloadBytes, bit 3 a required member left out, bit 4 a member of the wrong type (byte 1
// picks which), bit 5 parentEntryId present, bit 6 the u64s written with leading/trailing
// JSON whitespace around them in the member list, bit 7 raw mode: the parts are ignored and
// the rest of the input is one line as it stands.
//
// Properties: never a crash; for a built frame that simdjson reads as an object of exactly the
// members built, RowMaker's row is active or has exactly the first error the construction
// implies (the hash computed independently with OpenSSL's SHA-256), PiFrameParser accepts a
// frame with every member right and gives back the values put in; for any line, raw or built,
// PiFrameParser gives the same answer with and without padding (its stated contract).
#include <openssl/sha.h>
#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/json_validator.h"
#include "index/pi_frame.h"
#include "index/row_maker.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace ix = logdex::index;

std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 64)) {
    out.push_back(c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? static_cast<char>(c) : 'x');
  }
  return out;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), md);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : md) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string_view TrimJsonSpace(std::string_view s) {
  const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

// PiFrameParser with and without padding must agree.
void CheckParserPadding(std::string_view line) {
  static ix::PiFrameParser parser;
  std::string_view text = line;
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  while (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  std::string padded(text);
  padded.append(ix::kJsonPadding, ' ');
  ix::PiFrame a, b;
  const ix::PiFrameError ea = parser.Parse(std::string_view(padded.data(), text.size()), &a, true);
  const std::string detail_a = parser.detail();
  const ix::PiFrameError eb = parser.Parse(text, &b, false);
  FUZZ_CHECK(ea == eb, "padded " + std::string(ix::PiFrameErrorName(ea)) + " (" + detail_a +
                           "), unpadded " + std::string(ix::PiFrameErrorName(eb)) + " (" +
                           parser.detail() + "): " + std::string(text));
  if (ea == ix::PiFrameError::kNone) {
    FUZZ_CHECK(a.entry_id == b.entry_id && a.entry_seq == b.entry_seq &&
                   a.payload == b.payload && a.payload_sha256 == b.payload_sha256,
               "padded and unpadded parses differ: " + std::string(text));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const uint8_t which = data[1];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  static ix::FrameTools tools;

  if (flags & 0x80) {
    CheckParserPadding(rest);
    std::string padded(rest);
    padded.append(ix::kJsonPadding, ' ');
    ix::RowMaker maker("s/segments/1.seg");
    maker.MakeRow(0, std::string_view(padded.data(), rest.size()), tools);
    return 0;
  }

  std::vector<std::string_view> parts;
  for (size_t pos = 0;;) {
    const size_t nul = rest.find('\0', pos);
    parts.push_back(rest.substr(pos, nul == rest.npos ? rest.npos : nul - pos));
    if (nul == rest.npos) break;
    pos = nul + 1;
  }
  parts.resize(6);
  const std::string_view payload = TrimJsonSpace(parts[0]);
  if (payload.find('\n') != payload.npos) return 0;  // a frame is one line
  const std::string entry_id = Printable(parts[1]);
  const std::string entry_type = Printable(parts[2]);
  const std::string timestamp = Printable(parts[3]);
  const std::string parent = Printable(parts[4]);
  const bool wrong_schema = flags & 1;
  std::string schema = "pi.session_store_v2.segment_frame.v1";
  if (wrong_schema) schema = Printable(parts[5]) + "-";
  const bool wrong_sha = flags & 2, wrong_bytes = flags & 4, omit = flags & 8,
             wrong_type = flags & 16, with_parent = flags & 32, spaces = flags & 64;
  std::string sha = Sha256Hex(payload);
  if (wrong_sha) sha[which % 64] = sha[which % 64] == '0' ? '1' : '0';
  const uint64_t payload_bytes = payload.size() + (wrong_bytes ? 1 + which : 0);
  const uint64_t entry_seq = 1 + which;

  // The members, payload last as pi writes it; `which` picks the one left out or mistyped.
  const char* sp = spaces ? " " : "";
  std::vector<std::pair<std::string, std::string>> members = {
      {"schema", "\"" + schema + "\""},
      {"segmentSeq", "1"},
      {"frameSeq", std::to_string(which)},
      {"entrySeq", std::to_string(entry_seq)},
      {"entryId", "\"" + entry_id + "\""},
      {"entryType", "\"" + entry_type + "\""},
      {"timestamp", "\"" + timestamp + "\""},
      {"payloadSha256", "\"" + sha + "\""},
      {"payloadBytes", std::to_string(payload_bytes)},
  };
  if (with_parent) members.emplace_back("parentEntryId", "\"" + parent + "\"");
  members.emplace_back("payload", std::string(payload));
  size_t target = which % members.size();
  if (members[target].first == "parentEntryId") target = 0;
  if (omit) members.erase(members.begin() + target);
  if (!omit && wrong_type) {
    if (members[target].first == "payload") {
      target = members.size();  // any JSON value is a payload: nothing is mistyped
    } else {
      std::string& v = members[target].second;
      v = v.front() == '"' ? "7" : "\"7\"";
    }
  }
  std::string line = "{";
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) line += ",";
    line += "\"" + members[i].first + "\":" + sp + members[i].second + sp;
  }
  line += "}\n";
  CheckParserPadding(line);

  // Only frames simdjson reads as an object of exactly the members built are judged: the
  // payload text may be invalid, or close the object early and add members of its own.
  static simdjson::dom::parser dom;
  simdjson::dom::object obj;
  if (dom.parse(line.data(), line.size() - 1).get_object().get(obj)) return 0;
  if (obj.size() != members.size()) return 0;

  ix::FrameError want = ix::FrameError::kNone;
  const bool bad_type = wrong_type && target < members.size();
  if (wrong_schema || omit || bad_type) {
    want = ix::FrameError::kSchema;
  } else if (wrong_sha) {
    want = ix::FrameError::kPayloadHash;
  } else if (wrong_bytes) {
    want = ix::FrameError::kPayloadBytes;
  }
  std::string padded = line;
  padded.append(ix::kJsonPadding, ' ');
  ix::RowMaker maker("store.v2/segments/1.seg");
  const ix::RowView& row = maker.MakeRow(0, std::string_view(padded.data(), line.size()), tools);
  FUZZ_CHECK(row.error == want, std::string("row error ") +
                                    std::string(ix::FrameErrorName(row.error)) + ", built " +
                                    std::string(ix::FrameErrorName(want)) + ": " + line);
  if (want == ix::FrameError::kNone) {
    FUZZ_CHECK(row.entry_id == entry_id && row.entry_type == entry_type &&
                   row.timestamp == timestamp && row.entry_seq == entry_seq &&
                   row.session_id == "store" &&
                   (with_parent ? row.parent_entry_id == parent : !row.parent_entry_id),
               "active pi row's fields are not the frame's: " + line);
    static ix::PiFrameParser parser;
    ix::PiFrame frame;
    const ix::PiFrameError e = parser.Parse(std::string_view(line.data(), line.size() - 1), &frame);
    FUZZ_CHECK(e == ix::PiFrameError::kNone, "PiFrameParser refuses a right frame (" +
                                                 std::string(ix::PiFrameErrorName(e)) + " " +
                                                 parser.detail() + "): " + line);
    FUZZ_CHECK(frame.payload == payload && frame.payload_bytes == payload_bytes &&
                   frame.entry_id == entry_id && frame.entry_seq == entry_seq &&
                   frame.has_parent == with_parent,
               "PiFrameParser's values are not the frame's: " + line);
  }
  return 0;
}
