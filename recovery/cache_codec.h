// The outer layers of a cache file: the fixed header and the LZ4 frame around
// the body (cache_format.md, "Header" and "Body"). Internal to recovery/;
// callers use EncodeCache/DecodeCache in cache_file.h.
#ifndef LOGDEX_RECOVERY_CACHE_CODEC_H_
#define LOGDEX_RECOVERY_CACHE_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace logdex::recovery {

// Compresses an already serialized body and puts a header in front of it,
// with both checksums right. EncodeCache is SerializeCacheBody + this; tests
// use it to seal hostile bodies that only the structure checks can reject.
// log_dir_id must be kLogDirIdSize bytes.
std::string SealCacheBody(std::string_view body, std::string_view log_dir_id,
                          uint32_t source_mask);

// Recomputes the header CRC of a cache file in place (test seam: lets a test
// change one header field and still get past the header check).
void FixHeaderCrc(std::string* cache_bytes);

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_CACHE_CODEC_H_
