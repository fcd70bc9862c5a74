// What the persisted index cache holds: enough to serve index.ndjson again
// after a remount without re-parsing the logs, and to check every row first.
// The on-disk encoding is cache_file.h / cache_format.md.
#ifndef LOGDEX_RECOVERY_CACHE_IMAGE_H_
#define LOGDEX_RECOVERY_CACHE_IMAGE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "index/row.h"
#include "index/row_store.h"

namespace logdex::recovery {

// One log file as the index last saw it. The file's id is its position in
// CacheImage::files; Run::file_id refers to it.
struct CachedFile {
  std::string rel_path;     // '/'-separated, valid UTF-8
  uint64_t ino = 0;         // identity: a different inode means replaced
  uint64_t size = 0;        // bytes when last scanned
  int64_t mtime_ns = 0;     // st_mtim when last scanned
  uint64_t consumed_to = 0; // offset just past the last '\n' scanned
  // The file's source once decided (SPEC §2) and the session its rows carry
  // from the file rather than the frame (pi store name, codex payload.id).
  std::optional<index::Source> source;
  std::optional<std::string> session;
  bool indexed = true;      // false: its source is filtered out by sources=
};

struct CacheImage {
  // SHA-256 of the log dir's real path, raw 32 bytes: a cache of another log
  // dir is never used.
  std::string log_dir_id;
  // The sources= filter the rows were made under (bit per Source).
  uint8_t source_mask = 0x0F;
  std::vector<CachedFile> files;
  // The index's runs in index order (not necessarily canonical: appends made
  // while mounted stay where they were).
  std::vector<std::shared_ptr<const index::Run>> runs;
};

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_CACHE_IMAGE_H_
