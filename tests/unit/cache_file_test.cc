// The persisted index cache (recovery/cache_file.h, cache_format.md): an
// image comes back exactly as saved; damage of any kind is reported with the
// code the header promises and never crashes or over-allocates; a crash while
// writing leaves the old cache; a bad cache is moved aside.
#include "recovery/cache_file.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "gtest/gtest.h"
#include "index/crc32c.h"
#include "index/json_string.h"
#include "index/row_store.h"
#include "recovery/cache_body.h"
#include "recovery/cache_codec.h"
#include "recovery/cache_format.h"
#include "temp_dir.h"

namespace logdex::recovery {
namespace {

using ::absl::StatusCode;

const std::string kDirId(32, '\x5A');

// ---- Building images -------------------------------------------------------

// A real run: n rows of the file at `path`, encoded by index::RunBuilder.
std::shared_ptr<const index::Run> MakeRun(uint32_t file_id, std::string_view path, int n,
                                          uint64_t first_offset = 0) {
  std::string literal;
  index::AppendJsonString(path, &literal);
  index::RunBuilder builder(file_id, literal);
  uint64_t offset = first_offset;
  for (int i = 0; i < n; ++i) {
    const std::string id = "0000000" + std::to_string(i % 10) + "-1111-2222-3333-444455556666";
    const std::string time = "2024-05-0" + std::to_string(1 + i % 9) + "T10:00:00.000Z";
    index::RowView row;
    row.byte_offset = offset;
    row.byte_length = 40 + i % 7;
    row.crc32c = 0x9E3779B9u * static_cast<uint32_t>(i + 1);
    row.source = index::Source::kPi;
    if (i % 11 == 5) {
      row.error = index::FrameError::kJson;
    } else {
      row.entry_type = i % 2 ? "message" : "tool_call";
      row.entry_id = id;
      row.session_id = "sess-A";
      row.timestamp = time;
      if (i % 3 == 0) row.entry_seq = static_cast<uint64_t>(i);
    }
    builder.Add(row);
    offset += row.byte_length;
  }
  return std::make_shared<const index::Run>(builder.Finish());
}

CachedFile File(std::string path, std::optional<index::Source> source,
                std::optional<std::string> session, bool indexed = true) {
  CachedFile f;
  f.rel_path = std::move(path);
  f.ino = 1000 + f.rel_path.size();
  f.size = 123456789012ull;
  f.mtime_ns = 1715000000123456789;
  f.consumed_to = 123456789000ull;
  f.source = source;
  f.session = std::move(session);
  f.indexed = indexed;
  return f;
}

// Several files (undecided source, sessions present, empty and absent, odd
// paths, one filtered out) and runs (multi-checkpoint, single row, a later
// append run of an earlier file).
CacheImage SampleImage() {
  CacheImage image;
  image.log_dir_id = kDirId;
  image.source_mask = 0x0B;
  image.files.push_back(File("pi/store-1.jsonl", index::Source::kPi, "store-1"));
  image.files.push_back(File("odd dir/ünï cödé \"q\"\\b.jsonl", std::nullopt, std::nullopt));
  image.files.push_back(File("codex/rollout.jsonl", index::Source::kCodex, ""));
  image.files.push_back(File("claude/x.jsonl", index::Source::kClaude, std::nullopt, false));
  image.files[1].mtime_ns = -5;  // before the epoch: zigzag
  image.runs.push_back(MakeRun(0, image.files[0].rel_path, 70));
  image.runs.push_back(MakeRun(2, image.files[2].rel_path, 1));
  image.runs.push_back(MakeRun(0, image.files[0].rel_path, 33, 5000));
  image.runs.push_back(MakeRun(1, image.files[1].rel_path, 32));
  return image;
}

// The smallest interesting image: one file, one run of two rows.
CacheImage TinyImage() {
  CacheImage image;
  image.log_dir_id = kDirId;
  image.files.push_back(File("a.jsonl", index::Source::kJsonl, std::nullopt));
  image.runs.push_back(MakeRun(0, "a.jsonl", 2));
  return image;
}

void ExpectSameImage(const CacheImage& want, const CacheImage& got) {
  EXPECT_EQ(want.log_dir_id, got.log_dir_id);
  EXPECT_EQ(want.source_mask, got.source_mask);
  ASSERT_EQ(want.files.size(), got.files.size());
  for (size_t i = 0; i < want.files.size(); ++i) {
    SCOPED_TRACE("file " + std::to_string(i));
    const CachedFile &w = want.files[i], &g = got.files[i];
    EXPECT_EQ(w.rel_path, g.rel_path);
    EXPECT_EQ(w.ino, g.ino);
    EXPECT_EQ(w.size, g.size);
    EXPECT_EQ(w.mtime_ns, g.mtime_ns);
    EXPECT_EQ(w.consumed_to, g.consumed_to);
    EXPECT_EQ(w.source, g.source);
    EXPECT_EQ(w.session, g.session);
    EXPECT_EQ(w.indexed, g.indexed);
  }
  ASSERT_EQ(want.runs.size(), got.runs.size());
  for (size_t i = 0; i < want.runs.size(); ++i) {
    SCOPED_TRACE("run " + std::to_string(i));
    const index::Run &w = *want.runs[i], &g = *got.runs[i];
    EXPECT_EQ(w.file_id, g.file_id);
    EXPECT_EQ(w.rows, g.rows);
    EXPECT_EQ(w.rendered_size, g.rendered_size);
    EXPECT_EQ(w.data, g.data);
    ASSERT_EQ(w.checkpoints.size(), g.checkpoints.size());
    for (size_t c = 0; c < w.checkpoints.size(); ++c) {
      EXPECT_EQ(w.checkpoints[c].rendered_offset, g.checkpoints[c].rendered_offset);
      EXPECT_EQ(w.checkpoints[c].data_offset, g.checkpoints[c].data_offset);
    }
  }
}

// ---- Editing cache bytes ---------------------------------------------------

void SetLe(std::string* bytes, size_t at, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) (*bytes)[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

// Replaces the LZ4 frame and makes every header field agree with it, so only
// the frame itself can be found wrong.
void ReplaceFrame(std::string* bytes, std::string_view frame) {
  bytes->resize(kHeaderSize);
  bytes->append(frame);
  SetLe(bytes, kCompressedSizeOffset, frame.size(), 8);
  SetLe(bytes, kBodyCrcOffset, index::Crc32c(frame), 4);
  FixHeaderCrc(bytes);
}

// Writes a body by the grammar of cache_format.md, item by item.
class BodyWriter {
 public:
  BodyWriter& Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
    return *this;
  }
  BodyWriter& Byte(uint8_t b) {
    out_.push_back(static_cast<char>(b));
    return *this;
  }
  BodyWriter& Bytes(std::string_view s) {
    Varint(s.size());
    out_.append(s);
    return *this;
  }
  // A file: path, ino 7, size 100, mtime 0, consumed_to 100, source, no
  // session, indexed.
  BodyWriter& File(std::string_view path, uint8_t source = 3) {
    return Bytes(path).Varint(7).Varint(100).Varint(0).Varint(100).Byte(source).Byte(0).Byte(1);
  }
  // A run header: file_id, rows, rendered_size, data.
  BodyWriter& RunHead(uint64_t file_id, uint64_t rows, uint64_t rendered, std::string_view data) {
    return Varint(file_id).Varint(rows).Varint(rendered).Bytes(data);
  }
  std::string Seal() const { return SealCacheBody(out_, kDirId, 0x0F); }

 private:
  std::string out_;
};

absl::StatusCode DecodeCode(std::string_view bytes) { return DecodeCache(bytes, kDirId).status().code(); }
std::string DecodeMessage(std::string_view bytes) {
  return std::string(DecodeCache(bytes, kDirId).status().message());
}

// ---- Fixture for the file operations ---------------------------------------

class CacheFileTest : public ::testing::Test {
 protected:
  std::string dir() const { return tmp_.Path("cache/sub"); }
  std::string path() const { return CacheFilePath(dir()); }

