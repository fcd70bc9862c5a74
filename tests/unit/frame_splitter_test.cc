// Framing (SPEC §1): a frame is a line up to and including its '\n'; blank
// lines are not frames; bytes after the last '\n' are a torn tail.
#include "index/frame_splitter.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace logdex::index {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

struct Split {
  std::vector<std::pair<uint64_t, std::string>> frames;
  size_t consumed = 0;
};

// Verb: split `buf` as if its first byte were at file offset `base`.
Split SplitAt(std::string_view buf, uint64_t base = 0) {
  Split s;
  s.consumed = SplitFrames(buf, base, [&](uint64_t off, std::string_view frame) {
    s.frames.emplace_back(off, std::string(frame));
  });
  return s;
}

TEST(FrameSplitter, EmptyBufferHasNoFrames) {
  Split s = SplitAt("");
  EXPECT_THAT(s.frames, ElementsAre());
  EXPECT_EQ(s.consumed, 0u);
}

TEST(FrameSplitter, FramesIncludeTheirNewlineAndOffsets) {
  Split s = SplitAt("{\"a\":1}\n{}\nxyz\n");
  EXPECT_THAT(s.frames,
              ElementsAre(Pair(0, "{\"a\":1}\n"), Pair(8, "{}\n"), Pair(11, "xyz\n")));
  EXPECT_EQ(s.consumed, 15u);
}

TEST(FrameSplitter, OffsetsStartAtTheBase) {
  Split s = SplitAt("a\nbc\n", 1000);
  EXPECT_THAT(s.frames, ElementsAre(Pair(1000, "a\n"), Pair(1002, "bc\n")));
  EXPECT_EQ(s.consumed, 5u);  // consumed counts bytes of buf, not file offsets
}

TEST(FrameSplitter, BlankLinesAreConsumedButAreNotFrames) {
  Split s = SplitAt("\n  \n\t\n\r\n \t\r \n{}\n\n");
  EXPECT_THAT(s.frames, ElementsAre(Pair(13, "{}\n")));
  EXPECT_EQ(s.consumed, 17u);
}

TEST(FrameSplitter, OnlyBlankLinesGiveNoFramesAndConsumeAll) {
  Split s = SplitAt("\n\n \r\n");
  EXPECT_THAT(s.frames, ElementsAre());
  EXPECT_EQ(s.consumed, 5u);
}

TEST(FrameSplitter, TornTailIsNotAFrameAndIsLeftUnconsumed) {
  Split s = SplitAt("{}\n{\"a\":", 10);
  EXPECT_THAT(s.frames, ElementsAre(Pair(10, "{}\n")));
  EXPECT_EQ(s.consumed, 3u);
}

TEST(FrameSplitter, BufferWithoutNewlineConsumesNothing) {
  Split s = SplitAt("{\"a\":1}");
  EXPECT_THAT(s.frames, ElementsAre());
  EXPECT_EQ(s.consumed, 0u);
}

TEST(FrameSplitter, BlankTailIsLeftUnconsumedToo) {
  Split s = SplitAt("{}\n  ");
  EXPECT_THAT(s.frames, ElementsAre(Pair(0, "{}\n")));
  EXPECT_EQ(s.consumed, 3u);
}

TEST(FrameSplitter, CrlfLineIsOneFrameIncludingItsCarriageReturn) {
  Split s = SplitAt("{}\r\n{\"a\":1}\r\n");
  EXPECT_THAT(s.frames, ElementsAre(Pair(0, "{}\r\n"), Pair(4, "{\"a\":1}\r\n")));
  EXPECT_EQ(s.consumed, 13u);
}

TEST(FrameSplitter, LineWithSpacesAroundTextIsAFrameAsIs) {
  Split s = SplitAt("  {} \t\n");
  EXPECT_THAT(s.frames, ElementsAre(Pair(0, "  {} \t\n")));
}

TEST(FrameSplitter, OtherWhitespaceMakesALineAFrame) {
  Split s = SplitAt("\v\n\f\n");
  EXPECT_THAT(s.frames, ElementsAre(Pair(0, "\v\n"), Pair(2, "\f\n")));
}

TEST(FrameSplitter, NulBytesAreOrdinaryFrameBytes) {
  const std::string buf("\0\n", 2);
  Split s = SplitAt(buf);
  EXPECT_THAT(s.frames, ElementsAre(Pair(0, buf)));
}

TEST(IsBlankLine, OnlySpacesTabsCarriageReturnsAndNewlinesAreBlank) {
  EXPECT_TRUE(IsBlankLine(""));
  EXPECT_TRUE(IsBlankLine("\n"));
  EXPECT_TRUE(IsBlankLine("   "));
  EXPECT_TRUE(IsBlankLine(" \t\r\n"));
  EXPECT_TRUE(IsBlankLine("\r"));
  EXPECT_TRUE(IsBlankLine("\t\t"));
}

TEST(IsBlankLine, AnyOtherByteMakesALineNonBlank) {
  EXPECT_FALSE(IsBlankLine("x"));
  EXPECT_FALSE(IsBlankLine(" x \n"));
  EXPECT_FALSE(IsBlankLine("\v\n"));
  EXPECT_FALSE(IsBlankLine("\f"));
  EXPECT_FALSE(IsBlankLine(std::string_view("\0", 1)));
  EXPECT_FALSE(IsBlankLine("\xC2\xA0"));  // U+00A0 no-break space
}

}  // namespace
}  // namespace logdex::index
