// How a pi store's backing `index/offsets.jsonl` differs from what pi's
// rebuild would write (index/pi_offsets.h): the drift report users check
// after a crash (SPEC §5, §8: status, verify, rebuild --dry-run).
//
// The rules. Both files are read as lines ('\n' included; a last piece
// without '\n' is a line too).
// - A backing line that is blank for pi (valid UTF-8, only Unicode
//   whitespace; pi's reader skips it) is no row: it counts in blank_lines.
// - Every other backing line is a backing row. Its entrySeq is read
//   leniently: the line without '\n' and trailing '\r's must be a JSON
//   object with an `entrySeq` member that is an integer below 2^64 (first
//   occurrence); other members are not looked at. A line without one, a
//   line whose entrySeq no derived row has, and a second line with an
//   entrySeq already seen are ghost rows.
// - A backing row whose entrySeq a derived row has is fine when its bytes
//   ('\n' included) equal that derived row and it comes after every fine row
//   before it (entrySeq increasing); otherwise (other bytes: offsets, length,
//   CRC, segment, frame, id, a '\r' or a missing '\n'; or out of order) it
//   is a wrong row.
// - Derived rows that no backing row has are missing rows.
// So derived_rows == fine + wrong_rows + missing_rows and backing_rows ==
// fine + wrong_rows + ghost_rows, and differs() is true exactly when the
// backing bytes are not the derived bytes.
#ifndef LOGDEX_RECOVERY_PI_DRIFT_H_
#define LOGDEX_RECOVERY_PI_DRIFT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace logdex::recovery {

struct PiDrift {
  bool missing = false;       // there is no backing offsets.jsonl
  uint64_t backing_rows = 0;  // lines of the backing copy (not counting blank ones)
  uint64_t derived_rows = 0;
  // Derived rows the backing copy lacks (a stale copy: pi appended frames
  // whose rows never reached it, or it was truncated). All of them when the
  // file is missing.
  uint64_t missing_rows = 0;
  // Backing rows for which the derived index has no row (entries past the
  // derived end, duplicates, lines that do not parse as rows).
  uint64_t ghost_rows = 0;
  // Rows for the same entrySeq whose bytes differ (offsets, length, CRC,
  // segment, frame or id), or that stand out of entrySeq order.
  uint64_t wrong_rows = 0;
  // Blank lines in the backing copy (pi's reader skips them; the derived
  // index has none).
  uint64_t blank_lines = 0;
  // Byte offset in the backing copy of the start of the first line that is
  // not the derived line at its place; the backing size when the backing
  // copy is a strict prefix of the derived bytes (ending in '\n'). 0 when the
  // file is missing, nullopt when the bytes are equal.
  std::optional<uint64_t> first_difference;

  bool differs() const {
    return missing || missing_rows > 0 || ghost_rows > 0 || wrong_rows > 0 || blank_lines > 0;
  }
  // "ok", "missing", "wrong_rows", "ghost_rows", "stale" (only missing
  // rows), "blank_lines" (only blank lines): the worst kind present, in that
  // order of precedence.
  std::string_view kind() const;
};

// Compares a backing copy (its whole bytes; nullopt when the file does not
// exist) with the derived bytes (rows pi's rebuild writes,
// index::DerivePiOffsets).
PiDrift ComparePiOffsets(const std::optional<std::string_view>& backing, std::string_view derived);

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_PI_DRIFT_H_
