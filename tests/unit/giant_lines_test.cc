// Giant lines (SPEC §1): a frame of exactly 104,857,600 bytes (100 MiB,
// counting its '\n') is an ordinary frame; one byte more is `oversized`; so
// are 150 MiB and 512 MiB. The files are generated at run time, in pieces, so
// the test process never holds one either.
//
// Memory: each scan runs in a forked child that resets its RSS high-water mark
// (/proc/self/clear_refs "5") and reports how far VmHWM rose over the scan.
// A frame within the limit may be held once (it must be validated); an
// oversized one never. A scan that holds a frame twice, or grows a doubling
// buffer to it, rises by 2x the frame or more.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "index/canonical_writer.h"
#include "index/crc32c.h"
#include "index/frame_reader.h"
#include "index/live_index.h"
#include "index/log_bytes.h"
#include "index/row.h"
#include "tests/unit/index_text.h"
#include "tests/unit/temp_dir.h"

namespace logdex::index {
namespace {

using ::logdex::testing::CanonicalIndex;
using ::logdex::testing::SortedCanonically;
using ::logdex::testing::TempDir;

constexpr uint64_t kMiB = uint64_t{1} << 20;

// Under a sanitizer the allocator's shadow and quarantine make RSS say
// nothing about the scan's buffers: the rows are still checked, the memory
// bounds are not.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// Peak RSS rise bound, in KiB, unless sanitized.
void ExpectRiseBelow(uint64_t rise_kib, uint64_t bound_bytes) {
  if (kSanitized) return;
  EXPECT_LT(rise_kib, bound_bytes / 1024) << "KiB of peak RSS rise";
}

std::string Hex8(uint32_t crc) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08X", crc);
  return buf;
}

// Appends to a file in pieces, keeping the CRC-32C and length of the line
// being written so a test can state its row without holding it.
class LineWriter {
 public:
  explicit LineWriter(const std::string& path) {
    fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    EXPECT_GE(fd_, 0) << path;
  }
  ~LineWriter() { close(fd_); }

  void Put(std::string_view bytes) {
    crc_ = Crc32cExtend(crc_, bytes.data(), bytes.size());
    len_ += bytes.size();
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = write(fd_, bytes.data() + done, bytes.size() - done);
      ASSERT_GT(n, 0);
      done += static_cast<size_t>(n);
    }
  }
  // `n` bytes of `c`, in pieces of at most 4 MiB.
  void Fill(char c, uint64_t n) {
    const std::string piece(static_cast<size_t>(std::min(n, 4 * kMiB)), c);
    while (n > 0) {
      const uint64_t k = std::min<uint64_t>(n, piece.size());
      Put(std::string_view(piece.data(), static_cast<size_t>(k)));
      n -= k;
    }
  }
  // Starts a new line: the offset, length and CRC of the last one are kept.
  void EndLine() {
    offset_ += len_;
    last_len_ = len_;
    last_crc_ = crc_;
    len_ = 0;
    crc_ = 0;
  }
  uint64_t last_offset() const { return offset_ - last_len_; }
  uint64_t last_len() const { return last_len_; }
  uint32_t last_crc() const { return last_crc_; }

 private:
  int fd_ = -1;
  uint64_t offset_ = 0;
  uint64_t len_ = 0;
  uint32_t crc_ = 0;
  uint64_t last_len_ = 0;
  uint32_t last_crc_ = 0;
};

// Writes a JSON object line of exactly `total` bytes counting its '\n':
// {"type":"big","pad":"xxx…"}\n
void PutObjectLine(LineWriter& w, uint64_t total) {
  const std::string head = R"({"type":"big","pad":")";
  const std::string tail = "\"}\n";
  w.Put(head);
  w.Fill('x', total - head.size() - tail.size());
  w.Put(tail);
  w.EndLine();
}

