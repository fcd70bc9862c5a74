// One log line per distinct problem: the dedupe memory (fs/log_dedupe.h).
#include "fs/log_dedupe.h"

#include "gtest/gtest.h"

namespace logdex::fs {
namespace {

TEST(LogDedupeTest, AKeyIsNewOnlyTheFirstTime) {
  LogDedupe d;
  EXPECT_TRUE(d.FirstTime("a"));
  EXPECT_FALSE(d.FirstTime("a"));
  EXPECT_FALSE(d.FirstTime("a"));
  EXPECT_TRUE(d.FirstTime("b"));
  EXPECT_EQ(d.suppressed(), 2u);
}

TEST(LogDedupeTest, AForgottenKeyIsNewAgain) {
  LogDedupe d;
  EXPECT_TRUE(d.FirstTime("warning"));
  d.Forget("warning");
  EXPECT_TRUE(d.FirstTime("warning"));
}

TEST(LogDedupeTest, MemoryIsBoundedByForgettingTheOldestKey) {
  LogDedupe d(3);
  for (const char* k : {"a", "b", "c", "d"}) EXPECT_TRUE(d.FirstTime(k));
  EXPECT_EQ(d.size(), 3u);
  EXPECT_FALSE(d.FirstTime("d"));
  EXPECT_FALSE(d.FirstTime("b"));
  EXPECT_TRUE(d.FirstTime("a"));  // the oldest went first
}

TEST(LogDedupeTest, KeysComingAndGoingDoNotGrowMemory) {
  LogDedupe d(4);
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(d.FirstTime("k"));
    d.Forget("k");
  }
  EXPECT_LE(d.size(), 4u);
}

TEST(LogDedupeTest, ProblemKeysOfDifferentPartsNeverCollide) {
  EXPECT_NE(ProblemKey("corrupt_frames", "a", "12"), ProblemKey("corrupt_frames", "a1", "2"));
  EXPECT_NE(ProblemKey("corrupt_frames", "a", ""), ProblemKey("unreadable", "a", ""));
}

}  // namespace
}  // namespace logdex::fs
