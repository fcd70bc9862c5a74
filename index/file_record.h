// What the live index remembers about each log file between updates.
#ifndef LOGDEX_INDEX_FILE_RECORD_H_
#define LOGDEX_INDEX_FILE_RECORD_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "index/file_stats.h"
#include "index/file_scan.h"
#include "index/lz4_map.h"
#include "index/row.h"

namespace logdex::index {

// What the live index holds per file (keyed by the file's path, which it
// keeps apart: file_name.h).
struct FileState {
  // (Fields ordered so the small ones share one word: the live index holds
  // a record per log file.)
  uint32_t store_id = 0;      // its id in the RowStore (Run::file_id)
  std::optional<Source> source;        // decided by the first valid frame
  bool indexed = true;        // its source is in sources=
  // Rescan from scratch at the next update (its cached rows failed a check).
  bool suspect = false;
  uint64_t ino = 0;           // 0: could not be read
  uint64_t size = 0;          // bytes seen when last scanned
  int64_t mtime_ns = 0;       // when last scanned
  uint64_t consumed_to = 0;   // just past the last '\n' scanned
  std::optional<std::string> session;  // pi store name / codex payload.id
  // The first and last rows' frames: checked before trusting that a file
  // that changed only grew.
  std::optional<FrameRef> first_frame;
  std::optional<FrameRef> last_frame;
  FileStats stats;            // this file's share of the index's counts
  // Read from a damaged NAME.lz4: where its readable prefix (size) ends, why.
  // Null for every other file (nearly all): a pointer, not an optional, so
  // the others do not each carry its 48 bytes.
  std::shared_ptr<const Lz4Damage> lz4_damage;
};

// A file's state with its path: how a snapshot of the index (the cache)
// carries it.
struct FileRecord : FileState {
  std::string rel_path;  // '/'-separated, relative to the log dir
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_FILE_RECORD_H_
