// What pi's rebuild_index would write for a store (pi_offsets.h): the row
// it writes, the names of its stops, and the scan of the segments.
#include "index/pi_offsets.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "index/crc32c.h"
#include "index/json_string.h"
#include "index/pi_frame.h"
#include "index/pi_offsets_format.h"
#include "index/pi_segment_lines.h"
#include "index/utf8.h"

namespace logdex::index {
namespace {

namespace pf = pi_format;

// Valid UTF-8 but for a multi-byte character cut short at the very end: what
// a reader sees of a line a writer is still appending.
bool IsCutUtf8(std::string_view s) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = s.size();
  size_t cont = 0;
  while (i > 0 && cont < 3 && (b[i - 1] & 0xC0) == 0x80) {
    --i;
    ++cont;
  }
  if (i == 0) return false;
  const unsigned char lead = b[i - 1];
  const size_t need = lead >= 0xC2 && lead <= 0xDF   ? 2
                      : lead >= 0xE0 && lead <= 0xEF ? 3
                      : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                     : 0;
  if (need == 0 || cont + 1 >= need) return false;
  if (cont >= 1) {
    const unsigned char c = b[i];
    if ((lead == 0xE0 && c < 0xA0) || (lead == 0xED && c > 0x9F) || (lead == 0xF0 && c < 0x90) ||
        (lead == 0xF4 && c > 0x8F)) {
      return false;
    }
  }
  return IsValidUtf8(s.substr(0, i - 1));
}

// The line minus its '\n', minus any '\r's before it (Rust's
// trim_end_matches('\n').trim_end_matches('\r')).
std::string_view FrameText(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

void AppendPiOffsetRow(const PiOffsetRow& row, std::string* out) {
  auto u64 = [out](uint64_t v) {
    char digits[20];
    char* p = digits + sizeof digits;
    do {
      *--p = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    out->append(p, static_cast<size_t>(digits + sizeof digits - p));
  };
  static constexpr char kHex[] = "0123456789ABCDEF";
  char crc[8];
  for (int i = 0; i < 8; ++i) crc[i] = kHex[(row.crc32c >> (28 - 4 * i)) & 15];
  out->append("{\"schema\":\"");
  out->append(pf::kOffsetIndexSchema);
  out->append("\",\"entrySeq\":");
  u64(row.entry_seq);
  out->append(",\"entryId\":");
  AppendJsonString(row.entry_id, out);
  out->append(",\"segmentSeq\":");
  u64(row.segment_seq);
  out->append(",\"frameSeq\":");
  u64(row.frame_seq);
  out->append(",\"byteOffset\":");
  u64(row.byte_offset);
  out->append(",\"byteLength\":");
  u64(row.byte_length);
  out->append(",\"crc32c\":\"");
  out->append(crc, 8);
  out->append("\",\"state\":\"");
  out->append(pf::kActiveState);
  out->append("\"}\n");
}

std::string_view PiStopReasonName(PiStopReason reason) {
  switch (reason) {
    case PiStopReason::kNone: return "none";
    case PiStopReason::kTornTail: return "torn_tail";
    case PiStopReason::kMissingNewline: return "missing_newline";
    case PiStopReason::kBadFrame: return "bad_frame";
    case PiStopReason::kCoordinates: return "coordinates";
    case PiStopReason::kEntrySeq: return "entry_seq";
    case PiStopReason::kOversized: return "oversized";
    case PiStopReason::kInvalidUtf8: return "invalid_utf8";
    case PiStopReason::kUnreadable: return "unreadable";
  }
  return "unknown";
}

std::string_view PiActionName(PiAction action) {
  switch (action) {
    case PiAction::kNone: return "none";
    case PiAction::kTruncate: return "truncate";
    case PiAction::kHeal: return "heal";
    case PiAction::kFail: return "fail";
  }
  return "unknown";
}

// ---- the scan ----

struct PiStoreScanner::Impl {
  PiSegmentLines lines;
  PiFrameParser parser;
  PiFrame frame;
  PiOffsetRow row;

  // Reads pos's segment from pos.offset on, emitting rows and moving pos.
  // Returns true when the scan stops in it (*stop set), false when the
  // segment was read to its end. `check_size`: fail if the file is now
  // shorter than pos.offset (a resume into a segment that shrank).
  absl::StatusOr<bool> ScanSegment(int segments_fd, bool last, bool check_size, PiScanPosition& pos,
                                   const std::function<void(const PiOffsetRow&)>& on_row,
                                   PiStop* stop);
};

absl::StatusOr<bool> PiStoreScanner::Impl::ScanSegment(
    int segments_fd, bool last, bool check_size, PiScanPosition& pos,
    const std::function<void(const PiOffsetRow&)>& on_row, PiStop* stop) {
  const PiSegment& seg = pos.segments[pos.segment_index];
  auto stop_here = [&](PiStopReason reason, PiAction action, bool damage, std::string detail) {
    stop->reason = reason;
    stop->action = action;
    stop->segment_seq = seg.seq;
    stop->segment = seg.name;
    stop->byte_offset = pos.offset;
    stop->damage = damage;
    stop->detail = std::move(detail);
    return true;
  };
  auto unreadable = [&](std::string_view what, int err) {
    return stop_here(PiStopReason::kUnreadable, PiAction::kFail, true,
                     std::string(what) + ": " + std::strerror(err));
  };

  // Regular files only, never through a symlink, never blocking on a FIFO.
  struct stat st;
  if (fstatat(segments_fd, seg.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return unreadable("stat", errno);
  if (!S_ISREG(st.st_mode))
    return stop_here(PiStopReason::kUnreadable, PiAction::kFail, true, "not a regular file");
  const int fd =
      openat(segments_fd, seg.name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return unreadable("open", errno);
  absl::Cleanup close_fd = [this, fd] {
    lines.End();
    close(fd);
  };
  if (fstat(fd, &st) != 0) return unreadable("stat", errno);
  if (!S_ISREG(st.st_mode))
    return stop_here(PiStopReason::kUnreadable, PiAction::kFail, true, "not a regular file");
  if (check_size && static_cast<uint64_t>(st.st_size) < pos.offset) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "pi store: segments/%s is shorter (%d bytes) than where the last scan ended (%d)", seg.name,
        st.st_size, pos.offset));
  }

  lines.Begin(fd, pos.offset);
  for (;;) {
    std::string_view line;
    bool terminated = false;
    switch (lines.Next(&line, &terminated)) {
      case PiSegmentLines::Got::kEof: return false;
      case PiSegmentLines::Got::kError: return unreadable("read", lines.error());
      case PiSegmentLines::Got::kOversized:
        return stop_here(PiStopReason::kOversized, PiAction::kFail, true,
                         absl::StrFormat("no '\\n' within %d bytes", pf::kMaxLineBytes));
      case PiSegmentLines::Got::kLine: break;
    }
    if (!simdjson::validate_utf8(line.data(), line.size())) {  // strict, as Rust's from_utf8
      const bool writing = last && !terminated && IsCutUtf8(line);
      return stop_here(PiStopReason::kInvalidUtf8, PiAction::kFail, !writing, "not valid UTF-8");
    }
    if (IsPiBlankLine(line)) {
      // An unterminated blank tail stays unread: more bytes may make it the
      // start of a frame line, which a full scan would read whole.
      if (!terminated) return false;
      pos.offset += line.size();
      continue;
    }
    const PiFrameError err = parser.Parse(FrameText(line), &frame, /*padded=*/true);
    if (err != PiFrameError::kNone) {
      std::string detail(PiFrameErrorName(err));
      if (!parser.detail().empty()) detail += " \"" + parser.detail() + "\"";
      return terminated
                 ? stop_here(PiStopReason::kBadFrame, PiAction::kFail, true, std::move(detail))
                 : stop_here(PiStopReason::kTornTail, PiAction::kTruncate, !last,
                             std::move(detail));
    }
    if (!terminated) {
      return stop_here(PiStopReason::kMissingNewline, last ? PiAction::kHeal : PiAction::kTruncate,
                       !last,
                       last ? "" : "a frame without '\\n' ends a segment that is not the last");
    }
    if (frame.segment_seq != seg.seq || frame.frame_seq != pos.expected_frame) {
      return stop_here(PiStopReason::kCoordinates, PiAction::kTruncate, true,
                       absl::StrFormat("expected segmentSeq %d frameSeq %d, found %d %d", seg.seq,
                                       pos.expected_frame, frame.segment_seq, frame.frame_seq));
    }
    if (pos.last_entry_seq == UINT64_MAX) {  // pi's checked_add fails the rebuild
      return stop_here(PiStopReason::kEntrySeq, PiAction::kFail, true, "entrySeq overflow");
    }
    if (frame.entry_seq != pos.last_entry_seq + 1) {
      return stop_here(PiStopReason::kEntrySeq, PiAction::kTruncate, true,
                       absl::StrFormat("expected entrySeq %d, found %d", pos.last_entry_seq + 1,
                                       frame.entry_seq));
    }
    row.entry_seq = frame.entry_seq;
    row.entry_id.assign(frame.entry_id);
    row.segment_seq = seg.seq;
    row.frame_seq = pos.expected_frame;
    row.byte_offset = pos.offset;
    row.byte_length = line.size();
    row.crc32c = Crc32c(line);
    on_row(row);
    pos.offset += line.size();
    pos.expected_frame += 1;
    pos.last_entry_seq = frame.entry_seq;
    pos.rows += 1;
  }
}

PiStoreScanner::PiStoreScanner() : impl_(std::make_unique<Impl>()) {}
PiStoreScanner::~PiStoreScanner() = default;

absl::StatusOr<PiScanResult> PiStoreScanner::Scan(
    int store_dir_fd, const PiScanPosition& from,
    const std::function<void(const PiOffsetRow&)>& on_row) {
  PiScanResult result;
  PiScanPosition& pos = result.end;
  pos = from;
  pos.segments.clear();

  const std::string segments_name(pf::kSegmentsDir);
  const int segments_fd =
      openat(store_dir_fd, segments_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (segments_fd < 0 && errno != ENOENT) return absl::ErrnoToStatus(errno, "open segments/");
  absl::Cleanup close_segments = [segments_fd] {
    if (segments_fd >= 0) close(segments_fd);
  };
  if (segments_fd >= 0) {
    absl::StatusOr<std::vector<PiSegment>> listed = ListPiSegments(segments_fd);
    if (!listed.ok()) return listed.status();
    pos.segments = *std::move(listed);
  }
  if (from.segment_index > from.segments.size() || from.segments.size() > pos.segments.size() ||
      !std::equal(from.segments.begin(), from.segments.end(), pos.segments.begin())) {
    return absl::FailedPreconditionError(
        "pi store: segments/ no longer starts with the segments scanned before");
  }
  if (pos.segment_index ==
      from.segments.size()) {  // past the old end: new segments from their start
    pos.offset = 0;
    pos.expected_frame = 1;
  }

  bool check_size = pos.offset > 0;
  while (pos.segment_index < pos.segments.size()) {
    const bool last = pos.segment_index + 1 == pos.segments.size();
    absl::StatusOr<bool> stopped =
        impl_->ScanSegment(segments_fd, last, check_size, pos, on_row, &result.stop);
    if (!stopped.ok()) return stopped.status();
    if (*stopped || last) break;  // at the end, stay in the last segment: appends go there
    check_size = false;
    pos.segment_index += 1;
    pos.offset = 0;
    pos.expected_frame = 1;
  }
  return result;
}

absl::StatusOr<PiScanResult> ScanPiStore(int store_dir_fd, const PiScanPosition& from,
                                         const std::function<void(const PiOffsetRow&)>& on_row) {
  PiStoreScanner scanner;
  return scanner.Scan(store_dir_fd, from, on_row);
}

absl::StatusOr<PiDerivedIndex> DerivePiOffsets(int store_dir_fd) {
  PiDerivedIndex out;
  PiStoreScanner scanner;
  absl::StatusOr<PiScanResult> r =
      scanner.Scan(store_dir_fd, PiScanPosition(),
                   [&out](const PiOffsetRow& row) { AppendPiOffsetRow(row, &out.bytes); });
  if (!r.ok()) return r.status();
  out.stop = std::move(r->stop);
  out.end = std::move(r->end);
  out.rows = out.end.rows;
  return out;
}

}  // namespace logdex::index
