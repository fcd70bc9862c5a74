// A file's counts kept compactly: whatever a file's BuildStats holds, Get()
// gives back exactly what Set() was given, in the compact form when it fits
// and on the heap when it does not.
#include "index/file_stats.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace logdex::index {
namespace {

void ExpectSame(const BuildStats& a, const BuildStats& b) {
  EXPECT_EQ(a.log_files, b.log_files);
  EXPECT_EQ(a.frames, b.frames);
  EXPECT_EQ(a.bytes_scanned, b.bytes_scanned);
  EXPECT_EQ(a.torn_tails, b.torn_tails);
  EXPECT_EQ(a.torn_tail_bytes, b.torn_tail_bytes);
  EXPECT_EQ(a.skipped_non_utf8_names, b.skipped_non_utf8_names);
  EXPECT_EQ(a.skipped_unreadable, b.skipped_unreadable);
  EXPECT_EQ(a.skipped_source_filtered, b.skipped_source_filtered);
  EXPECT_EQ(a.skipped_lz4_damaged, b.skipped_lz4_damaged);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.errors, b.errors);
  EXPECT_EQ(a.build_seconds, b.build_seconds);
}

BuildStats OneCleanFile(int source) {
  BuildStats s;
  s.log_files = 1;
  s.frames = 5;
  s.bytes_scanned = 1234567890123ull;
  s.torn_tails = 1;
  s.torn_tail_bytes = 17;
  s.rows[source][0] = 5;
  return s;
}

TEST(FileStats, AnEmptyOneGivesZeros) { ExpectSame(FileStats().Get(), BuildStats()); }

TEST(FileStats, AFileOfOneSourceWithoutCorruptRowsIsCompactAndExact) {
  for (int source = 0; source < kSourceCount; ++source) {
    const BuildStats s = OneCleanFile(source);
    FileStats f(s);
    EXPECT_TRUE(f.compact());
    ExpectSame(f.Get(), s);
  }
}

TEST(FileStats, EveryZeroOrOneCountRoundTrips) {
  BuildStats s;
  s.skipped_non_utf8_names = 1;
  s.skipped_unreadable = 1;
  s.skipped_source_filtered = 1;
  s.skipped_lz4_damaged = 1;
  FileStats f(s);
  EXPECT_TRUE(f.compact());
  ExpectSame(f.Get(), s);
}

TEST(FileStats, CorruptRowsWithTheirErrorsAreKeptWhole) {
  BuildStats s = OneCleanFile(2);
  s.rows[2][1] = 3;
  s.errors[1] = 2;
  s.errors[kFrameErrorCount - 1] = 1;
  FileStats f(s);
  EXPECT_FALSE(f.compact());
  ExpectSame(f.Get(), s);
}

TEST(FileStats, RowsOfTwoSourcesOrCountsAboveOneAreKeptWhole) {
  BuildStats two = OneCleanFile(0);
  two.rows[3][0] = 1;
  ExpectSame(FileStats(two).Get(), two);
  EXPECT_FALSE(FileStats(two).compact());
  BuildStats many = OneCleanFile(1);
  many.log_files = 2;
  ExpectSame(FileStats(many).Get(), many);
  EXPECT_FALSE(FileStats(many).compact());
}

TEST(FileStats, CopiesAreIndependentAndSetReplacesEverything) {
  BuildStats whole = OneCleanFile(0);
  whole.errors[0] = 1;
  whole.rows[0][1] = 1;
  FileStats a(whole);
  FileStats b = a;
  b.Set(OneCleanFile(1));
  ExpectSame(a.Get(), whole);
  ExpectSame(b.Get(), OneCleanFile(1));
  EXPECT_TRUE(b.compact());
  a = b;
  ExpectSame(a.Get(), OneCleanFile(1));
}

}  // namespace
}  // namespace logdex::index