std::string Row(std::string_view file, uint64_t offset, uint64_t length, uint32_t crc,
                std::string_view tail) {
  return "{\"file\":\"" + std::string(file) + "\",\"byteOffset\":" + std::to_string(offset) +
         ",\"byteLength\":" + std::to_string(length) + ",\"crc32c\":\"" + Hex8(crc) + "\"," +
         std::string(tail) + "\n";
}

constexpr std::string_view kBig = R"("source":"jsonl","state":"active","entryType":"big"})";
constexpr std::string_view kOversized = R"("source":"jsonl","state":"corrupt","error":"oversized"})";
constexpr std::string_view kSmall = R"("source":"jsonl","state":"active","entryType":"small"})";
const std::string kSmallLine = "{\"type\":\"small\"}\n";

uint64_t StatusKiB(std::string_view field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field)) return std::strtoull(line.c_str() + field.size(), nullptr, 10);
  }
  return 0;
}

struct Measured {
  std::string index;      // what `logdex index` prints for the dir
  uint64_t rise_kib = 0;  // how far the RSS high-water mark rose over the scan
};

std::string ReadAll(const std::string& path) {
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  return text.str();
}

// Builds the canonical index of `dir` in a forked child and measures it.
Measured IndexInChild(const std::string& dir) {
  TempDir out;
  const std::string index_path = out.Path("index"), rise_path = out.Path("rise");
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(index_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    {
      std::ofstream clear("/proc/self/clear_refs");
      clear << "5";  // VmHWM := VmRSS
    }
    const uint64_t before = StatusKiB("VmHWM:");
    const absl::StatusOr<BuildStats> st = WriteCanonicalIndex(dir, {}, fd);
    const uint64_t after = StatusKiB("VmHWM:");
    std::ofstream(rise_path) << (after - before);
    _exit(st.ok() && fd >= 0 ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  Measured m;
  m.index = ReadAll(index_path);
  m.rise_kib = std::strtoull(ReadAll(rise_path).c_str(), nullptr, 10);
  return m;
}

class GiantLinesTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(GiantLinesTest, FrameOfExactly100MiBIsActiveAndHeldOnlyOnce) {
  LineWriter w(dir_.Path("a.jsonl"));
  w.Put(kSmallLine);
  w.EndLine();
  PutObjectLine(w, kMaxFrameBytes);
  const uint64_t off = w.last_offset();
  const uint32_t crc = w.last_crc();
  w.Put(kSmallLine);
  w.EndLine();
  const Measured m = IndexInChild(dir_.path());
  EXPECT_EQ(m.index, Row("a.jsonl", 0, kSmallLine.size(), Crc32c(kSmallLine), kSmall) +
                         Row("a.jsonl", off, kMaxFrameBytes, crc, kBig) +
                         Row("a.jsonl", off + kMaxFrameBytes, kSmallLine.size(),
                             Crc32c(kSmallLine), kSmall));
  // Once: 100 MiB, plus the split buffer and slack; never twice.
  ExpectRiseBelow(m.rise_kib, kMaxFrameBytes + 40 * kMiB);
  RecordProperty("rss_rise_kib", static_cast<int>(m.rise_kib));
}

TEST_F(GiantLinesTest, OneByteMoreIsOversizedAndNeverHeld) {
  LineWriter w(dir_.Path("a.jsonl"));
  PutObjectLine(w, kMaxFrameBytes + 1);
  const uint32_t crc = w.last_crc();
  w.Put(kSmallLine);
  w.EndLine();
  const Measured m = IndexInChild(dir_.path());
  EXPECT_EQ(m.index, Row("a.jsonl", 0, kMaxFrameBytes + 1, crc, kOversized) +
                         Row("a.jsonl", kMaxFrameBytes + 1, kSmallLine.size(),
                             Crc32c(kSmallLine), kSmall));
  ExpectRiseBelow(m.rise_kib, 40 * kMiB);
  RecordProperty("rss_rise_kib", static_cast<int>(m.rise_kib));
}

TEST_F(GiantLinesTest, LinesOf150And512MiBAreOversizedInBoundedMemory) {
  LineWriter w(dir_.Path("a.jsonl"));
  PutObjectLine(w, 150 * kMiB);
  const uint32_t crc150 = w.last_crc();
  w.Fill('\0', 512 * kMiB - 7);  // not JSON at all, and no '\n' for 512 MiB
  w.Put("\x01\x02\x03\x04\x05\x06\n");
  w.EndLine();
  const uint32_t crc512 = w.last_crc();
  w.Put(kSmallLine);
  w.EndLine();
  const Measured m = IndexInChild(dir_.path());
  EXPECT_EQ(m.index, Row("a.jsonl", 0, 150 * kMiB, crc150, kOversized) +
                         Row("a.jsonl", 150 * kMiB, 512 * kMiB, crc512, kOversized) +
                         Row("a.jsonl", 662 * kMiB, kSmallLine.size(), Crc32c(kSmallLine), kSmall));
  ExpectRiseBelow(m.rise_kib, 40 * kMiB);
  RecordProperty("rss_rise_kib", static_cast<int>(m.rise_kib));
}

TEST_F(GiantLinesTest, LongLinesAroundTheHoldBoundAreActiveWithTheirFields) {
  LineWriter w(dir_.Path("a.jsonl"));
  std::string expected;
  for (uint64_t len : {kHoldBytes - 1, kHoldBytes, kHoldBytes + 1, kHoldBytes + kMiB + 3, 3 * kHoldBytes}) {
    PutObjectLine(w, len);
    expected += Row("a.jsonl", w.last_offset(), len, w.last_crc(), kBig);
  }
  const Measured m = IndexInChild(dir_.path());
  EXPECT_EQ(m.index, expected);
}

TEST_F(GiantLinesTest, LongBlankLinesAndALongInvalidLineWithinTheLimit) {
  LineWriter w(dir_.Path("a.jsonl"));
  w.Fill(' ', 20 * kMiB);  // blank: no row, however long
  w.Put("\r\n");
  w.EndLine();
  w.Fill('[', 20 * kMiB);  // 20 MiB deep: invalid, judged without recursion or simdjson's tape
  w.Put("\n");
  w.EndLine();
  const uint64_t off = w.last_offset();
  const uint32_t crc = w.last_crc();
  w.Fill('\t', 12 * kMiB);  // a blank torn tail is not a torn tail
  const Measured m = IndexInChild(dir_.path());
  EXPECT_EQ(m.index, Row("a.jsonl", off, 20 * kMiB + 1, crc,
                         R"("source":"jsonl","state":"corrupt","error":"json"})"));
  FILE* f = tmpfile();
  const absl::StatusOr<BuildStats> st = WriteCanonicalIndex(dir_.path(), {}, fileno(f));
  fclose(f);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->torn_tails, 0u);
  // The invalid line was read twice (streamed, then at its size); counted once.
  EXPECT_EQ(st->bytes_scanned, (20 * kMiB + 2) + (20 * kMiB + 1) + 12 * kMiB);
}

// The live index (the daemon's incremental scan): a giant line arriving in
// pieces, refreshed after each, is one row when its '\n' arrives; before that
// it is a torn tail; the frames after it index right.
TEST_F(GiantLinesTest, GiantLineAppendedInPiecesBecomesOneRowInTheLiveIndex) {
  const std::string path = dir_.Path("live.jsonl");
  LineWriter w(path);
  w.Put(kSmallLine);
  w.EndLine();
  LiveIndex live(dir_.path(), ScanOptions());
  ASSERT_TRUE(live.Build().ok());
  auto index_text = [&] {
    std::string text;
    live.Read(0, live.Size(), &text);
    return text;
  };
  // A 20 MiB valid frame (held once, re-read at its size), then a 120 MiB one.
  std::string expected = Row("live.jsonl", 0, kSmallLine.size(), Crc32c(kSmallLine), kSmall);
  for (const uint64_t total : {20 * kMiB, 120 * kMiB}) {
    const std::string head = R"({"type":"big","pad":")";
    w.Put(head);
    for (uint64_t left = total - head.size() - 3; left > 0;) {
      const uint64_t k = std::min(left, 7 * kMiB);
      w.Fill('x', k);
      left -= k;
      live.Refresh();
      EXPECT_EQ(live.Stats().torn_tails, 1u);
    }
    w.Put("\"}\n");
    w.EndLine();
    live.Refresh();
    EXPECT_EQ(live.Stats().torn_tails, 0u);
    expected += Row("live.jsonl", w.last_offset(), total, w.last_crc(),
                    total > kMaxFrameBytes ? kOversized : kBig);
  }
  w.Put(kSmallLine);
  w.EndLine();
  live.Refresh();
  expected += Row("live.jsonl", w.last_offset(), kSmallLine.size(), Crc32c(kSmallLine), kSmall);
  EXPECT_EQ(index_text(), expected);
  EXPECT_EQ(CanonicalIndex(dir_.path()), expected);
}