  void Save(const CacheImage& image) { ASSERT_TRUE(WriteCacheFile(dir(), image).ok()); }
  absl::StatusOr<CacheImage> Load() const { return ReadCacheFile(dir(), kDirId); }

  std::string Bytes() const {
    std::ifstream in(path(), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void SetBytes(std::string_view bytes) const {
    std::ofstream(path(), std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size());
  }
  void FlipByte(size_t offset) const {
    std::string b = Bytes();
    b[offset] = static_cast<char>(b[offset] ^ 0x20);
    SetBytes(b);
  }
  void Truncate(size_t n) const { ASSERT_EQ(truncate(path().c_str(), static_cast<off_t>(n)), 0); }

  std::set<std::string> Names() const {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir())) names.insert(e.path().filename());
    return names;
  }

  testing::TempDir tmp_;
};

// The real files, except that each Rename first calls on_rename, and fails
// (without renaming) if that returns an error.
class RenameSpy final : public DurableFiles {
 public:
  explicit RenameSpy(std::function<absl::Status()> on_rename) : on_rename_(std::move(on_rename)) {}
  absl::StatusOr<std::unique_ptr<DurableFile>> Create(Dir dir, std::string_view name, unsigned mode) override {
    return PosixFiles().Create(dir, name, mode);
  }
  absl::Status MakeDir(Dir parent, std::string_view name, unsigned mode) override {
    return PosixFiles().MakeDir(parent, name, mode);
  }
  absl::Status Rename(Dir from, std::string_view a, Dir to, std::string_view b) override {
    if (absl::Status s = on_rename_(); !s.ok()) return s;
    return PosixFiles().Rename(from, a, to, b);
  }
  absl::Status Link(Dir from, std::string_view a, Dir to, std::string_view b) override {
    return PosixFiles().Link(from, a, to, b);
  }
  absl::Status Unlink(Dir dir, std::string_view name) override { return PosixFiles().Unlink(dir, name); }
  absl::Status SyncDir(Dir dir) override { return PosixFiles().SyncDir(dir); }

