// The cache body: the serialized files and runs of a CacheImage, before LZ4
// compression (grammar in cache_format.md, "Body"). Internal to recovery/;
// callers use EncodeCache/DecodeCache in cache_file.h.
#ifndef LOGDEX_RECOVERY_CACHE_BODY_H_
#define LOGDEX_RECOVERY_CACHE_BODY_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "recovery/cache_image.h"

namespace logdex::recovery {

// Appends the body of `image` (its files and runs; the header fields
// log_dir_id and source_mask are not part of it) to *out.
void SerializeCacheBody(const CacheImage& image, std::string* out);

// Parses a body into image->files and image->runs, leaving the other fields
// alone. Whatever the bytes: kDataLoss with the body offset and the item at
// fault, never a crash, and never an allocation larger than the input
// justifies. On success every run passes the structure checks of
// cache_format.md ("What a reader checks").
absl::Status ParseCacheBody(std::string_view body, CacheImage* image);

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_CACHE_BODY_H_
