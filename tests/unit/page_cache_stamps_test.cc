// PageCacheStamps (fs/page_cache_stamps.h): a backing file's pages are kept
// at an open only when the file is the same as at the previous read-only
// open, and was not changed just before it.
#include "fs/page_cache_stamps.h"

#include <sys/stat.h>
#include <time.h>

#include <cstring>

#include "gtest/gtest.h"

namespace logdex::fs {
namespace {

constexpr NodeId kNode = 7;

struct timespec At(time_t sec) { return timespec{sec, 0}; }

// A file last changed at `changed` (mtime and ctime), of `size` bytes.
struct stat File(time_t changed, off_t size = 100) {
  struct stat st;
  std::memset(&st, 0, sizeof(st));
  st.st_dev = 1;
  st.st_ino = 42;
  st.st_size = size;
  st.st_mtim = At(changed);
  st.st_ctim = At(changed);
  return st;
}

TEST(PageCacheStamps, TheFirstOpenOfANodeKeepsNothing) {
  PageCacheStamps stamps;
  EXPECT_FALSE(stamps.KeepAtOpen(kNode, File(1000), At(2000)));
}

TEST(PageCacheStamps, AnUnchangedOldFileKeepsItsPagesAtTheNextOpen) {
  PageCacheStamps stamps;
  ASSERT_FALSE(stamps.KeepAtOpen(kNode, File(1000), At(2000)));
  EXPECT_TRUE(stamps.KeepAtOpen(kNode, File(1000), At(2001)));
  EXPECT_TRUE(stamps.KeepAtOpen(kNode, File(1000), At(2002)));
}

TEST(PageCacheStamps, AFileChangedJustBeforeTheOpenIsNeverTrusted) {
  PageCacheStamps stamps;
  // Changed at 2000, opened at 2001: a rewrite within the same tick would
  // leave the same times.
  ASSERT_FALSE(stamps.KeepAtOpen(kNode, File(2000), At(2001)));
  EXPECT_FALSE(stamps.KeepAtOpen(kNode, File(2000), At(2001)));
  // Recorded once it is old enough, then trusted at the open after.
  ASSERT_FALSE(stamps.KeepAtOpen(kNode, File(2000), At(2000 + PageCacheStamps::kRacySeconds + 1)));
  EXPECT_TRUE(stamps.KeepAtOpen(kNode, File(2000), At(2010)));
}

TEST(PageCacheStamps, AnyChangeOfSizeTimesOrIdentityDropsThePages) {
  PageCacheStamps stamps;
  ASSERT_FALSE(stamps.KeepAtOpen(kNode, File(1000), At(2000)));
  EXPECT_FALSE(stamps.KeepAtOpen(kNode, File(1000, 101), At(2001)));  // grew
  ASSERT_TRUE(stamps.KeepAtOpen(kNode, File(1000, 101), At(2002)));

  struct stat touched = File(1000, 101);
  touched.st_ctim.tv_nsec = 1;  // same mtime, ctime moved (utimens set mtime back)
  EXPECT_FALSE(stamps.KeepAtOpen(kNode, touched, At(2003)));

  struct stat replaced = touched;
  replaced.st_ino = 43;  // another file renamed over it
  EXPECT_FALSE(stamps.KeepAtOpen(kNode, replaced, At(2004)));
}

TEST(PageCacheStamps, ADroppedNodeKeepsNothingAtItsNextOpen) {
  PageCacheStamps stamps;
  ASSERT_FALSE(stamps.KeepAtOpen(kNode, File(1000), At(2000)));
  stamps.Drop(kNode);
  EXPECT_EQ(stamps.size(), 0u);
  EXPECT_FALSE(stamps.KeepAtOpen(kNode, File(1000), At(2001)));
  EXPECT_TRUE(stamps.KeepAtOpen(kNode, File(1000), At(2002)));
}

}  // namespace
}  // namespace logdex::fs
