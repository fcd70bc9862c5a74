#include "index/row_maker.h"

#include "index/crc32c.h"
#include "index/json_members.h"

namespace logdex::index {
namespace {

constexpr std::string_view kPiFrameSchema = "pi.session_store_v2.segment_frame.v1";

// Fills raw[i] with the raw value of the first member named names[i];
// member_count as MemberIterator takes it.
template <size_t N>
void FirstMembers(std::string_view object, const std::array<std::string_view, N>& names,
                  std::array<std::optional<std::string_view>, N>* raw,
                  std::optional<size_t> member_count = std::nullopt) {
  MemberIterator it(object, member_count);
  JsonMember m;
  size_t found = 0;
  while (found < N && it.Next(&m)) {
    for (size_t i = 0; i < N; ++i) {
      if (!(*raw)[i] && KeyEquals(m.raw_key, names[i])) {
        (*raw)[i] = m.raw_value;
        ++found;
        break;
      }
    }
  }
}

// Field slots of a row, in row order.
enum Slot { kType, kId, kParent, kSession, kTime, kSlots };

// The member each slot is read from, per source ("" = not read from the frame).
constexpr std::array<std::array<std::string_view, kSlots>, kSourceCount> kFieldNames = {{
    /* pi */ {"entryType", "entryId", "parentEntryId", "", "timestamp"},
    /* codex */ {"type", "", "", "", "timestamp"},
    /* claude */ {"type", "uuid", "parentUuid", "sessionId", "timestamp"},
    /* jsonl */ {"type", "id", "parentId", "sessionId", "timestamp"},
}};

std::string_view FrameBody(std::string_view frame) {
  if (!frame.empty() && frame.back() == '\n') frame.remove_suffix(1);
  if (!frame.empty() && frame.back() == '\r') frame.remove_suffix(1);
  return frame;
}

}  // namespace

RowMaker::RowMaker(std::string_view rel_path) {
  // pi: `*.seg` directly inside a directory named `segments`; the session is
  // the name of the directory holding `segments/`, minus a trailing ".v2".
  const size_t slash = rel_path.rfind('/');
  if (slash == std::string_view::npos || !rel_path.ends_with(".seg")) return;
  const std::string_view dir = rel_path.substr(0, slash);
  const size_t dslash = dir.rfind('/');
  const std::string_view parent = dslash == std::string_view::npos ? dir : dir.substr(dslash + 1);
  if (parent != "segments") return;
  source_ = Source::kPi;
  if (dslash == std::string_view::npos) return;  // segments/ is the log dir's own
  const std::string_view store_path = dir.substr(0, dslash);
  std::string_view store = store_path.substr(store_path.rfind('/') + 1);
  if (store.ends_with(".v2")) store.remove_suffix(3);
  session_ = std::string(store);
}

void RowMaker::Restore(std::optional<Source> source, std::optional<std::string> session) {
  if (source_ == Source::kPi) return;
  source_ = source;
  session_ = std::move(session);
}

const RowView& RowMaker::MakeOversizedRow(uint64_t offset, uint64_t length, uint32_t crc32c) {
  row_ = RowView{};
  row_.byte_offset = offset;
  row_.byte_length = length;
  row_.crc32c = crc32c;
  row_.source = source_.value_or(Source::kJsonl);
  row_.error = FrameError::kOversized;
  return row_;
}

const RowView& RowMaker::MakeRow(uint64_t offset, std::string_view frame, FrameTools& tools) {
  row_ = RowView{};
  row_.byte_offset = offset;
  row_.byte_length = frame.size();
  row_.crc32c = Crc32c(frame);
  if (frame.size() > kMaxFrameBytes) {
    row_.source = source_.value_or(Source::kJsonl);
    row_.error = FrameError::kOversized;
    return row_;
  }
  const std::string_view body = FrameBody(frame);
  if (!tools.validator.IsObject(body)) {
    row_.source = source_.value_or(Source::kJsonl);
    row_.error = FrameError::kJson;
    return row_;
  }
  if (!source_) Decide(body);
  row_.source = *source_;
  if (*source_ == Source::kPi) {
    // One pass over the members finds both what the check needs and the
    // row's fields; the payload, last in pi's frames, is not walked.
    PiMembers raw;
    FirstMembers(body, kPiNames, &raw, tools.validator.MemberCount());
    row_.error = PiCheck(raw, tools);
    if (row_.error != FrameError::kNone) return row_;
    FillPi(raw);
    return row_;
  }
  FillActive(body, tools.validator);
  return row_;
}

void RowMaker::Decide(std::string_view body) {
  static constexpr std::array<std::string_view, 5> kNames = {"type", "payload", "sessionId",
                                                            "uuid", "leafUuid"};
  std::array<std::optional<std::string_view>, 5> raw;
  FirstMembers(body, kNames, &raw);
  std::string scratch;
  const auto type = raw[0] ? StringValue(*raw[0], &scratch) : std::nullopt;
  if (type && *type == "session_meta") {
    source_ = Source::kCodex;
    if (raw[1] && raw[1]->starts_with('{')) {
      static constexpr std::array<std::string_view, 1> kId = {"id"};
      std::array<std::optional<std::string_view>, 1> id;
      FirstMembers(*raw[1], kId, &id);
      if (id[0]) {
        if (auto s = StringValue(*id[0], &scratch)) session_ = std::string(*s);
      }
    }
  } else if (raw[2] || raw[3] || raw[4]) {
    source_ = Source::kClaude;
  } else {
    source_ = Source::kJsonl;
  }
}

FrameError RowMaker::PiCheck(const PiMembers& raw, FrameTools& tools) {
  std::string scratch;
  const auto schema = raw[kPiSchema] ? StringValue(*raw[kPiSchema], &scratch) : std::nullopt;
  if (!schema || *schema != kPiFrameSchema) return FrameError::kSchema;
  std::optional<uint64_t> payload_bytes;
  for (int k : {kPiSegSeq, kPiFrameSeq, kPiEntrySeq, kPiPayloadBytes}) {
    const auto v = raw[k] ? UintValue(*raw[k]) : std::nullopt;
    if (!v) return FrameError::kSchema;
    if (k == kPiPayloadBytes) payload_bytes = v;
  }
  for (int k : {kPiEntryId, kPiEntryType, kPiTimestamp, kPiPayloadSha}) {
    if (!raw[k] || !StringValue(*raw[k], &scratch)) return FrameError::kSchema;
  }
  if (!raw[kPiPayload]) return FrameError::kSchema;
  const std::string_view payload = *raw[kPiPayload];
  const auto sha = StringValue(*raw[kPiPayloadSha], &scratch);
  if (tools.sha256.HexDigest(payload) != *sha) return FrameError::kPayloadHash;
  if (*payload_bytes != payload.size()) return FrameError::kPayloadBytes;
  return FrameError::kNone;
}

void RowMaker::FillPi(const PiMembers& raw) {
  constexpr int kFrom[kSlots] = {kPiEntryType, kPiEntryId, kPiParentEntryId, -1, kPiTimestamp};
  std::optional<std::string_view>* out[kSlots] = {&row_.entry_type, &row_.entry_id,
                                                   &row_.parent_entry_id, &row_.session_id,
                                                   &row_.timestamp};
  for (int i = 0; i < kSlots; ++i) {
    if (kFrom[i] >= 0 && raw[kFrom[i]]) *out[i] = StringValue(*raw[kFrom[i]], &scratch_[i]);
  }
  if (session_) row_.session_id = std::string_view(*session_);
  if (raw[kPiEntrySeq]) row_.entry_seq = UintValue(*raw[kPiEntrySeq]);
}

void RowMaker::FillActive(std::string_view body, JsonValidator& validator) {
  const auto& names = kFieldNames[static_cast<int>(*source_)];
  const bool codex = *source_ == Source::kCodex;
  // Strings straight from the parse that validated the frame, when simdjson
  // did; else from the raw text.
  std::array<std::optional<std::string_view>, kSlots> got;
  if (validator.FirstStringMembers(names, got)) {
    row_.entry_type = got[kType];
    row_.entry_id = got[kId];
    row_.parent_entry_id = got[kParent];
    row_.session_id = codex ? std::nullopt : got[kSession];
    row_.timestamp = got[kTime];
    if (codex && session_) row_.session_id = std::string_view(*session_);
    return;
  }
  std::array<std::optional<std::string_view>, kSlots> raw;
  {
    MemberIterator it(body);
    JsonMember m;
    while (it.Next(&m)) {
      for (int i = 0; i < kSlots; ++i) {
        if (!names[i].empty() && !raw[i] && KeyEquals(m.raw_key, names[i])) {
          raw[i] = m.raw_value;
          break;
        }
      }
    }
  }
  std::optional<std::string_view>* out[kSlots] = {&row_.entry_type, &row_.entry_id,
                                                   &row_.parent_entry_id, &row_.session_id,
                                                   &row_.timestamp};
  for (int i = 0; i < kSlots; ++i) {
    if (raw[i]) *out[i] = StringValue(*raw[i], &scratch_[i]);
  }
  if (codex && session_) row_.session_id = std::string_view(*session_);
}

}  // namespace logdex::index
