// Checking that bytes an index row points at are still the bytes it was made
// from: the CRC-32C of [offset, offset+length) of a file.
#ifndef LOGDEX_INDEX_FRAME_CHECK_H_
#define LOGDEX_INDEX_FRAME_CHECK_H_

#include <cstdint>
#include <string>

#include "index/file_scan.h"
#include "index/log_bytes.h"

namespace logdex::index {

// True if `bytes` (a plain file or a decompressed .lz4) holds `frame.length` bytes at `frame.offset` whose CRC-32C is
// `frame.crc32c`. Reads through `buf` (reused) in bounded pieces.
bool FrameMatches(LogBytes& bytes, const FrameRef& frame, std::string* buf);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_FRAME_CHECK_H_
