// Scanning one log file from an offset into rows: the unit of work of a full
// build (parallel_scan.h) and of every incremental update (live_index.h).
#ifndef LOGDEX_INDEX_FILE_SCAN_H_
#define LOGDEX_INDEX_FILE_SCAN_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "index/build_stats.h"
#include "index/frame_reader.h"
#include "index/lz4_map.h"
#include "index/row.h"
#include "index/row_maker.h"
#include "index/scan_options.h"

namespace logdex::index {

// Receives the rows of one file.
class FileRows {
 public:
  virtual ~FileRows() = default;
  virtual void Add(const RowView& row) = 0;
  // Called now and then between rows once the file is known to be indexed: a
  // chance to hand rows on early.
  virtual void Checkpoint() {}
};

// Where a frame is and what it was; enough to tell later whether it changed.
struct FrameRef {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t crc32c = 0;
};

struct FileScan {
  bool readable = false;    // opened as a regular file and read to the end
  // Not opened for lack of descriptors or memory (IsExhaustion): nothing is
  // known about the file; scan it again later.
  bool exhausted = false;
  // Gone, or no longer a regular file, when it was opened (removed or
  // replaced since it was listed): not a log file any more, so neither
  // indexed nor counted as a skip, as a fresh walk would not list it.
  bool vanished = false;
  BuildStats stats;         // rows and torn tail of the bytes scanned
  uint64_t ino = 0;
  int64_t mtime_ns = 0;     // before reading
  uint64_t consumed_to = 0; // just past the last '\n'
  uint64_t size = 0;        // bytes seen: consumed_to + torn tail
  std::optional<FrameRef> first_frame;  // first frame at or after `start`
  std::optional<FrameRef> last_frame;
  // Read from a backing NAME.lz4 (decompressed; offsets are into those bytes).
  bool compressed = false;
  // For a compressed file: where its readable prefix ends and why.
  std::optional<Lz4Damage> lz4_damage;
};

// Scans root_fd/rel from `start` (0, or a previous consumed_to) through
// `maker` (fresh, or restored to the file's state) into `rows`.
FileScan ScanFile(int root_fd, const std::string& rel, uint64_t start, const ScanOptions& options,
                  RowMaker& maker, FrameTools& tools, FrameReader& reader, FileRows* rows);

// Whether `maker`'s file is indexed under options (its source, or jsonl while
// undecided, is in sources=).
bool IsIndexed(const RowMaker& maker, const ScanOptions& options);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_FILE_SCAN_H_
