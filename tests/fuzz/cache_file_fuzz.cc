// Fuzz target: the cache file loader (recovery/cache_file.h DecodeCache, cache_body.h).
//
// Input: one mode byte, then bytes. Mode even: the bytes are a whole cache file, given to
// DecodeCache as they are (header, checksums, LZ4 frame, body). Mode odd: the bytes are a body,
// sealed with a right header and LZ4 frame first (SealCacheBody) so that the structure checks
// behind the checksums are reached.
//
// Properties: never a crash, leak or hang, whatever the bytes; a failure is one of the three
// documented error codes; a loaded image re-encodes to itself: EncodeCache(image) decodes again
// and encodes to the same bytes; and for a sealed body that loads, serializing the image gives
// back a body no longer than it (the reader accepts varints with redundant 0x80 groups, which the
// writer never makes; anything else would be a second encoding of the same image).
#include <cstdint>
#include <string>
#include <string_view>

#include "recovery/cache_body.h"
#include "recovery/cache_codec.h"
#include "recovery/cache_file.h"
#include "recovery/cache_format.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace rc = logdex::recovery;

const std::string& LogDirId() {
  static const std::string id = [] {
    std::string s;
    for (size_t i = 0; i < rc::kLogDirIdSize; ++i) s.push_back(static_cast<char>(0xA0 + i % 16));
    return s;
  }();
  return id;
}

std::string Hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes.substr(0, 256)) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool sealed = (data[0] & 1) != 0;
  const std::string file =
      sealed ? rc::SealCacheBody(bytes, LogDirId(), /*source_mask=*/0x0F) : std::string(bytes);

  const absl::StatusOr<rc::CacheImage> image = rc::DecodeCache(file, LogDirId());
  if (!image.ok()) {
    const absl::StatusCode code = image.status().code();
    FUZZ_CHECK(code == absl::StatusCode::kDataLoss ||
                   code == absl::StatusCode::kFailedPrecondition ||
                   code == absl::StatusCode::kInvalidArgument,
               "undocumented error: " + image.status().ToString());
    return 0;
  }
  FUZZ_CHECK(image->log_dir_id == LogDirId(), "loaded a cache of another log dir");

  const std::string encoded = rc::EncodeCache(*image);
  const absl::StatusOr<rc::CacheImage> again = rc::DecodeCache(encoded, LogDirId());
  FUZZ_CHECK(again.ok(), "a loaded image re-encodes to bytes that do not load: " +
                             again.status().ToString());
  FUZZ_CHECK(rc::EncodeCache(*again) == encoded, "a loaded image does not re-encode to itself");

  if (sealed) {
    std::string body;
    rc::SerializeCacheBody(*image, &body);
    FUZZ_CHECK(body.size() <= bytes.size(),
               "a body that loads serializes longer:\n  in  " + Hex(bytes) + "\n  out " + Hex(body));
  }
  return 0;
}
