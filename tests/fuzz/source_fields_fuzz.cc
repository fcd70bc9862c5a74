// Fuzz target: each source's field extraction (SPEC §2): RowMaker over the lines of one log
// file, compared with an independent reading of each line by simdjson's DOM parser.
//
// Input: one header byte, then the file's lines ('\n'-separated; a last line without '\n' is
// also fed, as a frame the scanner would see once its '\n' arrives). Header bit 0: the file is a
// pi segment (proj.v2/segments/1.seg, session "proj") rather than a.jsonl.
//
// Properties, where simdjson accepts the line (it refuses a few lines the contract accepts,
// such as unpaired surrogate escapes and huge numbers; those lines are only checked not to
// crash, and when such a line decides the source the source is not predicted):
//  - the line is an active row for codex/claude/jsonl, or for pi an active row or a pi check
//    error (schema, payload_hash, payload_bytes), never `json`;
//  - the source is the one the first valid line decides: `"type":"session_meta"` codex (session
//    from its payload.id), a member sessionId/uuid/leafUuid claude, else jsonl; pi by the path;
//  - every field is the first member of its name when that member is a string, else absent
//    (entrySeq: the first entrySeq when a non-negative integer); codex rows carry the session.
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "index/json_validator.h"
#include "index/row_maker.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace ix = logdex::index;
using Field = std::optional<std::string_view>;

std::string Show(const Field& f) { return f ? "\"" + std::string(*f) + "\"" : "absent"; }

// The first member named `name`, if any (simdjson's object iteration is in text order).
std::optional<simdjson::dom::element> First(simdjson::dom::object obj, std::string_view name) {
  for (auto field : obj) {
    if (field.key == name) return field.value;
  }
  return std::nullopt;
}

std::optional<std::string> FirstString(simdjson::dom::object obj, std::string_view name) {
  const auto v = First(obj, name);
  std::string_view s;
  if (v && !v->get_string().get(s)) return std::string(s);
  return std::nullopt;
}

void ExpectField(std::string_view what, const Field& got, const std::optional<std::string>& want,
                 std::string_view line) {
  const bool same = got.has_value() == want.has_value() && (!got || *got == *want);
  FUZZ_CHECK(same, std::string(what) + ": row has " + Show(got) + ", the line's is " +
                       (want ? "\"" + *want + "\"" : "absent") + "; line: " + std::string(line));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool pi = (data[0] & 1) != 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  static ix::FrameTools tools;
  static simdjson::dom::parser parser;
  ix::RowMaker maker(pi ? "proj.v2/segments/1.seg" : "a.jsonl");

  // The model: the source once decided (nullopt before the first valid line, and also after a
  // deciding line simdjson could not read: then `predictable` is false).
  std::optional<ix::Source> source = pi ? std::optional(ix::Source::kPi) : std::nullopt;
  std::optional<std::string> session = pi ? std::optional<std::string>("proj") : std::nullopt;
  bool predictable = true;

  uint64_t offset = 0;
  while (offset < input.size()) {
    size_t end = input.find('\n', offset);
    end = end == std::string_view::npos ? input.size() : end + 1;
    const std::string_view frame = input.substr(offset, end - offset);
    std::string padded(frame);
    padded.append(ix::kJsonPadding, ' ');
    const ix::RowView row = maker.MakeRow(offset, std::string_view(padded.data(), frame.size()),
                                          tools);
    offset = end;

    std::string_view body = frame;
    if (!body.empty() && body.back() == '\n') body.remove_suffix(1);
    if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
    simdjson::dom::element doc;
    simdjson::dom::object obj;
    const bool bom = body.starts_with("\xEF\xBB\xBF");
    const bool readable = !bom && !parser.parse(body.data(), body.size()).get(doc) &&
                          !doc.get_object().get(obj);
    if (!readable) {
      if (row.error != ix::FrameError::kJson && !source) predictable = false;
      if (row.error != ix::FrameError::kJson && !source) source = maker.source();
      continue;
    }
    if (pi) {
      FUZZ_CHECK(row.error != ix::FrameError::kJson && row.error != ix::FrameError::kOversized,
                 "a valid line is corrupt (json) in a pi file: " + std::string(frame));
    } else {
      FUZZ_CHECK(row.error == ix::FrameError::kNone,
                 "a valid line is corrupt: " + std::string(frame));
    }
    if (!source) {  // this line decides
      const auto type = FirstString(obj, "type");
      if (type && *type == "session_meta") {
        source = ix::Source::kCodex;
        const auto payload = First(obj, "payload");
        simdjson::dom::object p;
        if (payload && !payload->get_object().get(p)) session = FirstString(p, "id");
      } else if (First(obj, "sessionId") || First(obj, "uuid") || First(obj, "leafUuid")) {
        source = ix::Source::kClaude;
      } else {
        source = ix::Source::kJsonl;
      }
    }
    if (!predictable) continue;
    FUZZ_CHECK(row.source == *source, "source " + std::string(ix::SourceName(row.source)) +
                                          ", the first valid line says " +
                                          std::string(ix::SourceName(*source)));
    if (row.error != ix::FrameError::kNone) continue;  // pi checks: the pi_frame target's
    const std::string line(frame);
    switch (*source) {
      case ix::Source::kPi: {
        ExpectField("entryType", row.entry_type, FirstString(obj, "entryType"), line);
        ExpectField("entryId", row.entry_id, FirstString(obj, "entryId"), line);
        ExpectField("parentEntryId", row.parent_entry_id, FirstString(obj, "parentEntryId"), line);
        ExpectField("sessionId", row.session_id, session, line);
        ExpectField("timestamp", row.timestamp, FirstString(obj, "timestamp"), line);
        break;
      }
      case ix::Source::kCodex:
        ExpectField("entryType", row.entry_type, FirstString(obj, "type"), line);
        ExpectField("entryId", row.entry_id, std::nullopt, line);
        ExpectField("parentEntryId", row.parent_entry_id, std::nullopt, line);
        ExpectField("sessionId", row.session_id, session, line);
        ExpectField("timestamp", row.timestamp, FirstString(obj, "timestamp"), line);
        break;
      case ix::Source::kClaude:
        ExpectField("entryType", row.entry_type, FirstString(obj, "type"), line);
        ExpectField("entryId", row.entry_id, FirstString(obj, "uuid"), line);
        ExpectField("parentEntryId", row.parent_entry_id, FirstString(obj, "parentUuid"), line);
        ExpectField("sessionId", row.session_id, FirstString(obj, "sessionId"), line);
        ExpectField("timestamp", row.timestamp, FirstString(obj, "timestamp"), line);
        break;
      case ix::Source::kJsonl:
        ExpectField("entryType", row.entry_type, FirstString(obj, "type"), line);
        ExpectField("entryId", row.entry_id, FirstString(obj, "id"), line);
        ExpectField("parentEntryId", row.parent_entry_id, FirstString(obj, "parentId"), line);
        ExpectField("sessionId", row.session_id, FirstString(obj, "sessionId"), line);
        ExpectField("timestamp", row.timestamp, FirstString(obj, "timestamp"), line);
        break;
    }
    if (*source != ix::Source::kPi) {
      FUZZ_CHECK(!row.entry_seq.has_value(), "entrySeq on a non-pi row: " + line);
    }
  }
  return 0;
}
