// Turns the frames of one log file into rows: decides the file's source
// (SPEC §2, once per file), validates each frame, runs pi's checks and reads
// the source's fields.
#ifndef LOGDEX_INDEX_ROW_MAKER_H_
#define LOGDEX_INDEX_ROW_MAKER_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "index/json_validator.h"
#include "index/row.h"
#include "index/sha256.h"

namespace logdex::index {

// Per-thread parsing tools shared by every RowMaker a thread runs.
struct FrameTools {
  JsonValidator validator;
  Sha256 sha256;
};

class RowMaker {
 public:
  // rel_path: the file's path relative to the log dir, '/'-separated. A
  // `*.seg` file directly inside a directory named `segments` is pi; other
  // files are classified by their first valid frame.
  explicit RowMaker(std::string_view rel_path);

  // The row of one frame ('\n' included; kJsonPadding readable bytes after
  // it). The view's strings live until the next call.
  const RowView& MakeRow(uint64_t offset, std::string_view frame, FrameTools& tools);
  const RowView& MakeOversizedRow(uint64_t offset, uint64_t length, uint32_t crc32c);

  // The file's source once decided; before the first valid frame rows say
  // `jsonl` and this is nullopt.
  std::optional<Source> source() const { return source_; }
  // The session rows take from the file rather than the frame (pi store
  // name, codex payload.id), if any.
  const std::optional<std::string>& session() const { return session_; }

  // Resumes a file scanned before: what its first valid frame decided. For pi
  // files the path decides and this is ignored.
  void Restore(std::optional<Source> source, std::optional<std::string> session);

 private:
  // The members of a pi frame read once for both PiCheck and FillPi.
  enum PiMember {
    kPiSchema, kPiSegSeq, kPiFrameSeq, kPiEntrySeq, kPiPayloadBytes, kPiEntryId,
    kPiEntryType, kPiTimestamp, kPiPayloadSha, kPiPayload, kPiParentEntryId, kPiMemberCount
  };
  static constexpr std::array<std::string_view, kPiMemberCount> kPiNames = {
      "schema",  "segmentSeq", "frameSeq",  "entrySeq",      "payloadBytes", "entryId",
      "entryType", "timestamp", "payloadSha256", "payload", "parentEntryId"};
  using PiMembers = std::array<std::optional<std::string_view>, kPiMemberCount>;

  // The fields of a codex, claude or jsonl frame.
  void FillActive(std::string_view body, JsonValidator& validator);
  FrameError PiCheck(const PiMembers& raw, FrameTools& tools);
  void FillPi(const PiMembers& raw);
  void Decide(std::string_view body);

  std::optional<Source> source_;
  std::optional<std::string> session_;  // pi store name or codex payload.id
  RowView row_;
  std::array<std::string, 5> scratch_;  // decoded strings with escapes
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_ROW_MAKER_H_
