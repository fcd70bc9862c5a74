// Compressed logs (SPEC §7): the .lz4 reader serves exactly the bytes
// `lz4 -d` writes, at any offset, from bounded memory, and a damaged file's
// readable prefix.
#include "index/lz4_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "index/log_bytes.h"
#include "index/lz4_cache.h"
#include "index/lz4_map.h"
#include "tests/unit/lz4_fixtures.h"
#include "tests/unit/temp_dir.h"

namespace logdex::index {
namespace {

using ::logdex::testing::Lz4Frame;
using ::logdex::testing::Lz4Options;
using ::logdex::testing::LogLines;
using ::logdex::testing::SkippableFrame;
using ::logdex::testing::TempDir;

// XXH32 with seed 0 (what an LZ4 frame's header checksum is made of), to
// forge a header whose checksum matches.
uint32_t XXH32ForTest(std::string_view in) {
  constexpr uint32_t p1 = 2654435761u, p2 = 2246822519u, p3 = 3266489917u, p4 = 668265263u,
                     p5 = 374761393u;
  auto rotl = [](uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  auto read32 = [](const char* p) {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    return uint32_t{u[0]} | uint32_t{u[1]} << 8 | uint32_t{u[2]} << 16 | uint32_t{u[3]} << 24;
  };
  const char* p = in.data();
  const char* const end = p + in.size();
  uint32_t h;
  if (in.size() >= 16) {
    uint32_t v1 = p1 + p2, v2 = p2, v3 = 0, v4 = 0u - p1;
    for (; p + 16 <= end; p += 16) {
      v1 = rotl(v1 + read32(p) * p2, 13) * p1;
      v2 = rotl(v2 + read32(p + 4) * p2, 13) * p1;
      v3 = rotl(v3 + read32(p + 8) * p2, 13) * p1;
      v4 = rotl(v4 + read32(p + 12) * p2, 13) * p1;
    }
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
  } else {
    h = p5;
  }
  h += static_cast<uint32_t>(in.size());
  for (; p + 4 <= end; p += 4) h = rotl(h + read32(p) * p3, 17) * p4;
  for (; p < end; ++p) h = rotl(h + static_cast<unsigned char>(*p) * p5, 11) * p1;
  h ^= h >> 15;
  h *= p2;
  h ^= h >> 13;
  h *= p3;
  h ^= h >> 16;
  return h;
}

class Lz4FileTest : public ::testing::Test {
 protected:
  // Opens `compressed` (written as x.jsonl.lz4) through OpenLogBytes.
  std::unique_ptr<LogBytes> Open(const std::string& compressed, Lz4Cache& cache) {
    dir_.Write("x.jsonl.lz4", compressed);
    const int root = open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    EXPECT_GE(root, 0);
    std::unique_ptr<LogBytes> bytes = OpenLogBytes(root, "x.jsonl", cache);
    close(root);
    EXPECT_NE(bytes, nullptr);
    return bytes;
  }
  std::unique_ptr<LogBytes> Open(const std::string& compressed) { return Open(compressed, cache_); }

  static std::string ReadAll(LogBytes& bytes) {
    std::string out;
    char buf[10000];
    for (;;) {
      const ssize_t n = bytes.Pread(buf, sizeof buf, out.size());
      EXPECT_GE(n, 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  static std::string ReadAt(LogBytes& bytes, uint64_t offset, size_t n) {
    std::string out(n, '\0');
    const ssize_t got = bytes.Pread(out.data(), n, offset);
    EXPECT_GE(got, 0);
    out.resize(got < 0 ? 0 : static_cast<size_t>(got));
    return out;
  }
  // Reads of random offsets and lengths all equal the same bytes of `want`.
  static void ExpectRandomReadsMatch(LogBytes& bytes, const std::string& want, int reads, uint32_t seed) {
    std::mt19937_64 rng(seed);
    for (int i = 0; i < reads; ++i) {
      const uint64_t off = rng() % (want.size() + 10);
      const size_t n = 1 + rng() % 200000;
      const std::string got = ReadAt(bytes, off, n);
      const std::string expect = off >= want.size() ? "" : want.substr(off, n);
      ASSERT_EQ(got.size(), expect.size()) << "at " << off;
      ASSERT_TRUE(got == expect) << "bytes differ at " << off << " len " << n;
    }
  }

  TempDir dir_;
  Lz4Cache cache_{Lz4Cache::kDefaultBlockBytes, Lz4Cache::kDefaultMapBytes};
};

TEST_F(Lz4FileTest, IndependentBlocksReadBackExactlyWithTheirSize) {
  const std::string data = LogLines(1 << 20);
  auto bytes = Open(Lz4Frame(data, {.linked = false, .block_checksum = true}));
  EXPECT_EQ(bytes->Stat().size, data.size());
  EXPECT_TRUE(bytes->Stat().regular);
  EXPECT_FALSE(bytes->lz4_map()->damage().has_value());
  EXPECT_GT(bytes->lz4_map()->blocks().size(), 10u);
  EXPECT_TRUE(ReadAll(*bytes) == data);
}

TEST_F(Lz4FileTest, LinkedBlocksReadAtRandomOffsetsWithAnEmptyCache) {
  const std::string data = LogLines(3 << 20);
  // A cache too small to hold a block: every read decodes, from a
  // checkpoint or the frame's start, never from cached history.
  Lz4Cache tiny(1, Lz4Cache::kDefaultMapBytes);
  auto bytes = Open(Lz4Frame(data, {.linked = true}), tiny);
  ASSERT_EQ(bytes->Stat().size, data.size());
  ExpectRandomReadsMatch(*bytes, data, 40, 7);
}

TEST_F(Lz4FileTest, LinkedBlocksReadAtRandomOffsetsWithCachedHistory) {
  const std::string data = LogLines(3 << 20);
  Lz4Cache small(256 << 10, Lz4Cache::kDefaultMapBytes);
  auto bytes = Open(Lz4Frame(data, {.linked = true, .block_checksum = true}), small);
  ExpectRandomReadsMatch(*bytes, data, 200, 8);
  EXPECT_TRUE(ReadAll(*bytes) == data);
}

TEST_F(Lz4FileTest, ARandomReadInALinkedFrameDecodesAtMostACheckpointsWorth) {
  const std::string data = LogLines(12 << 20);
  Lz4Cache none(1, Lz4Cache::kDefaultMapBytes);
  auto bytes = Open(Lz4Frame(data, {.linked = true}), none);
  const uint64_t before = none.GetStats().inserts;
  const uint64_t at = data.size() - 100;
  EXPECT_EQ(ReadAt(*bytes, at, 50), data.substr(at, 50));
  const uint64_t decoded = none.GetStats().inserts - before;
  // 64 KiB blocks, a checkpoint every 2 MiB: at most 32 blocks and the one read.
  EXPECT_LE(decoded, Lz4Map::kCheckpointBytes / (64 << 10) + 1);
  EXPECT_GE(decoded, 1u);
}

TEST_F(Lz4FileTest, ARandomReadInAnIndependentFrameDecodesOneBlock) {
  const std::string data = LogLines(4 << 20);
  Lz4Cache none(1, Lz4Cache::kDefaultMapBytes);
  auto bytes = Open(Lz4Frame(data, {.linked = false}), none);
  const uint64_t before = none.GetStats().inserts;
  EXPECT_EQ(ReadAt(*bytes, 3 << 20, 10), data.substr(3 << 20, 10));
  EXPECT_EQ(none.GetStats().inserts - before, 1u);
}

TEST_F(Lz4FileTest, BigBlocksContentSizeAndNoContentChecksumReadBack) {
  const std::string data = LogLines(9 << 20);
  for (const Lz4Options& o : {Lz4Options{.linked = true, .block_size = LZ4F_max4MB, .content_size = true},
                              Lz4Options{.block_size = LZ4F_max1MB, .content_checksum = false},
                              Lz4Options{.linked = true, .block_size = LZ4F_max256KB,
                                         .block_checksum = true, .content_checksum = false,
                                         .content_size = true}}) {
    Lz4Cache small(1 << 20, Lz4Cache::kDefaultMapBytes);
    auto bytes = Open(Lz4Frame(data, o), small);
    ASSERT_EQ(bytes->Stat().size, data.size());
    EXPECT_FALSE(bytes->lz4_map()->damage().has_value());
    ExpectRandomReadsMatch(*bytes, data, 30, 9);
  }
}

TEST_F(Lz4FileTest, ConcatenatedAndSkippableFramesReadAsOneStream) {
  const std::string a = LogLines(300000, 1), b = LogLines(200000, 2), c = LogLines(1000, 3);
  const std::string file = SkippableFrame("meta") + Lz4Frame(a, {.linked = true}) + Lz4Frame(b) +
                           SkippableFrame("") + Lz4Frame("") + Lz4Frame(c, {.linked = true});
  Lz4Cache tiny(1, Lz4Cache::kDefaultMapBytes);
  auto bytes = Open(file, tiny);
  const std::string all = a + b + c;
  EXPECT_EQ(bytes->Stat().size, all.size());
  EXPECT_FALSE(bytes->lz4_map()->damage().has_value());
  EXPECT_EQ(bytes->lz4_map()->frames().size(), 4u);
  EXPECT_TRUE(ReadAll(*bytes) == all);
  ExpectRandomReadsMatch(*bytes, all, 50, 10);
}

TEST_F(Lz4FileTest, AZeroByteFileIsEmptyAndNotDamaged) {
  auto bytes = Open("");
  EXPECT_EQ(bytes->Stat().size, 0u);
  EXPECT_FALSE(bytes->lz4_map()->damage().has_value());
  EXPECT_EQ(ReadAll(*bytes), "");
}

TEST_F(Lz4FileTest, AFileThatIsNotLz4ReadsAsEmptyAndSaysSo) {
  auto bytes = Open("{\"type\":\"user\"}\n");
  EXPECT_EQ(bytes->Stat().size, 0u);
  ASSERT_TRUE(bytes->lz4_map()->damage().has_value());
  EXPECT_EQ(bytes->lz4_map()->damage()->reason, "not an LZ4 file");
  EXPECT_EQ(bytes->lz4_map()->damage()->compressed_offset, 0u);
  EXPECT_EQ(Open("ab")->lz4_map()->damage()->reason, "not an LZ4 file");
}

TEST_F(Lz4FileTest, TruncationMidBlockKeepsTheWholeBlocksBefore) {
  const std::string data = LogLines(1 << 20);
  const std::string full = Lz4Frame(data, {.linked = true});
  Lz4Cache probe_cache(Lz4Cache::kDefaultBlockBytes, Lz4Cache::kDefaultMapBytes);
  auto probe = Open(full, probe_cache);
  const Lz4Map::Block third = probe->lz4_map()->blocks()[3];
  // Cut in the middle of block 3: blocks 0..2 are the readable prefix.
  auto bytes = Open(full.substr(0, third.src_offset + third.src_bytes / 2));
  ASSERT_TRUE(bytes->lz4_map()->damage().has_value());
  EXPECT_EQ(bytes->lz4_map()->damage()->reason, "truncated mid-block");
  EXPECT_EQ(bytes->lz4_map()->damage()->compressed_offset, third.src_offset);
  EXPECT_EQ(bytes->Stat().size, third.dst_offset);
  EXPECT_TRUE(ReadAll(*bytes) == data.substr(0, third.dst_offset));
  // Cut before the end mark: every block is there.
  auto no_end = Open(full.substr(0, full.size() - 8));
  EXPECT_EQ(no_end->Stat().size, data.size());
  EXPECT_EQ(no_end->lz4_map()->damage()->reason, "truncated before the end of the frame");
  // Cut inside the header.
  EXPECT_EQ(Open(full.substr(0, 5))->Stat().size, 0u);
  EXPECT_TRUE(Open(full.substr(0, 5))->lz4_map()->damage().has_value());
}

TEST_F(Lz4FileTest, ABadBlockChecksumEndsTheReadablePrefixBeforeThatBlock) {
  const std::string data = LogLines(1 << 20);
  std::string file = Lz4Frame(data, {.block_checksum = true});
  Lz4Cache probe_cache(Lz4Cache::kDefaultBlockBytes, Lz4Cache::kDefaultMapBytes);
  const Lz4Map::Block b = Open(file, probe_cache)->lz4_map()->blocks()[5];
  file[b.src_offset + b.src_bytes - 1] ^= 0x55;  // its checksum
  auto bytes = Open(file);
  ASSERT_TRUE(bytes->lz4_map()->damage().has_value());
  EXPECT_NE(bytes->lz4_map()->damage()->reason.find("bad block"), std::string::npos)
      << bytes->lz4_map()->damage()->reason;
  EXPECT_EQ(bytes->lz4_map()->damage()->compressed_offset, b.src_offset);
  EXPECT_EQ(bytes->Stat().size, b.dst_offset);
  EXPECT_TRUE(ReadAll(*bytes) == data.substr(0, b.dst_offset));
}

TEST_F(Lz4FileTest, ABadContentChecksumKeepsTheDecodedBytesAndSaysSo) {
  const std::string data = LogLines(200000);
  std::string file = Lz4Frame(data);
  file[file.size() - 1] ^= 0x01;
  auto bytes = Open(file);
  ASSERT_TRUE(bytes->lz4_map()->damage().has_value());
  EXPECT_NE(bytes->lz4_map()->damage()->reason.find("bad frame end"), std::string::npos);
  EXPECT_EQ(bytes->lz4_map()->damage()->compressed_offset, file.size() - 8);
  EXPECT_TRUE(ReadAll(*bytes) == data);
}

TEST_F(Lz4FileTest, GarbageAfterAFrameIsDamageAfterItsBytes) {
  const std::string data = LogLines(10000);
  const std::string frame = Lz4Frame(data);
  auto bytes = Open(frame + "garbage!");
  EXPECT_EQ(bytes->lz4_map()->damage()->reason, "garbage after the last frame");
  EXPECT_EQ(bytes->lz4_map()->damage()->compressed_offset, frame.size());
  EXPECT_TRUE(ReadAll(*bytes) == data);
}

TEST_F(Lz4FileTest, ABlockSizeBeyondTheFramesMaximumIsDamageNotAnAllocation) {
  std::string file = Lz4Frame(LogLines(1000));
  // The first block header follows the 7-byte header of a frame without
  // content size: claim 2 GiB - 1 bytes.
  file[7] = '\xff'; file[8] = '\xff'; file[9] = '\xff'; file[10] = '\x7f';
  auto bytes = Open(file);
  EXPECT_EQ(bytes->Stat().size, 0u);
  EXPECT_NE(bytes->lz4_map()->damage()->reason.find("block of 2147483647 bytes"), std::string::npos);
}

TEST_F(Lz4FileTest, AContentSizeThatDoesNotMatchIsDamageAtTheEndMark) {
  const std::string data = LogLines(5000);
  std::string file = Lz4Frame(data, {.content_size = true});
  // The content size (8 bytes after FLG and BD) says one byte more; the
  // header checksum is fixed to match, so only the size is wrong.
  ASSERT_EQ(file[14], static_cast<char>((XXH32ForTest(file.substr(4, 10)) >> 8) & 0xFF));
  std::string header = file.substr(4, 10);
  const uint64_t size = data.size() + 1;
  for (int i = 0; i < 8; ++i) header[2 + i] = static_cast<char>((size >> (8 * i)) & 0xFF);
  file.replace(4, 10, header);
  file[14] = static_cast<char>((XXH32ForTest(header) >> 8) & 0xFF);
  auto bytes = Open(file);
  EXPECT_NE(bytes->lz4_map()->damage()->reason.find("bad frame end"), std::string::npos)
      << bytes->lz4_map()->damage()->reason;
  ASSERT_TRUE(bytes->lz4_map()->damage().has_value());
  EXPECT_EQ(bytes->Stat().size, data.size());
}

TEST_F(Lz4FileTest, RandomDamageNeverCrashesAndWithBlockChecksumsLeavesAPrefix) {
  const std::string data = LogLines(300000);
  const std::string file = Lz4Frame(data, {.linked = true, .block_checksum = true});
  std::mt19937 rng(42);
  for (int i = 0; i < 300; ++i) {
    std::string bad = file;
    switch (i % 3) {
      case 0: bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255); break;
      case 1: bad.resize(rng() % bad.size()); break;
      default: bad.insert(rng() % bad.size(), std::string(1 + rng() % 8, static_cast<char>(rng()))); break;
    }
    Lz4Cache tiny(100 << 10, Lz4Cache::kDefaultMapBytes);
    auto bytes = Open(bad, tiny);
    const std::string got = ReadAll(*bytes);
    ASSERT_EQ(got.size(), bytes->Stat().size) << "case " << i;
    ASSERT_TRUE(data.compare(0, got.size(), got) == 0) << "case " << i << ": not a prefix";
    ExpectRandomReadsMatch(*bytes, got, 5, static_cast<uint32_t>(i));
  }
}

TEST_F(Lz4FileTest, ReadsFromManyThreadsAtOnceAllGetTheirBytes) {
  const std::string data = LogLines(5 << 20);
  Lz4Cache small(512 << 10, Lz4Cache::kDefaultMapBytes);
  auto bytes = Open(Lz4Frame(data, {.linked = true, .block_checksum = true}), small);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] { ExpectRandomReadsMatch(*bytes, data, 60, 100 + t); });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_LE(small.GetStats().block_bytes, 512u << 10);
}

TEST_F(Lz4FileTest, TheBlockCacheStaysWithinItsBudget) {
  const std::string data = LogLines(6 << 20);
  Lz4Cache small(300 << 10, Lz4Cache::kDefaultMapBytes);
  auto bytes = Open(Lz4Frame(data, {.linked = true}), small);
  EXPECT_LE(small.GetStats().block_bytes, 300u << 10);
  ExpectRandomReadsMatch(*bytes, data, 100, 11);
  EXPECT_LE(small.GetStats().block_bytes, 300u << 10);
  EXPECT_GT(small.GetStats().evictions, 0u);
}

TEST_F(Lz4FileTest, AFileRewrittenAfterOpeningReadsAsStale) {
  auto bytes = Open(Lz4Frame(LogLines(1000)));
  usleep(10000);
  dir_.Write("x.jsonl.lz4", Lz4Frame(LogLines(2000)));  // same inode, new size and mtime
  char c;
  EXPECT_EQ(bytes->Pread(&c, 1, 0), -1);
  EXPECT_EQ(errno, ESTALE);
}

TEST_F(Lz4FileTest, ARealNameWinsOverItsLz4AndOnlyRegularLz4FilesStandIn) {
  dir_.Write("a.jsonl", "plain\n");
  dir_.Write("a.jsonl.lz4", Lz4Frame("compressed\n"));
  dir_.Write("t.jsonl", "target\n");
  dir_.Symlink("t.jsonl", "s.jsonl.lz4");
  dir_.MakeDir("d.jsonl.lz4");
  const int root = open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  auto a = OpenLogBytes(root, "a.jsonl", cache_);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->lz4_map(), nullptr);
  EXPECT_EQ(ReadAll(*a), "plain\n");
  EXPECT_EQ(OpenLogBytes(root, "s.jsonl", cache_), nullptr);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(OpenLogBytes(root, "d.jsonl", cache_), nullptr);
  EXPECT_EQ(OpenLogBytes(root, "none.jsonl", cache_), nullptr);
  close(root);
  EXPECT_TRUE(IsCompressedLogName("x.seg.lz4"));
  EXPECT_TRUE(IsCompressedLogName("x.ndjson.lz4"));
  EXPECT_FALSE(IsCompressedLogName("x.txt.lz4"));
  EXPECT_FALSE(IsCompressedLogName(".lz4"));
  EXPECT_EQ(ShownName("y.seg.lz4"), "y.seg");
}

// The lz4 CLI's own frames (-BD linked, -B4 64 KiB blocks, --content-size,
// --no-frame-crc, -BX block checksums) and its own decompression agree
// with the reader byte for byte.
TEST_F(Lz4FileTest, FramesTheLz4CommandWritesReadAsLz4DecompressesThem) {
  if (system("lz4 --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no lz4 command";
  const std::string data = LogLines(2 << 20);
  dir_.Write("plain", data);
  for (const char* flags : {"-BD -B4", "-B4 --content-size", "-BD -BX --no-frame-crc", "-B7", "-B5 -BD -BX"}) {
    const std::string cmd = "lz4 -q -f " + std::string(flags) + " " + dir_.Path("plain") + " " +
                            dir_.Path("x.jsonl.lz4") + " && lz4 -q -d -f " + dir_.Path("x.jsonl.lz4") +
                            " " + dir_.Path("decoded");
    ASSERT_EQ(system(cmd.c_str()), 0) << cmd;
    const std::string compressed = ::logdex::testing::ReadFile(dir_.Path("x.jsonl.lz4"));
    Lz4Cache small(128 << 10, Lz4Cache::kDefaultMapBytes);
    auto bytes = Open(compressed, small);
    EXPECT_FALSE(bytes->lz4_map()->damage().has_value()) << flags;
    EXPECT_TRUE(ReadAll(*bytes) == ::logdex::testing::ReadFile(dir_.Path("decoded"))) << flags;
    ExpectRandomReadsMatch(*bytes, data, 30, 12);
  }
}

}  // namespace
}  // namespace logdex::index
