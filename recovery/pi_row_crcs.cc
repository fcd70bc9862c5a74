// Checking offsets.jsonl rows against the CRC-32C of the segment bytes they
// point at (pi_row_crcs.h).
#include "recovery/pi_row_crcs.h"

#include <errno.h>
#include <fcntl.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "index/crc32c.h"
#include "index/log_tree.h"
#include "index/pi_offsets_format.h"
#include "index/pi_segments.h"
#include "index/unique_fd.h"
#include "recovery/pi_store_files.h"

namespace logdex::recovery {
namespace {

namespace pf = index::pi_format;
using index::UniqueFd;

// The unsigned decimal after the last `key` in a row. Rows are the fixed
// shape of AppendPiOffsetRow; only entryId, which comes before every field
// looked up here, is free text, so the last occurrence is the field.
bool FieldAfter(std::string_view line, std::string_view key, uint64_t* value) {
  const size_t at = line.rfind(key);
  if (at == std::string_view::npos) return false;
  size_t i = at + key.size();
  uint64_t v = 0;
  const size_t first = i;
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
    const uint64_t d = static_cast<uint64_t>(line[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *value = v;
  return i > first;
}

bool CrcField(std::string_view line, uint32_t* crc) {
  constexpr std::string_view kKey = ",\"crc32c\":\"";
  const size_t at = line.rfind(kKey);
  if (at == std::string_view::npos || at + kKey.size() + 9 > line.size()) return false;
  uint32_t v = 0;
  for (size_t i = at + kKey.size(); i < at + kKey.size() + 8; ++i) {
    const char c = line[i];
    if (c >= '0' && c <= '9') {
      v = v << 4 | static_cast<uint32_t>(c - '0');
    } else if (c >= 'A' && c <= 'F') {
      v = v << 4 | static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
  }
  *crc = v;
  return line[at + kKey.size() + 8] == '"';
}

// The file of segment `seq`: the canonical 16-digit name pi writes, else
// whichever listed name has that number (PI_FORMAT §1.3).
absl::StatusOr<std::pair<UniqueFd, std::string>> OpenSegment(int segments_fd, uint64_t seq) {
  std::string name = absl::StrFormat("%016d.seg", seq);
  UniqueFd fd(openat(segments_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid() && errno == ENOENT) {
    absl::StatusOr<std::vector<index::PiSegment>> listed = index::ListPiSegments(segments_fd);
    if (listed.ok()) {
      for (const index::PiSegment& s : *listed) {
        if (s.seq != seq) continue;
        name = s.name;
        fd = UniqueFd(openat(segments_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        break;
      }
    }
  }
  if (!fd.valid()) return PiFileError(errno, "cannot open", index::JoinRelPath(pf::kSegmentsDir, name));
  return std::make_pair(std::move(fd), index::JoinRelPath(pf::kSegmentsDir, name));
}

}  // namespace

absl::Status CheckPiRowCrcs(int store_dir_fd, std::string_view rows) {
  if (rows.empty()) return absl::OkStatus();
  UniqueFd segments(openat(store_dir_fd, pf::kSegmentsDir.data(), kPiDirFlags));
  if (!segments.valid()) return PiDirError(errno, store_dir_fd, pf::kSegmentsDir, pf::kSegmentsDir.data());
  UniqueFd segment;
  std::string segment_path;
  uint64_t segment_seq = 0;
  std::string frame;
  uint64_t line_no = 0;
  while (!rows.empty()) {
    ++line_no;
    const size_t nl = rows.find('\n');
    if (nl == std::string_view::npos) {
      return absl::DataLossError(absl::StrFormat("row %d has no final newline", line_no));
    }
    const std::string_view line = rows.substr(0, nl);
    rows.remove_prefix(nl + 1);
    uint64_t seq = 0, offset = 0, length = 0;
    uint32_t crc = 0;
    if (!FieldAfter(line, ",\"segmentSeq\":", &seq) || !FieldAfter(line, ",\"byteOffset\":", &offset) ||
        !FieldAfter(line, ",\"byteLength\":", &length) || !CrcField(line, &crc)) {
      return absl::DataLossError(absl::StrFormat("row %d is not an offsets.jsonl row", line_no));
    }
    if (!segment.valid() || seq != segment_seq) {
      auto opened = OpenSegment(segments.get(), seq);
      if (!opened.ok()) return opened.status();
      segment = std::move(opened->first);
      segment_path = std::move(opened->second);
      segment_seq = seq;
    }
    if (length > (uint64_t{100} << 20)) {
      return absl::DataLossError(absl::StrFormat("row %d: byteLength %d is over 100 MiB", line_no, length));
    }
    absl::StatusOr<bool> whole =
        PiReadAt(segment.get(), offset, static_cast<size_t>(length), &frame, segment_path);
    if (!whole.ok()) return whole.status();
    if (!*whole) {
      return absl::DataLossError(absl::StrFormat("row %d points past the end of %s (%d bytes at byte %d)",
                                                 line_no, segment_path, length, offset));
    }
    const uint32_t actual = index::Crc32c(frame);
    if (actual != crc) {
      return absl::DataLossError(absl::StrFormat("row %d: crc32c %08X, but the %d bytes at %s:%d have %08X",
                                                 line_no, crc, length, segment_path, offset, actual));
    }
  }
  return absl::OkStatus();
}

}  // namespace logdex::recovery