// Bytes in memory whose content can change between reads: the log of a
// writer that rewrites a file while it is being scanned.
class ChangingBytes : public LogBytes {
 public:
  explicit ChangingBytes(std::string bytes) : bytes_(std::move(bytes)) {}
  // Called before each Pread with the offset it reads at.
  std::function<void(uint64_t, std::string&)> before_read;

  ssize_t Pread(char* dst, size_t n, uint64_t offset) override {
    if (before_read) before_read(offset, bytes_);
    if (offset >= bytes_.size()) return 0;
    const size_t k = std::min<size_t>(n, bytes_.size() - offset);
    std::memcpy(dst, bytes_.data() + offset, k);
    bytes_read_ += k;
    return static_cast<ssize_t>(k);
  }
  LogStat Stat() override { return {true, 1, bytes_.size(), 0}; }
  int fd() const override { return -1; }

  std::string& bytes() { return bytes_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  std::string bytes_;
  uint64_t bytes_read_ = 0;
};

struct Frames : FrameSink {
  void OnFrame(uint64_t offset, std::string_view frame) override {
    seen.push_back({offset, frame.size()});
    crcs.push_back(Crc32c(frame));
  }
  void OnOversizedFrame(uint64_t offset, uint64_t length, uint32_t crc) override {
    seen.push_back({offset, length});
    crcs.push_back(crc);
  }
  std::vector<std::pair<uint64_t, uint64_t>> seen;
  std::vector<uint32_t> crcs;
};

// A line within the limit but past kHoldBytes is read twice (streamed, then
// at its exact size). If its bytes differ the second time, no row is made
// from either read: the read ends before the line, as if it had not ended.
TEST_F(GiantLinesTest, LongLineRewrittenBetweenItsTwoReadsEndsTheReadBeforeIt) {
  const std::string small = kSmallLine;
  const std::string long_line = "{\"pad\":\"" + std::string(kHoldBytes + kMiB, 'x') + "\"}\n";
  ChangingBytes bytes(small + long_line + small);
  int reads_at_line = 0;
  bytes.before_read = [&](uint64_t offset, std::string& b) {
    // Streaming reads the line in chunks that start elsewhere; the
    // exact-size re-read starts at the line.
    if (offset == small.size() && ++reads_at_line == 1) b[small.size() + 100] = 'y';
  };
  FrameReader reader;
  Frames sink;
  const absl::StatusOr<ReadEnd> end = reader.Read(bytes, 0, &sink);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(reads_at_line, 1);
  EXPECT_EQ(sink.seen, (std::vector<std::pair<uint64_t, uint64_t>>{{0, small.size()}}));
  EXPECT_EQ(end->consumed_to, small.size());
  EXPECT_FALSE(end->torn_tail);

  // Read again with nothing changing: the line and what follows arrive.
  bytes.before_read = nullptr;
  Frames again;
  const absl::StatusOr<ReadEnd> end2 = reader.Read(bytes, end->consumed_to, &again);
  ASSERT_TRUE(end2.ok());
  EXPECT_EQ(again.seen, (std::vector<std::pair<uint64_t, uint64_t>>{
                            {small.size(), long_line.size()},
                            {small.size() + long_line.size(), small.size()}}));
}

// A long line arriving in pieces, read after each piece from where the last
// read stopped (as the live index does): each read resumes the streaming
// instead of reading the line from its start again, so the bytes read stay
// proportional to the line, not to its square. The line's row is the same.
TEST_F(GiantLinesTest, UnfinishedLongLineIsNotReadFromItsStartAgainByEachLaterRead) {
  for (const uint64_t total : {30 * kMiB, kMaxFrameBytes + kMiB}) {
    SCOPED_TRACE(total);
    ChangingBytes bytes(kSmallLine);
    FrameReader reader;
    uint64_t from = 0;
    Frames all;
    const std::string piece(kMiB, 'x');
    bytes.bytes() += "{\"pad\":\"";
    while (bytes.bytes().size() + piece.size() + 3 < kSmallLine.size() + total) {
      bytes.bytes() += piece;
      Frames sink;
      const absl::StatusOr<ReadEnd> end = reader.Read(bytes, from, &sink);
      ASSERT_TRUE(end.ok());
      all.seen.insert(all.seen.end(), sink.seen.begin(), sink.seen.end());
      from = end->consumed_to;
    }
    bytes.bytes() += std::string(kSmallLine.size() + total - bytes.bytes().size() - 3, 'x') + "\"}\n";
    Frames sink;
    ASSERT_TRUE(reader.Read(bytes, from, &sink).ok());
    all.seen.insert(all.seen.end(), sink.seen.begin(), sink.seen.end());
    EXPECT_EQ(all.seen, (std::vector<std::pair<uint64_t, uint64_t>>{{0, kSmallLine.size()},
                                                                  {kSmallLine.size(), total}}));
    // Streamed once, plus one check of it (the exact-size re-read, or the
    // resumed part read again for an oversized line); read from the start
    // each time it would be ~total^2 / 2 MiB.
    EXPECT_LT(bytes.bytes_read(), 2 * total + 4 * kHoldBytes);
  }
}

TEST_F(GiantLinesTest, OversizedLineRewrittenWhileUnfinishedGetsTheCrcOfItsBytesNow) {
  ChangingBytes bytes(kSmallLine + "{\"pad\":\"" + std::string(kMaxFrameBytes / 2, 'x'));
  FrameReader reader;
  Frames first;
  const absl::StatusOr<ReadEnd> end = reader.Read(bytes, 0, &first);
  ASSERT_TRUE(end.ok());
  ASSERT_EQ(end->torn_bytes, kMaxFrameBytes / 2 + 8);
  // Rewritten in place behind the reader's back, then finished.
  bytes.bytes()[kSmallLine.size() + 100] = 'y';
  bytes.bytes() += std::string(kMaxFrameBytes / 2, 'x') + "\"}\n";
  const std::string_view line = std::string_view(bytes.bytes()).substr(kSmallLine.size());
  Frames sink;
  absl::StatusOr<ReadEnd> end2 = reader.Read(bytes, end->consumed_to, &sink);
  ASSERT_TRUE(end2.ok());
  if (sink.seen.empty()) {  // the check found the change: the next read starts afresh
    end2 = reader.Read(bytes, end2->consumed_to, &sink);
    ASSERT_TRUE(end2.ok());
  }
  ASSERT_EQ(sink.seen.size(), 1u);
  EXPECT_EQ(sink.seen[0], (std::pair<uint64_t, uint64_t>{kSmallLine.size(), line.size()}));
  EXPECT_EQ(sink.crcs[0], Crc32c(line));
}

}  // namespace
}  // namespace logdex::index
