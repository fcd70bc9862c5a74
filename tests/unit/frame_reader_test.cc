// Reading a log file's frames from an offset with bounded memory (SPEC §1):
// offsets, torn tails, giant lines streamed as `oversized`, read chunks.
#include "index/frame_reader.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "index/crc32c.h"
#include "index/json_validator.h"
#include "index/row.h"

namespace logdex::index {
namespace {

struct Seen {
  uint64_t offset;
  std::string frame;  // empty for an oversized frame
  uint64_t length;
  uint32_t crc;
  bool oversized;
};

// Records every frame it is handed. Touches the kJsonPadding bytes the
// reader promises after each frame, so a sanitizer build catches a short buffer.
class RecordingSink : public FrameSink {
 public:
  void OnFrame(uint64_t offset, std::string_view frame) override {
    volatile char last_padding = frame.data()[frame.size() + kJsonPadding - 1];
    (void)last_padding;
    seen.push_back({offset, std::string(frame), frame.size(), Crc32c(frame), false});
  }
  void OnOversizedFrame(uint64_t offset, uint64_t length, uint32_t crc32c) override {
    seen.push_back({offset, "", length, crc32c, true});
  }
  std::vector<Seen> seen;
};

class FrameReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char path[] = "/tmp/logdex-frame-reader-XXXXXX";
    fd_ = mkstemp(path);
    ASSERT_GE(fd_, 0);
    path_ = path;
    // Appends go to the end whatever the reader did with the file offset.
    ASSERT_EQ(fcntl(fd_, F_SETFL, O_APPEND), 0);
  }
  void TearDown() override {
    if (fd_ >= 0) close(fd_);
    unlink(path_.c_str());
  }

  // Verbs.
  void Write(std::string_view bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = write(fd_, bytes.data() + done, bytes.size() - done);
      ASSERT_GT(n, 0);
      done += static_cast<size_t>(n);
    }
  }
  ReadEnd ReadFrom(uint64_t start) {
    sink_.seen.clear();
    absl::StatusOr<ReadEnd> end = reader_.Read(fd_, start, &sink_);
    EXPECT_TRUE(end.ok()) << end.status();
    return end.ok() ? *end : ReadEnd{};
  }
  std::vector<std::pair<uint64_t, std::string>> Frames() const {
    std::vector<std::pair<uint64_t, std::string>> out;
    for (const Seen& s : sink_.seen) out.emplace_back(s.offset, s.frame);
    return out;
  }
  const std::vector<Seen>& seen() const { return sink_.seen; }

 private:
  int fd_ = -1;
  std::string path_;
  FrameReader reader_;
  RecordingSink sink_;
};

using FrameList = std::vector<std::pair<uint64_t, std::string>>;

TEST_F(FrameReaderTest, EmptyFileHasNoFramesAndNoTornTail) {
  ReadEnd end = ReadFrom(0);
  EXPECT_EQ(Frames(), FrameList{});
  EXPECT_EQ(end.consumed_to, 0u);
  EXPECT_EQ(end.torn_bytes, 0u);
  EXPECT_FALSE(end.torn_tail);
  EXPECT_EQ(end.bytes_read, 0u);
}

TEST_F(FrameReaderTest, FramesAreDeliveredWithTheirOffsets) {
  Write("{\"a\":1}\n{}\n\n  \n{\"b\":2}\r\n");
  ReadEnd end = ReadFrom(0);
  EXPECT_EQ(Frames(), (FrameList{{0, "{\"a\":1}\n"}, {8, "{}\n"}, {15, "{\"b\":2}\r\n"}}));
  EXPECT_EQ(end.consumed_to, 24u);
  EXPECT_EQ(end.torn_bytes, 0u);
  EXPECT_FALSE(end.torn_tail);
  EXPECT_EQ(end.bytes_read, 24u);
}