 private:
  std::function<absl::Status()> on_rename_;
};

// ---- Round trips -----------------------------------------------------------

TEST_F(CacheFileTest, ASavedImageLoadsBackUnchanged) {
  const CacheImage image = SampleImage();
  Save(image);
  absl::StatusOr<CacheImage> loaded = Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ExpectSameImage(image, *loaded);
}

TEST(CacheCodecTest, AnEmptyImageRoundTrips) {
  CacheImage image;
  image.log_dir_id = kDirId;
  image.source_mask = 0;
  absl::StatusOr<CacheImage> decoded = DecodeCache(EncodeCache(image), kDirId);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ExpectSameImage(image, *decoded);
}

TEST(CacheCodecTest, AHandWrittenBodyFollowingTheGrammarDecodes) {
  const std::string bytes =
      BodyWriter().Varint(1).File("x.jsonl").Varint(1).RunHead(0, 1, 60, "row").Varint(1).Varint(0).Varint(0).Seal();
  absl::StatusOr<CacheImage> decoded = DecodeCache(bytes, kDirId);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->files.size(), 1u);
  EXPECT_EQ(decoded->files[0].rel_path, "x.jsonl");
  EXPECT_EQ(decoded->files[0].source, index::Source::kJsonl);
  ASSERT_EQ(decoded->runs.size(), 1u);
  EXPECT_EQ(decoded->runs[0]->data, "row");
}

TEST(CacheCodecTest, TheFileStartsWithMagicVersionAndLogDirId) {
  const std::string bytes = EncodeCache(TinyImage());
  EXPECT_EQ(bytes.substr(0, 8), std::string("LOGDEXC\0", 8));
  EXPECT_EQ(bytes.substr(8, 4), std::string("\x01\0\0\0", 4));
  EXPECT_EQ(bytes.substr(kLogDirIdOffset, kLogDirIdSize), kDirId);
}

// The 160 bytes of the worked example in recovery/cache_format.md.
std::string WorkedExampleBytes() {
  static constexpr const char* kHex[] = {
      "4c4f4744455843000100000000000000", "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
      "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", "0f000000390000000000000054000000",
      "00000000c450434897dde51004224d18", "6c403900000000000000673900008001",
      "07612e6a736f6e6c8301788080d0e2c6", "bfce972f78030001010002f70117003c",
      "78563412030300046e6f7465003cf0de", "bc9a03010001000000000000b1b5837f",
  };
  std::string bytes;
  for (const char* line : kHex) {
    for (size_t i = 0; line[i] != '\0'; i += 2) {
      bytes.push_back(static_cast<char>(std::stoi(std::string(line + i, 2), nullptr, 16)));
    }
  }
  return bytes;
}

TEST(CacheCodecTest, TheWorkedExampleOfTheFormatDocumentDecodes) {
  std::string dir_id;
  for (int i = 0; i < 32; ++i) dir_id.push_back(static_cast<char>(0xA0 + i % 16));
  absl::StatusOr<CacheImage> image = DecodeCache(WorkedExampleBytes(), dir_id);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->source_mask, 0x0F);
  ASSERT_EQ(image->files.size(), 1u);
  const CachedFile& f = image->files[0];
  EXPECT_EQ(f.rel_path, "a.jsonl");
  EXPECT_EQ(f.ino, 131u);
  EXPECT_EQ(f.size, 120u);
  EXPECT_EQ(f.mtime_ns, 1700000000000000000);
  EXPECT_EQ(f.consumed_to, 120u);
  EXPECT_EQ(f.source, index::Source::kJsonl);
  EXPECT_EQ(f.session, std::nullopt);
  EXPECT_TRUE(f.indexed);
  ASSERT_EQ(image->runs.size(), 1u);
  EXPECT_EQ(image->runs[0]->file_id, 0u);
  EXPECT_EQ(image->runs[0]->rows, 2u);
  EXPECT_EQ(image->runs[0]->rendered_size, 247u);
  EXPECT_EQ(image->runs[0]->data.size(), 23u);
}

