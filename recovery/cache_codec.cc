// EncodeCache/DecodeCache: header and LZ4 frame around the body. The order of
// the checks in DecodeCache is the trust order of cache_format.md ("What a
// reader checks"): nothing is believed before the check that vouches for it.
#include "recovery/cache_codec.h"

#include <lz4frame.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "index/crc32c.h"
#include "recovery/cache_body.h"
#include "recovery/cache_file.h"
#include "recovery/cache_format.h"

namespace logdex::recovery {
namespace {

void PutLe(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// Caller guarantees [at, at+bytes) is inside `s`.
uint64_t GetLe(std::string_view s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(s[at + i])) << (8 * i);
  return v;
}

absl::Status Damaged(std::string_view what) {
  return absl::DataLossError(absl::StrFormat("cache file damaged: %s", what));
}

// Inflates one LZ4 frame into exactly `size` bytes (already checked against
// kMaxUncompressedSize and the compression ratio), or says why not.
absl::StatusOr<std::string> Decompress(std::string_view frame, uint64_t size) {
  LZ4F_dctx* dctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) {
    return absl::ResourceExhaustedError("cannot create an LZ4 decompression context");
  }
  absl::Cleanup free_dctx = [dctx] { LZ4F_freeDecompressionContext(dctx); };
  std::string out(static_cast<size_t>(size), '\0');
  size_t in_pos = 0, out_pos = 0;
  while (true) {
    size_t src = frame.size() - in_pos, dst = out.size() - out_pos;
    const size_t hint = LZ4F_decompress(dctx, out.data() + out_pos, &dst, frame.data() + in_pos, &src,
                                        /*dOptPtr=*/nullptr);
    if (LZ4F_isError(hint)) {
      return Damaged(absl::StrFormat("LZ4 frame near compressed offset %d: %s", in_pos,
                                     LZ4F_getErrorName(hint)));
    }
    in_pos += src;
    out_pos += dst;
    if (hint == 0) break;  // frame complete, content checksum verified
    if (src == 0 && dst == 0) {
      if (in_pos == frame.size()) {
        return Damaged(absl::StrFormat("LZ4 frame truncated after %d compressed bytes", in_pos));
      }
      return Damaged(absl::StrFormat("LZ4 frame inflates beyond the declared %d bytes", size));
    }
  }
  if (in_pos != frame.size()) {
    return Damaged(absl::StrFormat("%d bytes after the LZ4 frame", frame.size() - in_pos));
  }
  if (out_pos != out.size()) {
    return Damaged(absl::StrFormat("LZ4 frame inflates to %d bytes, header declares %d", out_pos, size));
  }
  return out;
}

}  // namespace

std::string SealCacheBody(std::string_view body, std::string_view log_dir_id,
                          uint32_t source_mask) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  prefs.frameInfo.contentSize = body.size();
  const size_t bound = LZ4F_compressFrameBound(body.size(), &prefs);
  std::string frame(bound, '\0');
  const size_t n = LZ4F_compressFrame(frame.data(), frame.size(), body.data(), body.size(), &prefs);
  if (LZ4F_isError(n)) {
    // Only a wrong bound can get here: a bug, not a condition to handle.
    std::fprintf(stderr, "logdex: LZ4F_compressFrame: %s\n", LZ4F_getErrorName(n));
    std::abort();
  }
  frame.resize(n);

  std::string out;
  out.reserve(kHeaderSize + frame.size());
  out.append(kMagic);
  PutLe(kFormatVersion, 4, &out);
  PutLe(/*flags=*/0, 4, &out);
  std::string id(log_dir_id.substr(0, kLogDirIdSize));
  id.resize(kLogDirIdSize, '\0');
  out.append(id);
  PutLe(source_mask, 4, &out);
  PutLe(body.size(), 8, &out);
  PutLe(frame.size(), 8, &out);
  PutLe(index::Crc32c(frame), 4, &out);
  PutLe(index::Crc32c(out), 4, &out);  // header CRC: bytes [0, kHeaderCrcOffset)
  out.append(frame);
  return out;
}

void FixHeaderCrc(std::string* cache_bytes) {
  if (cache_bytes->size() < kHeaderSize) return;
  const uint32_t crc = index::Crc32c(std::string_view(*cache_bytes).substr(0, kHeaderCrcOffset));
  std::string le;
  PutLe(crc, 4, &le);
  cache_bytes->replace(kHeaderCrcOffset, 4, le);
}

