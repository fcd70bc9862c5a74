// The compact frame list behind session views: what goes in comes out, from
// any frame or any byte, in about 8 bytes a frame.
#include "index/frame_list.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace logdex::index {
namespace {

std::vector<FrameLocation> SomeFrames(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<FrameLocation> out;
  uint64_t end[4] = {};
  for (size_t i = 0; i < n; ++i) {
    const uint32_t file = rng() % 4 == 0 ? rng() % 4 : (out.empty() ? 0 : out.back().file);
    const uint64_t gap = rng() % 3 == 0 ? rng() % 500 : 0;
    const uint64_t length = 1 + rng() % 3000;
    out.push_back(FrameLocation{file, end[file] + gap, length, static_cast<uint32_t>(rng())});
    end[file] += gap + length;
  }
  return out;
}

std::vector<FrameList::Placed> All(FrameList::Cursor c) {
  std::vector<FrameList::Placed> out;
  FrameList::Placed p;
  while (c.Next(&p)) out.push_back(p);
  return out;
}

TEST(FrameListTest, FramesComeBackInOrderWithTheirViewOffsets) {
  const std::vector<FrameLocation> frames = SomeFrames(1000, 1);
  FrameList list;
  for (const FrameLocation& f : frames) list.Append(f);
  const std::vector<FrameList::Placed> got = All(list.FromIndex(0));
  ASSERT_EQ(got.size(), frames.size());
  uint64_t start = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(got[i].frame, frames[i]) << i;
    EXPECT_EQ(got[i].start, start) << i;
    start += frames[i].length;
  }
  EXPECT_EQ(list.size(), start);
  EXPECT_EQ(list.count(), frames.size());
}

TEST(FrameListTest, ACursorStartsAtAnyFrameOrAtTheFrameHoldingAnyByte) {
  const std::vector<FrameLocation> frames = SomeFrames(300, 2);
  FrameList list;
  for (const FrameLocation& f : frames) list.Append(f);
  const std::vector<FrameList::Placed> all = All(list.FromIndex(0));
  for (size_t i = 0; i < all.size(); ++i) {
    FrameList::Placed p;
    FrameList::Cursor by_index = list.FromIndex(i);
    ASSERT_TRUE(by_index.Next(&p));
    EXPECT_EQ(p.start, all[i].start);
    for (uint64_t at : {all[i].start, all[i].start + all[i].frame.length - 1}) {
      FrameList::Cursor by_offset = list.FromOffset(at);
      ASSERT_TRUE(by_offset.Next(&p));
      EXPECT_EQ(p.start, all[i].start) << "byte " << at;
    }
  }
  FrameList::Placed p;
  EXPECT_FALSE(list.FromOffset(list.size()).Next(&p));
  EXPECT_FALSE(list.FromIndex(all.size()).Next(&p));
}

TEST(FrameListTest, AListStartsWithExactlyItsOwnPrefixes) {
  const std::vector<FrameLocation> frames = SomeFrames(200, 3);
  FrameList whole, prefix, other;
  for (size_t i = 0; i < frames.size(); ++i) {
    whole.Append(frames[i]);
    if (i < 150) prefix.Append(frames[i]);
    FrameLocation changed = frames[i];
    if (i == 149) changed.crc32c ^= 1;
    if (i < 150) other.Append(changed);
  }
  EXPECT_TRUE(whole.StartsWith(prefix));
  EXPECT_TRUE(whole.StartsWith(FrameList()));
  EXPECT_FALSE(whole.StartsWith(other));
  EXPECT_FALSE(prefix.StartsWith(whole));
}

TEST(FrameListTest, FramesReadInOrderCostAboutEightBytesEach) {
  FrameList list;
  uint64_t end = 0;
  for (int i = 0; i < 100000; ++i) {
    list.Append(FrameLocation{7, end, 1500, 0xDEADBEEF});
    end += 1500;
  }
  list.ShrinkToFit();
  EXPECT_LE(list.memory_bytes(), 100000u * 9);
}

}  // namespace
}  // namespace logdex::index