// ---- Damage ----------------------------------------------------------------

TEST(CacheCodecTest, EveryByteFlipIsRejectedWithTheCodeOfItsRegion) {
  const std::string good = EncodeCache(TinyImage());
  ASSERT_TRUE(DecodeCache(good, kDirId).ok());
  for (size_t at = 0; at < good.size(); ++at) {
    for (const uint8_t mask : {0x01, 0x80, 0xFF}) {
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ mask);
      // The version field is read before any checksum: a changed version
      // reads as another version. Everything else is damage.
      const bool in_version = at >= kVersionOffset && at < kVersionOffset + 4;
      EXPECT_EQ(DecodeCode(bad), in_version ? StatusCode::kFailedPrecondition : StatusCode::kDataLoss)
          << "offset " << at << " mask " << int{mask};
    }
  }
}

TEST(CacheCodecTest, EveryTruncationIsDataLoss) {
  const std::string good = EncodeCache(TinyImage());
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_EQ(DecodeCode(std::string_view(good).substr(0, n)), StatusCode::kDataLoss) << n << " bytes";
  }
}

TEST(CacheCodecTest, AnAppendedByteIsDataLoss) {
  EXPECT_EQ(DecodeCode(EncodeCache(TinyImage()) + "x"), StatusCode::kDataLoss);
}

TEST(CacheCodecTest, AnotherFormatVersionIsFailedPrecondition) {
  std::string bytes = EncodeCache(TinyImage());
  SetLe(&bytes, kVersionOffset, 2, 4);
  FixHeaderCrc(&bytes);
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kFailedPrecondition);
  EXPECT_NE(DecodeMessage(bytes).find("version 2"), std::string::npos) << DecodeMessage(bytes);
}

TEST(CacheCodecTest, AnotherVersionIsRecognisedWhateverItsHeaderLength) {
  EXPECT_EQ(DecodeCode(std::string("LOGDEXC\0\x07\0\0\0", 12)), StatusCode::kFailedPrecondition);
}

TEST(CacheCodecTest, UnknownFlagsAreFailedPrecondition) {
  std::string bytes = EncodeCache(TinyImage());
  SetLe(&bytes, kFlagsOffset, 4, 4);
  FixHeaderCrc(&bytes);
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kFailedPrecondition);
}

