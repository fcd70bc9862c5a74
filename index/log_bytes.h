// The one seam through which a log file's bytes are read: the file itself,
// or, for a log file shown in place of a backing NAME.lz4 (SPEC §7), the
// decompressed bytes of that file (lz4_file.h). The scanners, the live
// index, warm start's row checks, verify and the mount's reads all open log
// files here, so nothing else needs to know which kind it reads.
//
// Naming: `rel` is always the log file's name as shown (x.jsonl). A real
// entry of that name wins; only when there is none (ENOENT) is rel + ".lz4"
// opened. A NAME.lz4 beside a real NAME is therefore never read as NAME: it
// is an ordinary file of its own name (not a log file, not indexed).
#ifndef LOGDEX_INDEX_LOG_BYTES_H_
#define LOGDEX_INDEX_LOG_BYTES_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "index/lz4_cache.h"
#include "index/lz4_map.h"

namespace logdex::index {

struct LogStat {
  bool regular = false;  // a regular file (the backing .lz4 for a compressed one)
  uint64_t ino = 0;      // of the backing file
  uint64_t size = 0;     // bytes readable through Pread (decompressed, for .lz4)
  int64_t mtime_ns = 0;  // of the backing file
};

class LogBytes {
 public:
  virtual ~LogBytes() = default;
  // Like pread(2): bytes read (0 at the end, fewer than n near it), or -1
  // with errno set. A .lz4 file that changed since it was opened reads as
  // ESTALE; one whose block cannot be decoded any more, EIO.
  virtual ssize_t Pread(char* dst, size_t n, uint64_t offset) = 0;
  virtual LogStat Stat() = 0;
  // For a decompressed .lz4: its map (damage, readable size). Else null.
  virtual const Lz4Map* lz4_map() const { return nullptr; }
  // The descriptor of the backing file.
  virtual int fd() const = 0;
};

// Whether `name` is a NAME.lz4 whose NAME is a log file name: the names
// that may stand for a compressed log.
bool IsCompressedLogName(std::string_view name);
// NAME for NAME.lz4 (name must be IsCompressedLogName).
std::string_view ShownName(std::string_view compressed_name);

// Opens log file `rel` of the log dir open as root_fd (see above): never
// follows a symlink, never opens a FIFO, socket or device (file_io.h's
// OpenRegularAt). Null with errno set when neither opens: ENOENT when there
// is no regular file of either name (gone, or not a regular file).
std::unique_ptr<LogBytes> OpenLogBytes(int root_fd, const std::string& rel,
                                       Lz4Cache& cache = Lz4Cache::Shared());

// A LogBytes over a plain descriptor (owned).
std::unique_ptr<LogBytes> PlainLogBytes(int fd);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_LOG_BYTES_H_
