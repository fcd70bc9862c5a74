// The persisted index cache: one file, `index.cache`, in the cache dir.
// Format in cache_format.md, constants in cache_format.h.
//
// Written atomically (temp file, fsync, rename, fsync dir) so a crash leaves
// the old cache or the new one, never a torn one that is trusted; LZ4
// compressed; checked by its own CRC-32C before anything in it is believed.
#ifndef LOGDEX_RECOVERY_CACHE_FILE_H_
#define LOGDEX_RECOVERY_CACHE_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "recovery/cache_image.h"
#include "recovery/durable_files.h"

namespace logdex::recovery {

// Serializes and compresses an image into the bytes of a cache file.
std::string EncodeCache(const CacheImage& image);

// Parses cache file bytes. Errors (never a crash, whatever the bytes):
//   kDataLoss           damaged: bad magic, checksum, truncation, bad LZ4,
//                       structure that does not add up
//   kFailedPrecondition a cache of another format version
//   kInvalidArgument    a cache of another log dir (expected_log_dir_id)
absl::StatusOr<CacheImage> DecodeCache(std::string_view bytes, std::string_view expected_log_dir_id);

// Atomically and durably replaces DIR/index.cache (creating DIR with
// parents, mode 0700, if needed), every change through `files` (the order
// and why: durable_files.h). Through a kill or a power cut at any moment,
// index.cache is the old cache or the new one, whole; once this returns OK,
// the new one survives a power cut.
absl::Status WriteCacheFile(const std::string& dir, const CacheImage& image,
                            DurableFiles& files = PosixFiles());

// Reads DIR/index.cache. kNotFound if there is none; otherwise as DecodeCache,
// plus read errors. Like WriteCacheFile, first removes the temp files of
// writers that are no longer running (dead or zombie), never another live
// process's.
absl::StatusOr<CacheImage> ReadCacheFile(const std::string& dir, std::string_view expected_log_dir_id);

// Moves DIR/index.cache aside as DIR/index.cache.bad (replacing an older
// .bad), so a damaged cache is kept for inspection and never reused.
absl::Status QuarantineCacheFile(const std::string& dir, DurableFiles& files = PosixFiles());

// Path of the cache file in DIR.
std::string CacheFilePath(const std::string& dir);

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_CACHE_FILE_H_