TEST(CacheCodecTest, ACacheOfAnotherLogDirIsInvalidArgument) {
  const std::string bytes = EncodeCache(TinyImage());
  EXPECT_EQ(DecodeCache(bytes, std::string(32, '\x11')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeCache(bytes, "short").status().code(), StatusCode::kInvalidArgument);
}

TEST(CacheCodecTest, ASourceMaskBeyondTheSourcesIsDataLoss) {
  std::string bytes = EncodeCache(TinyImage());
  SetLe(&bytes, kSourceMaskOffset, 0x10, 4);
  FixHeaderCrc(&bytes);
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
}

// A declared size is checked before the buffer for it exists: under ASan an
// attempt to allocate these would abort the test binary.
TEST(CacheCodecTest, AnAbsurdUncompressedSizeIsRejectedBeforeAllocating) {
  std::string bytes = EncodeCache(TinyImage());
  SetLe(&bytes, kUncompressedSizeOffset, uint64_t{1} << 62, 8);
  FixHeaderCrc(&bytes);
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
  EXPECT_NE(DecodeMessage(bytes).find("uncompressed"), std::string::npos) << DecodeMessage(bytes);
}

TEST(CacheCodecTest, AnUncompressedSizeNoLz4FrameCouldReachIsRejectedBeforeAllocating) {
  std::string bytes = EncodeCache(TinyImage());
  SetLe(&bytes, kUncompressedSizeOffset, uint64_t{32} << 30, 8);  // under the cap, beyond the ratio
  FixHeaderCrc(&bytes);
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
}

TEST(CacheCodecTest, AFrameLongerThanDeclaredIsDataLoss) {
  std::string bytes = EncodeCache(TinyImage());
  const uint64_t size = bytes[kUncompressedSizeOffset] & 0xFF;  // tiny image: one byte
  SetLe(&bytes, kUncompressedSizeOffset, size - 1, 8);
  FixHeaderCrc(&bytes);
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
}

TEST(CacheCodecTest, AFrameShorterThanDeclaredIsDataLoss) {
  std::string bytes = EncodeCache(TinyImage());
  const uint64_t size = bytes[kUncompressedSizeOffset] & 0xFF;
  SetLe(&bytes, kUncompressedSizeOffset, size + 1, 8);
  FixHeaderCrc(&bytes);
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
}

TEST(CacheCodecTest, GarbageInPlaceOfTheLz4FrameIsDataLoss) {
  std::string bytes = EncodeCache(TinyImage());
  ReplaceFrame(&bytes, "this is not an LZ4 frame at all");
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
}

TEST(CacheCodecTest, ATruncatedLz4FrameWithRightChecksumsIsDataLoss) {
  std::string bytes = EncodeCache(TinyImage());
  const std::string frame = bytes.substr(kHeaderSize);
  for (size_t n = 0; n < frame.size(); ++n) {
    std::string cut = bytes;
    ReplaceFrame(&cut, std::string_view(frame).substr(0, n));
    EXPECT_EQ(DecodeCode(cut), StatusCode::kDataLoss) << n;
  }
}

TEST(CacheCodecTest, ADamagedLz4FrameWithRightChecksumsIsDataLossOrHarmless) {
  std::string bytes = EncodeCache(TinyImage());
  const std::string frame = bytes.substr(kHeaderSize);
  for (size_t at = 0; at < frame.size(); ++at) {
    std::string bad_frame = frame;
    bad_frame[at] = static_cast<char>(bad_frame[at] ^ 0x04);
    std::string bad = bytes;
    ReplaceFrame(&bad, bad_frame);
    // Past the CRC-32Cs, LZ4's own header and content checksums catch it,
    // unless the flip changes nothing: a match offset may land on another
    // copy of the same bytes, and then the image is exactly the original.
    absl::StatusOr<CacheImage> decoded = DecodeCache(bad, kDirId);
    if (decoded.ok()) {
      EXPECT_EQ(EncodeCache(*decoded), bytes) << "frame offset " << at;
    } else {
      EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss) << "frame offset " << at;
    }
  }
}

// ---- Structure of the body (sealed with right checksums) -------------------

TEST(CacheBodyTest, ARunOfAFileThatDoesNotExistIsDataLoss) {
  const std::string bytes =
      BodyWriter().Varint(1).File("x").Varint(1).RunHead(1, 1, 60, "row").Varint(1).Varint(0).Varint(0).Seal();
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
  EXPECT_NE(DecodeMessage(bytes).find("run 0 file_id 1"), std::string::npos) << DecodeMessage(bytes);
}

TEST(CacheBodyTest, ARunWithoutRowsIsDataLoss) {
  const std::string bytes = BodyWriter().Varint(1).File("x").Varint(1).RunHead(0, 0, 0, "").Varint(0).Seal();
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
}

