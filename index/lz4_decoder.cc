#include "index/lz4_decoder.h"

#define LZ4F_STATIC_LINKING_ONLY  // LZ4F_decompress_usingDict
#include <lz4frame.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "index/lz4_format.h"

namespace logdex::index {
namespace {

size_t MaxBlockBytes(LZ4F_blockSizeID_t id) {
  switch (id) {
    case LZ4F_max256KB: return 256 * 1024;
    case LZ4F_max1MB: return 1024 * 1024;
    case LZ4F_max4MB: return 4 * 1024 * 1024;
    default: return 64 * 1024;  // LZ4F_max64KB and LZ4F_default
  }
}

absl::Status Lz4Error(std::string_view what, size_t code) {
  return absl::DataLossError(absl::StrCat(std::string(what), ": ", LZ4F_getErrorName(code)));
}

}  // namespace

Lz4Decoder::Lz4Decoder() {
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx_, LZ4F_VERSION))) dctx_ = nullptr;
}

Lz4Decoder::~Lz4Decoder() {
  if (dctx_ != nullptr) LZ4F_freeDecompressionContext(dctx_);
}

absl::Status Lz4Decoder::Begin(std::string_view header, std::string_view dict, Lz4FrameHeader* info) {
  if (dctx_ == nullptr) return absl::ResourceExhaustedError("cannot make an LZ4 decoder");
  LZ4F_resetDecompressionContext(dctx_);
  const size_t hsize = LZ4F_headerSize(header.data(), header.size());
  if (LZ4F_isError(hsize)) return Lz4Error("bad frame header", hsize);
  if (hsize > header.size()) return absl::DataLossError("frame header cut short");
  // With no room for output, the first call decodes the header alone and
  // takes the dictionary (only a call at the start of a frame does).
  char unused = 0;
  size_t out = 0;
  size_t in = hsize;
  LZ4F_decompressOptions_t opts{};
  const size_t r = LZ4F_decompress_usingDict(dctx_, &unused, &out, header.data(), &in,
                                             dict.empty() ? nullptr : dict.data(), dict.size(), &opts);
  if (LZ4F_isError(r)) return Lz4Error("bad frame header", r);
  if (in != hsize) return absl::DataLossError("frame header cut short");
  LZ4F_frameInfo_t fi{};
  size_t none = 0;
  const size_t g = LZ4F_getFrameInfo(dctx_, &fi, nullptr, &none);
  if (LZ4F_isError(g)) return Lz4Error("bad frame header", g);
  max_block_bytes_ = MaxBlockBytes(fi.blockSizeID);
  if (info != nullptr) {
    info->header_bytes = hsize;
    info->linked = fi.blockMode == LZ4F_blockLinked;
    info->block_checksum = fi.blockChecksumFlag == LZ4F_blockChecksumEnabled;
    info->content_checksum = fi.contentChecksumFlag == LZ4F_contentChecksumEnabled;
    info->max_block_bytes = max_block_bytes_;
    info->content_size = fi.contentSize;
    info->dict_id = fi.dictID;
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> Lz4Decoder::Block(std::string_view block, std::string* out) {
  if (out->size() < max_block_bytes_) out->resize(max_block_bytes_);
  size_t produced = max_block_bytes_;
  size_t in = block.size();
  LZ4F_decompressOptions_t opts{};
  const size_t r = LZ4F_decompress(dctx_, out->data(), &produced, block.data(), &in, &opts);
  if (LZ4F_isError(r)) return Lz4Error("bad block", r);
  // A whole block and room for a whole block: liblz4 decodes it in one call.
  if (in != block.size()) return absl::DataLossError("block did not decode in one step");
  return produced;
}

absl::Status Lz4Decoder::End(std::string_view end_mark) {
  char unused = 0;
  size_t out = 0;
  size_t in = end_mark.size();
  LZ4F_decompressOptions_t opts{};
  const size_t r = LZ4F_decompress(dctx_, &unused, &out, end_mark.data(), &in, &opts);
  if (LZ4F_isError(r)) return Lz4Error("bad frame end", r);
  if (r != 0 || in != end_mark.size()) return absl::DataLossError("frame end cut short");
  return absl::OkStatus();
}

}  // namespace logdex::index