TEST_F(FrameReaderTest, ReadingFromAStartOffsetGivesFileOffsets) {
  Write("{\"a\":1}\n{}\n{\"b\":2}\n");
  ReadEnd end = ReadFrom(8);
  EXPECT_EQ(Frames(), (FrameList{{8, "{}\n"}, {11, "{\"b\":2}\n"}}));
  EXPECT_EQ(end.consumed_to, 19u);
  EXPECT_EQ(end.bytes_read, 11u);
}

TEST_F(FrameReaderTest, ReadingFromEndOfFileGivesNothing) {
  Write("{}\n");
  ReadEnd end = ReadFrom(3);
  EXPECT_EQ(Frames(), FrameList{});
  EXPECT_EQ(end.consumed_to, 3u);
  EXPECT_FALSE(end.torn_tail);
  EXPECT_EQ(end.bytes_read, 0u);
}

TEST_F(FrameReaderTest, TornTailIsReportedNotDelivered) {
  Write("{}\n{\"a\":");
  ReadEnd end = ReadFrom(0);
  EXPECT_EQ(Frames(), (FrameList{{0, "{}\n"}}));
  EXPECT_TRUE(end.torn_tail);
  EXPECT_EQ(end.torn_bytes, 5u);
  EXPECT_EQ(end.consumed_to, 3u);
  EXPECT_EQ(end.bytes_read, 8u);
}

TEST_F(FrameReaderTest, FileWithoutAnyNewlineIsAllTornTail) {
  Write("{\"a\":1}");
  ReadEnd end = ReadFrom(0);
  EXPECT_EQ(Frames(), FrameList{});
  EXPECT_TRUE(end.torn_tail);
  EXPECT_EQ(end.torn_bytes, 7u);
  EXPECT_EQ(end.consumed_to, 0u);
}

TEST_F(FrameReaderTest, TornTailBecomesAFrameWhenItsNewlineArrives) {
  Write("{}\n{\"a\":");
  ReadEnd first = ReadFrom(0);
  ASSERT_TRUE(first.torn_tail);
  Write("1}\n");
  ReadEnd second = ReadFrom(first.consumed_to);
  EXPECT_EQ(Frames(), (FrameList{{3, "{\"a\":1}\n"}}));
  EXPECT_FALSE(second.torn_tail);
  EXPECT_EQ(second.consumed_to, 11u);
}

TEST_F(FrameReaderTest, BlankTrailingPartialLineIsNotATornTail) {
  Write("{}\n \t\r");
  ReadEnd end = ReadFrom(0);
  EXPECT_EQ(Frames(), (FrameList{{0, "{}\n"}}));
  EXPECT_FALSE(end.torn_tail);
  EXPECT_EQ(end.torn_bytes, 3u);
  EXPECT_EQ(end.consumed_to, 3u);
}

// Content of the file does not matter to the reader: binary bytes are frames too.
TEST_F(FrameReaderTest, BinaryBytesAreFramedLikeAnyOthers) {
  const std::string bytes("\0\xff\n\x01\n", 5);
  Write(bytes);
  ReadFrom(0);
  EXPECT_EQ(Frames(), (FrameList{{0, std::string("\0\xff\n", 3)}, {3, "\x01\n"}}));
}

// A simple reference split, independent of the library's splitter.
FrameList ReferenceSplit(std::string_view data) {
  FrameList out;
  size_t start = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] != '\n') continue;
    std::string_view line = data.substr(start, i + 1 - start);
    if (line.find_first_not_of(" \t\r\n") != std::string_view::npos) {
      out.emplace_back(start, std::string(line));
    }
    start = i + 1;
  }
  return out;
}