TEST(CacheBodyTest, ACheckpointCountThatDoesNotMatchTheRowsIsDataLoss) {
  const std::string bytes =
      BodyWriter().Varint(1).File("x").Varint(1).RunHead(0, 33, 600, "rows").Varint(1).Varint(0).Varint(0).Seal();
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
  EXPECT_NE(DecodeMessage(bytes).find("1 checkpoints for 33 rows, want 2"), std::string::npos)
      << DecodeMessage(bytes);
}

TEST(CacheBodyTest, AFirstCheckpointNotAtZeroIsDataLoss) {
  const std::string bytes =
      BodyWriter().Varint(1).File("x").Varint(1).RunHead(0, 1, 60, "row").Varint(1).Varint(0).Varint(1).Seal();
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
}

TEST(CacheBodyTest, CheckpointsOutOfOrderAreDataLossWithTheirCoordinates) {
  const std::string bytes = BodyWriter()
                                .Varint(1).File("x")
                                .Varint(1).RunHead(0, 40, 600, "some rows")
                                .Varint(2).Varint(0).Varint(0).Varint(300).Varint(0)
                                .Seal();
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
  EXPECT_NE(DecodeMessage(bytes).find("run 0 checkpoint 1 out of order"), std::string::npos)
      << DecodeMessage(bytes);
  EXPECT_NE(DecodeMessage(bytes).find("cache body offset 11"), std::string::npos) << DecodeMessage(bytes);
}

TEST(CacheBodyTest, ACheckpointPastTheRunDataIsDataLoss) {
  const std::string bytes = BodyWriter()
                                .Varint(1).File("x")
                                .Varint(1).RunHead(0, 40, 600, "some rows")
                                .Varint(2).Varint(0).Varint(0).Varint(300).Varint(9)
                                .Seal();
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
  EXPECT_NE(DecodeMessage(bytes).find("points past the run"), std::string::npos) << DecodeMessage(bytes);
}

TEST(CacheBodyTest, ACheckpointPastTheRenderedSizeIsDataLoss) {
  const std::string bytes = BodyWriter()
                                .Varint(1).File("x")
                                .Varint(1).RunHead(0, 40, 600, "some rows")
                                .Varint(2).Varint(0).Varint(0).Varint(600).Varint(3)
                                .Seal();
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
}

TEST(CacheBodyTest, ASourceByteThatIsNoSourceIsDataLoss) {
  EXPECT_EQ(DecodeCode(BodyWriter().Varint(1).File("x", 4).Varint(0).Seal()), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeCode(BodyWriter().Varint(1).File("x", 0xFE).Varint(0).Seal()), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeCode(BodyWriter().Varint(1).File("x", 0xFF).Varint(0).Seal()), StatusCode::kOk);
}

TEST(CacheBodyTest, AFlagByteOtherThanZeroOrOneIsDataLoss) {
  const std::string bytes = BodyWriter()
                                .Varint(1).Bytes("x").Varint(7).Varint(100).Varint(0).Varint(100)
                                .Byte(3).Byte(2).Byte(1).Varint(0)
                                .Seal();
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
}

TEST(CacheBodyTest, APathThatCouldLeaveTheLogDirIsDataLoss) {
  for (const char* path : {"../etc/passwd", "/abs", "a//b", "a/./b", "a/", "bad\xFFutf8", ""}) {
    EXPECT_EQ(DecodeCode(BodyWriter().Varint(1).File(path).Varint(0).Seal()), StatusCode::kDataLoss)
        << path;
  }
}

TEST(CacheBodyTest, AConsumedOffsetBeyondTheFileSizeIsDataLoss) {
  const std::string bytes = BodyWriter()
                                .Varint(1).Bytes("x").Varint(7).Varint(100).Varint(0).Varint(101)
                                .Byte(3).Byte(0).Byte(1).Varint(0)
                                .Seal();
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
}

TEST(CacheBodyTest, AHugeFileCountIsRejectedBeforeAllocating) {
  const std::string bytes = BodyWriter().Varint(uint64_t{1} << 60).File("x").Varint(0).Seal();
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
  EXPECT_NE(DecodeMessage(bytes).find("cannot fit"), std::string::npos) << DecodeMessage(bytes);
}

