// What pi's own rebuild_index would write to a pi session store v2's
// `index/offsets.jsonl`, derived read-only from the store's segments
// (SPEC §5; ../shared/PI_FORMAT.md §1.3, §2.1, §3, §5.1-5.2, §6). Format of a
// row, the scan rules and where we differ from pi in pi_offsets_format.h /
// pi_offsets_format.md.
//
// The scan follows pi's rebuild step by step, but never changes a byte:
// where pi would truncate a segment, quarantine later segments, heal a
// missing final '\n' or fail, the rows stop before that line and the scan
// says where and why (PiStop). Everything before it is byte-identical to
// what pi writes.
//
// A scan can resume where an earlier one ended (PiScanPosition), so a store
// that only grew (frames appended to its last segment, new segments after
// it) costs only the new bytes, and gives exactly the rows a full scan would.
// Whether a store only grew is the caller's judgement (the live index knows
// which segment files changed and how); ScanPiStore catches the changes it
// can see cheaply (a segment list that no longer starts with the old one, a
// segment shorter than the resume offset) and refuses them.
//
// Used by the mount's view of offsets.jsonl, by `logdex verify` and by
// `logdex rebuild`.
#ifndef LOGDEX_INDEX_PI_OFFSETS_H_
#define LOGDEX_INDEX_PI_OFFSETS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "index/pi_segments.h"

namespace logdex::index {

// One row of offsets.jsonl (PI_FORMAT §3, §5.1 "Emit the row").
struct PiOffsetRow {
  uint64_t entry_seq = 0;
  std::string entry_id;      // decoded (UTF-8); re-encoded when rendered
  uint64_t segment_seq = 0;  // from the segment's file name
  uint64_t frame_seq = 0;    // the scan's counter (1-based within the segment)
  uint64_t byte_offset = 0;  // of the line within the segment file
  uint64_t byte_length = 0;  // the whole line, '\n' (and any '\r') included
  uint32_t crc32c = 0;       // of exactly those bytes
};

// Appends the row's exact bytes (serde_json compact form, '\n' included):
// {"schema":"pi.session_store_v2.offset_index.v1","entrySeq":1,"entryId":"a1",
//  "segmentSeq":1,"frameSeq":1,"byteOffset":0,"byteLength":429,
//  "crc32c":"50A42863","state":"active"}
void AppendPiOffsetRow(const PiOffsetRow& row, std::string* out);

// Where pi's rebuild would not simply go on to the end of the segments.
enum class PiStopReason {
  kNone,            // every line of every segment was read: no stop
  kTornTail,        // a last line without '\n' that does not parse (a writer mid-append or a crash)
  kMissingNewline,  // a last line without '\n' that parses as a frame
  kBadFrame,        // a line ending in '\n' that does not parse as a segment frame
  kCoordinates,     // segmentSeq is not the file's number, or frameSeq not the position
  kEntrySeq,        // entrySeq is not the previous one + 1 (the first must be 1)
  kOversized,       // no '\n' within 100 MiB (104,857,600 bytes) while more data follows
  kInvalidUtf8,     // a line that is not valid UTF-8
  kUnreadable,      // a segment could not be opened or read, or is not a regular file
};

// What pi itself would do at that point.
enum class PiAction {
  kNone,
  kTruncate,  // truncate the segment there and quarantine every later segment (.bak)
  kHeal,      // append the missing '\n' to the last segment and go on
  kFail,      // fail the rebuild, changing nothing
};

// snake_case: "none", "torn_tail", "missing_newline", "bad_frame",
// "coordinates", "entry_seq", "oversized", "invalid_utf8", "unreadable".
std::string_view PiStopReasonName(PiStopReason reason);
// "none", "truncate", "heal", "fail".
std::string_view PiActionName(PiAction action);

struct PiStop {
  PiStopReason reason = PiStopReason::kNone;
  PiAction action = PiAction::kNone;
  uint64_t segment_seq = 0;
  std::string segment;       // file name within segments/, e.g. "0000000000000002.seg"
  uint64_t byte_offset = 0;  // first byte of the line where the rows stop
  // Damage pi would refuse or change: every stop but a torn tail or a
  // missing '\n' at the end of the last segment, which a writer mid-append
  // leaves (and, for the same reason, an invalid_utf8 stop whose only fault
  // is a multi-byte character cut short at the end of that line).
  bool damage = false;
  // A human-readable cause for messages, e.g. `unknown_key "foo"`,
  // `expected frameSeq 3, found 5`, `open: Permission denied`; empty for kNone.
  std::string detail;
};

// Where a scan of one store is: enough to resume it.
struct PiScanPosition {
  std::vector<PiSegment> segments;  // as listed when the scan ran
  // The segment the scan is in. After a scan that read everything this is
  // the last segment (so appends to it are read on resume), and
  // segments.size() only when there are no segments.
  size_t segment_index = 0;
  // Next byte to read in that segment: the start of the line a stop is at
  // (re-read on resume, so a torn tail becomes a row once its '\n' is
  // there), or the end of the last '\n'-terminated line.
  uint64_t offset = 0;
  uint64_t expected_frame = 1;  // frameSeq the next frame must have
  uint64_t last_entry_seq = 0;  // entrySeq of the last row
  uint64_t rows = 0;            // rows so far
};

struct PiScanResult {
  PiStop stop;         // kNone: read to the end of the last segment
  PiScanPosition end;  // resume here once the store has grown
};

// Reusable buffers and parser for scans; one per thread. Holds at most one
// line (<= 100 MiB) plus a read chunk.
class PiStoreScanner {
 public:
  PiStoreScanner();
  ~PiStoreScanner();
  PiStoreScanner(const PiStoreScanner&) = delete;
  PiStoreScanner& operator=(const PiStoreScanner&) = delete;

  // As ScanPiStore below.
  absl::StatusOr<PiScanResult> Scan(int store_dir_fd, const PiScanPosition& from,
                                    const std::function<void(const PiOffsetRow&)>& on_row);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Scans the store whose directory is open as `store_dir_fd` (its
// `segments/` is listed again), starting at `from` (a default
// PiScanPosition for a full scan, or the `end` of an earlier scan of the
// same store), and calls on_row for every row from there on, in order. A
// store without a `segments/` directory, or with no segments, has no rows.
// Fails when `segments/` exists but cannot be listed (not a directory, a
// symlink, unreadable), and with kFailedPrecondition when `from` no longer
// fits the store: the listing does not start with from.segments, or the
// segment at from.segment_index is now shorter than from.offset (scan again
// from a default position). Each call allocates a scanner; hold a
// PiStoreScanner to reuse one.
absl::StatusOr<PiScanResult> ScanPiStore(int store_dir_fd, const PiScanPosition& from,
                                         const std::function<void(const PiOffsetRow&)>& on_row);

// All rows of the store, rendered: the bytes pi's rebuild would write (up to
// the stop), and the stop. Fails as ScanPiStore does.
struct PiDerivedIndex {
  std::string bytes;
  uint64_t rows = 0;
  PiStop stop;
  PiScanPosition end;  // to resume from, as PiScanResult::end
};
absl::StatusOr<PiDerivedIndex> DerivePiOffsets(int store_dir_fd);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_PI_OFFSETS_H_
