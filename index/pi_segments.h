// A pi store's segment files as pi lists them (list_segment_files,
// PI_FORMAT §1.3): which names are segments, their numbers, their order.
#ifndef LOGDEX_INDEX_PI_SEGMENTS_H_
#define LOGDEX_INDEX_PI_SEGMENTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace logdex::index {

// A segment file as pi lists it (list_segment_files, PI_FORMAT §1.3).
struct PiSegment {
  uint64_t seq = 0;
  std::string name;
  bool operator==(const PiSegment&) const = default;
};

// Whether `name` is a segment file name pi lists, and its number: extension
// exactly ".seg", stem a Rust u64 (ASCII digits with an optional leading '+',
// leading zeros allowed, no overflow). "7.seg", "+7.seg", "0007.seg" are 7;
// "7.seg.bak", "-7.seg", "7.SEG", ".seg", "18446744073709551616.seg" are not
// segments.
bool ParsePiSegmentName(std::string_view name, uint64_t* seq);

// The entries of `segments_dir_fd` (a directory fd of <store>/segments)
// whose names are segment names, by number, then by name for equal numbers.
// Other names are skipped, as pi skips them. Like pi, this looks at names
// only: a directory or symlink named "3.seg" is listed, and the scan stops
// there as kUnreadable (pi's rebuild fails on it). Does not move the
// position of segments_dir_fd.
absl::StatusOr<std::vector<PiSegment>> ListPiSegments(int segments_dir_fd);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_PI_SEGMENTS_H_