TEST(CacheBodyTest, AHugeRunAndCheckpointCountAreRejectedBeforeAllocating) {
  EXPECT_EQ(DecodeCode(BodyWriter().Varint(0).Varint(uint64_t{1} << 50).Seal()), StatusCode::kDataLoss);
  const std::string bytes =
      BodyWriter().Varint(1).File("x").Varint(1).RunHead(0, 1, 60, "row").Varint(~uint64_t{0}).Seal();
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
}

TEST(CacheBodyTest, AHugeStringLengthIsRejectedBeforeAllocating) {
  const std::string bytes = BodyWriter().Varint(1).Varint(uint64_t{1} << 40).Seal();
  EXPECT_EQ(DecodeCode(bytes), StatusCode::kDataLoss);
}

TEST(CacheBodyTest, AVarintOverflowingSixtyFourBitsIsDataLoss) {
  BodyWriter w;
  for (int i = 0; i < 9; ++i) w.Byte(0xFF);
  EXPECT_EQ(DecodeCode(w.Byte(0x02).Varint(0).Seal()), StatusCode::kDataLoss);
}

TEST(CacheBodyTest, TrailingBytesAfterTheLastRunAreDataLoss) {
  EXPECT_EQ(DecodeCode(BodyWriter().Varint(0).Varint(0).Byte(0).Seal()), StatusCode::kDataLoss);
}

// Bodies that pass both CRCs and LZ4 but are otherwise arbitrary: the
// structure checks alone stand between them and the rest of logdex. Run under
// ASan/UBSan this is the "never a crash, never an absurd allocation" spec.
TEST(CacheBodyTest, RandomlyMutatedBodiesAreDataLossOrWellFormedNeverACrash) {
  std::string body;
  SerializeCacheBody(SampleImage(), &body);
  std::mt19937_64 rng(20240501);
  int rejected = 0;
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::string mutated = body;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % mutated.size();
      switch (rng() % 4) {
        case 0: mutated[at] = static_cast<char>(rng()); break;
        case 1: mutated[at] = static_cast<char>(0xFF); break;
        case 2: mutated.resize(at); break;
        case 3: mutated.insert(at, 1, static_cast<char>(0x80 | rng())); break;
      }
      if (mutated.empty()) mutated.push_back('\0');
    }
    const absl::StatusCode code = DecodeCode(SealCacheBody(mutated, kDirId, 0x0F));
    ASSERT_TRUE(code == StatusCode::kOk || code == StatusCode::kDataLoss) << iteration;
    if (code == StatusCode::kDataLoss) ++rejected;
  }
  EXPECT_GT(rejected, 2000);
}

// ---- The file on disk ------------------------------------------------------

TEST_F(CacheFileTest, AMissingCacheIsNotFound) {
  EXPECT_EQ(Load().status().code(), StatusCode::kNotFound);
}