TEST_F(FrameReaderTest, LinesSpanningReadChunksArriveWhole) {
  // ~6 MB of lines of lengths from 1 byte to ~300 KB, so that lines cross any
  // read-chunk boundary the reader might use, ending in a torn tail.
  std::string data;
  uint32_t x = 7;
  size_t i = 0;
  while (data.size() < 6 * 1024 * 1024) {
    x = x * 1103515245u + 12345u;
    size_t len = (i % 17 == 0) ? (x >> 8) % 300000 : (x >> 8) % 200;
    if (i % 23 == 0) {
      data += " \t\r\n";  // a blank line now and then
    } else {
      std::string line = "{\"i\":" + std::to_string(i) + ",\"p\":\"";
      line.append(len, static_cast<char>('a' + i % 26));
      line += "\"}\n";
      data += line;
    }
    ++i;
  }
  data += "{\"torn\":";
  Write(data);
  ReadEnd end = ReadFrom(0);
  const FrameList want = ReferenceSplit(data);
  ASSERT_EQ(Frames().size(), want.size());
  EXPECT_TRUE(Frames() == want);  // not EXPECT_EQ: a diff of 6 MB helps nobody
  EXPECT_TRUE(end.torn_tail);
  EXPECT_EQ(end.torn_bytes, 8u);
  EXPECT_EQ(end.consumed_to, data.size() - 8);
  EXPECT_EQ(end.bytes_read, data.size());
}

// One line of kMaxFrameBytes + 5 bytes ('\n' included), built once.
const std::string& GiantLine() {
  static const std::string* line = [] {
    auto* s = new std::string(kMaxFrameBytes + 5, 'x');
    (*s)[0] = '{';
    for (size_t i = 1; i + 1 < s->size(); i += 4096) (*s)[i] = static_cast<char>('a' + i % 26);
    s->back() = '\n';
    return s;
  }();
  return *line;
}

// Slowish (~200 MB of I/O and CRC) but the only check that giant lines stream.
TEST_F(FrameReaderTest, LineLongerThanMaxFrameIsReportedOversizedAndItsNeighboursArrive) {
  const std::string& giant = GiantLine();
  const uint32_t giant_crc = Crc32c(giant);
  Write("{\"before\":1}\n");
  Write(giant);
  Write("{\"after\":2}\n{\"tail\"");
  ReadEnd end = ReadFrom(0);
  ASSERT_EQ(seen().size(), 3u);
  EXPECT_EQ(seen()[0].offset, 0u);
  EXPECT_EQ(seen()[0].frame, "{\"before\":1}\n");
  EXPECT_FALSE(seen()[0].oversized);
  EXPECT_TRUE(seen()[1].oversized);
  EXPECT_EQ(seen()[1].offset, 13u);
  EXPECT_EQ(seen()[1].length, kMaxFrameBytes + 5);
  EXPECT_EQ(seen()[1].crc, giant_crc);
  EXPECT_FALSE(seen()[2].oversized);
  EXPECT_EQ(seen()[2].offset, 13u + kMaxFrameBytes + 5);
  EXPECT_EQ(seen()[2].frame, "{\"after\":2}\n");
  EXPECT_TRUE(end.torn_tail);
  EXPECT_EQ(end.torn_bytes, 7u);
  EXPECT_EQ(end.consumed_to, 13u + kMaxFrameBytes + 5 + 12);
}

TEST_F(FrameReaderTest, LineOfExactlyMaxFrameBytesIsAnOrdinaryFrame) {
  std::string line(GiantLine(), 0, kMaxFrameBytes);
  line.back() = '\n';
  Write("{}\n");
  Write(line);
  Write("{}\n");
  ReadFrom(0);
  ASSERT_EQ(seen().size(), 3u);
  EXPECT_FALSE(seen()[1].oversized);
  EXPECT_EQ(seen()[1].offset, 3u);
  EXPECT_EQ(seen()[1].length, kMaxFrameBytes);
  EXPECT_TRUE(seen()[1].frame == line);
  EXPECT_EQ(seen()[2].offset, 3u + kMaxFrameBytes);
}

TEST_F(FrameReaderTest, ReadFailureIsAnError) {
  FrameReader reader;
  RecordingSink sink;
  const int fd = open("/", O_RDONLY | O_DIRECTORY);  // read(2) fails with EISDIR
  ASSERT_GE(fd, 0);
  EXPECT_FALSE(reader.Read(fd, 0, &sink).ok());
  close(fd);
}

}  // namespace
}  // namespace logdex::index