std::string EncodeCache(const CacheImage& image) {
  std::string body;
  SerializeCacheBody(image, &body);
  return SealCacheBody(body, image.log_dir_id, image.source_mask);
}

absl::StatusOr<CacheImage> DecodeCache(std::string_view bytes, std::string_view expected_log_dir_id) {
  // 1. Magic and version: the part of the header every version shares.
  if (bytes.size() < kMagic.size() || bytes.substr(kMagicOffset, kMagic.size()) != kMagic) {
    return Damaged("no LOGDEXC magic at offset 0");
  }
  if (bytes.size() < kFlagsOffset) return Damaged(absl::StrFormat("truncated at %d bytes", bytes.size()));
  const uint64_t version = GetLe(bytes, kVersionOffset, 4);
  if (version != kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "cache file is format version %d, this logdex reads version %d", version, kFormatVersion));
  }
  // 2. The rest of the header, believed only once its CRC matches.
  if (bytes.size() < kHeaderSize) {
    return Damaged(absl::StrFormat("header truncated at %d of %d bytes", bytes.size(), kHeaderSize));
  }
  const uint32_t header_crc = static_cast<uint32_t>(GetLe(bytes, kHeaderCrcOffset, 4));
  const uint32_t header_actual = index::Crc32c(bytes.substr(0, kHeaderCrcOffset));
  if (header_crc != header_actual) {
    return Damaged(absl::StrFormat("header CRC-32C is 0x%08x, bytes [0, %d) give 0x%08x", header_crc,
                                   kHeaderCrcOffset, header_actual));
  }
  const uint64_t flags = GetLe(bytes, kFlagsOffset, 4);
  if (flags != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("cache file has flags 0x%x this logdex does not know", flags));
  }
  const std::string_view log_dir_id = bytes.substr(kLogDirIdOffset, kLogDirIdSize);
  if (log_dir_id != expected_log_dir_id) {
    return absl::InvalidArgumentError("cache file belongs to another log dir");
  }
  const uint64_t source_mask = GetLe(bytes, kSourceMaskOffset, 4);
  if ((source_mask & ~uint64_t{kSourceMaskBits}) != 0) {
    return Damaged(absl::StrFormat("header offset %d: source mask 0x%x names no source",
                                   kSourceMaskOffset, source_mask));
  }
  // 3. The declared sizes, against the bytes really there and sane caps,
  //    before anything is allocated for them.
  const uint64_t uncompressed = GetLe(bytes, kUncompressedSizeOffset, 8);
  const uint64_t compressed = GetLe(bytes, kCompressedSizeOffset, 8);
  const uint64_t present = bytes.size() - kHeaderSize;
  if (compressed != present) {
    return Damaged(absl::StrFormat("header declares a %d-byte body, file has %d bytes after the header",
                                   compressed, present));
  }
  if (uncompressed > kMaxUncompressedSize ||
      uncompressed > compressed * kMaxCompressionRatio + kCompressionRatioSlack) {
    return Damaged(absl::StrFormat("header declares %d uncompressed bytes for a %d-byte body",
                                   uncompressed, compressed));
  }
  // 4. The body's own CRC, then LZ4 (whose content checksum checks again).
  const std::string_view frame = bytes.substr(kHeaderSize);
  const uint32_t body_crc = static_cast<uint32_t>(GetLe(bytes, kBodyCrcOffset, 4));
  const uint32_t body_actual = index::Crc32c(frame);
  if (body_crc != body_actual) {
    return Damaged(absl::StrFormat("body CRC-32C is 0x%08x, bytes [%d, %d) give 0x%08x", body_crc,
                                   kHeaderSize, bytes.size(), body_actual));
  }
  absl::StatusOr<std::string> body = Decompress(frame, uncompressed);
  if (!body.ok()) return body.status();
  // 5. The structure of what it says.
  CacheImage image;
  image.log_dir_id = std::string(log_dir_id);
  image.source_mask = static_cast<uint8_t>(source_mask);
  if (absl::Status s = ParseCacheBody(*body, &image); !s.ok()) {
    return absl::DataLossError(absl::StrCat("cache file damaged: ", s.message()));
  }
  return image;
}

}  // namespace logdex::recovery