TEST_F(CacheFileTest, SavingCreatesTheMissingCacheDirPrivately) {
  Save(TinyImage());
  struct stat st;
  ASSERT_EQ(stat(dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(CacheFileTest, SavingAgainReplacesTheImageAndLeavesNoTempFile) {
  Save(TinyImage());
  const CacheImage image = SampleImage();
  Save(image);
  absl::StatusOr<CacheImage> loaded = Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ExpectSameImage(image, *loaded);
  EXPECT_EQ(Names(), std::set<std::string>{"index.cache"});
}

TEST_F(CacheFileTest, AFailedRenameLeavesTheOldCacheAndNoTempFile) {
  const CacheImage old_image = TinyImage();
  Save(old_image);
  RenameSpy failing([] { return absl::UnavailableError("simulated failure"); });
  EXPECT_EQ(WriteCacheFile(dir(), SampleImage(), failing).code(), StatusCode::kUnavailable);
  absl::StatusOr<CacheImage> loaded = Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ExpectSameImage(old_image, *loaded);
  EXPECT_EQ(Names(), std::set<std::string>{"index.cache"});
}

TEST_F(CacheFileTest, TheRenameComesAfterTheNewBytesAreWrittenToATempFile) {
  Save(TinyImage());
  const std::string old_bytes = Bytes();
  std::vector<std::string> seen;
  RenameSpy spy([&] {
    for (const std::string& name : Names()) seen.push_back(name);
    EXPECT_EQ(Bytes(), old_bytes);
    return absl::OkStatus();
  });
  ASSERT_TRUE(WriteCacheFile(dir(), SampleImage(), spy).ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "index.cache");
  EXPECT_EQ(seen[1].rfind("index.cache.tmp.", 0), 0u) << seen[1];
  EXPECT_EQ(Bytes(), EncodeCache(SampleImage()));
}

TEST_F(CacheFileTest, ALeftoverTempFileIsNeverReadAsACache) {
  Save(TinyImage());
  ASSERT_TRUE(QuarantineCacheFile(dir()).ok());
  std::ofstream(dir() + "/index.cache.tmp.1.0") << EncodeCache(TinyImage());
  EXPECT_EQ(Load().status().code(), StatusCode::kNotFound);
}

TEST_F(CacheFileTest, SavingRemovesTheTempFileOfADeadWriter) {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  Save(TinyImage());
  const std::string stale = dir() + "/index.cache.tmp." + std::to_string(child) + ".0";
  std::ofstream(stale) << "half a cache";
  Save(TinyImage());
  EXPECT_FALSE(std::filesystem::exists(stale));
}

TEST_F(CacheFileTest, SavingRemovesTheTempFileOfAZombieWriter) {
  // A killed daemon nobody reaps stays a zombie: kill(pid, 0) succeeds on it.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  absl::Cleanup reap = [child] { waitpid(child, nullptr, 0); };
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, child, &info, WEXITED | WNOWAIT), 0);  // a zombie now, not reaped
  ASSERT_EQ(kill(child, 0), 0);
  Save(TinyImage());
  const std::string stale = dir() + "/index.cache.tmp." + std::to_string(child) + ".0";
  std::ofstream(stale) << "half a cache";
  Save(TinyImage());
  EXPECT_FALSE(std::filesystem::exists(stale));
}

TEST_F(CacheFileTest, LoadingRemovesTheTempFileOfADeadWriter) {
  // A remount whose index never changes never saves; its load sweeps.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  Save(TinyImage());
  const std::string stale = dir() + "/index.cache.tmp." + std::to_string(child) + ".0";
  std::ofstream(stale) << "half a cache";
  ASSERT_TRUE(Load().ok());
  EXPECT_FALSE(std::filesystem::exists(stale));
}

TEST_F(CacheFileTest, ALiveWritersTempFileIsLeftAlone) {
  Save(TinyImage());
  const std::string live = dir() + "/index.cache.tmp.1.0";  // pid 1 is always running
  std::ofstream(live) << "half a cache";
  ASSERT_TRUE(Load().ok());
  Save(TinyImage());
  EXPECT_TRUE(std::filesystem::exists(live));
}

TEST_F(CacheFileTest, AFlippedByteOnDiskLoadsAsDataLossNamingTheFile) {
  Save(SampleImage());
  FlipByte(Bytes().size() / 2);
  const absl::Status status = Load().status();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find(path()), absl::string_view::npos) << status;
}

TEST_F(CacheFileTest, ATruncatedFileOnDiskLoadsAsDataLoss) {
  Save(SampleImage());
  Truncate(Bytes().size() - 1);
  EXPECT_EQ(Load().status().code(), StatusCode::kDataLoss);
}

TEST_F(CacheFileTest, QuarantineMovesTheCacheAsideAsBad) {
  Save(SampleImage());
  const std::string bytes = Bytes();
  ASSERT_TRUE(QuarantineCacheFile(dir()).ok());
  EXPECT_EQ(Load().status().code(), StatusCode::kNotFound);
  std::ifstream in(path() + ".bad", std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), bytes);
}

TEST_F(CacheFileTest, QuarantineReplacesAnOlderBadFile) {
  Save(TinyImage());
  ASSERT_TRUE(QuarantineCacheFile(dir()).ok());
  Save(SampleImage());
  const std::string bytes = Bytes();
  ASSERT_TRUE(QuarantineCacheFile(dir()).ok());
  std::ifstream in(path() + ".bad", std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), bytes);
  EXPECT_EQ(Names(), std::set<std::string>{"index.cache.bad"});
}

TEST_F(CacheFileTest, QuarantineWithoutACacheIsNotFound) {
  Save(TinyImage());
  ASSERT_TRUE(QuarantineCacheFile(dir()).ok());
  EXPECT_EQ(QuarantineCacheFile(dir()).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace logdex::recovery
