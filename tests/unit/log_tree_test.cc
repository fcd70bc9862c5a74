// Which files of a log dir are log files, in canonical order (SPEC §1, §4).
#include "index/log_tree.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "temp_dir.h"

namespace logdex::index {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class LogTreeTest : public ::testing::Test {
 protected:
  // Verbs: Write a file, MakeDir, Symlink (via dir_), List the tree.
  void Write(std::string_view rel, std::string_view contents = "{}\n") { dir_.Write(rel, contents); }

  std::vector<std::string> List() {
    absl::StatusOr<LogTree> tree = ListLogFiles(dir_.path());
    EXPECT_TRUE(tree.ok()) << tree.status();
    if (!tree.ok()) return {};
    tree_ = *tree;
    std::vector<std::string> paths;
    for (const LogFile& f : tree_.files) paths.push_back(f.rel_path);
    return paths;
  }

  logdex::testing::TempDir dir_;
  LogTree tree_;
};

TEST(IsLogFileName, JsonlNdjsonAndSegAreLogFileNames) {
  EXPECT_TRUE(IsLogFileName("a.jsonl"));
  EXPECT_TRUE(IsLogFileName("a.ndjson"));
  EXPECT_TRUE(IsLogFileName("0000000000000001.seg"));
  EXPECT_TRUE(IsLogFileName(".jsonl"));
  EXPECT_TRUE(IsLogFileName("x.y.jsonl"));
}

TEST(IsLogFileName, OtherNamesAreNot) {
  EXPECT_FALSE(IsLogFileName("a.json"));
  EXPECT_FALSE(IsLogFileName("a.txt"));
  EXPECT_FALSE(IsLogFileName("a.jsonl.bak"));
  EXPECT_FALSE(IsLogFileName("a.JSONL"));
  EXPECT_FALSE(IsLogFileName("jsonl"));
  EXPECT_FALSE(IsLogFileName("a_jsonl"));
  EXPECT_FALSE(IsLogFileName("a.segment"));
  EXPECT_FALSE(IsLogFileName(""));
}

TEST_F(LogTreeTest, EmptyDirHasNoLogFiles) {
  EXPECT_THAT(List(), IsEmpty());
  EXPECT_EQ(tree_.non_utf8_paths, 0u);
  EXPECT_EQ(tree_.unreadable_dirs, 0u);
}

TEST_F(LogTreeTest, OnlyJsonlNdjsonAndSegFilesAreListed) {
  Write("a.jsonl");
  Write("b.ndjson");
  Write("c.seg");
  Write("d.json");
  Write("e.txt");
  Write("f.jsonl.bak");
  Write("README");
  EXPECT_THAT(List(), ElementsAre("a.jsonl", "b.ndjson", "c.seg"));
}

TEST_F(LogTreeTest, NestedLogFilesAreListedWithSlashSeparatedPaths) {
  Write("p/q/r/deep.jsonl");
  Write("p/top.ndjson");
  EXPECT_THAT(List(), ElementsAre("p/q/r/deep.jsonl", "p/top.ndjson"));
}

TEST_F(LogTreeTest, SizeIsTheFileSizeWhenListed) {
  Write("a.jsonl", "{}\n{\"a\":1}\n");
  Write("empty.jsonl", "");
  ASSERT_THAT(List(), ElementsAre("a.jsonl", "empty.jsonl"));
  EXPECT_EQ(tree_.files[0].size, 11u);
  EXPECT_EQ(tree_.files[1].size, 0u);
}

TEST_F(LogTreeTest, DirectoryWithALogFileNameIsNotAFileButIsWalked) {
  dir_.MakeDir("x.jsonl");
  Write("x.jsonl/inner.jsonl");
  EXPECT_THAT(List(), ElementsAre("x.jsonl/inner.jsonl"));
}

TEST_F(LogTreeTest, FifoWithALogFileNameIsNotListed) {
  ASSERT_EQ(mkfifo(dir_.Path("pipe.jsonl").c_str(), 0644), 0);
  Write("a.jsonl");
  EXPECT_THAT(List(), ElementsAre("a.jsonl"));
}

TEST_F(LogTreeTest, RootIndexNdjsonIsNotALog) {
  Write("index.ndjson");
  Write("a.jsonl");
  EXPECT_THAT(List(), ElementsAre("a.jsonl"));
}

TEST_F(LogTreeTest, NestedIndexNdjsonIsALog) {
  Write("sub/index.ndjson");
  EXPECT_THAT(List(), ElementsAre("sub/index.ndjson"));
}

TEST_F(LogTreeTest, RootDotLogdexIsNotWalked) {
  Write(".logdex/status.jsonl");
  Write(".logdex/deep/x.seg");
  Write("a.jsonl");
  EXPECT_THAT(List(), ElementsAre("a.jsonl"));
}

TEST_F(LogTreeTest, NestedDotLogdexIsWalked) {
  Write("sub/.logdex/x.jsonl");
  EXPECT_THAT(List(), ElementsAre("sub/.logdex/x.jsonl"));
}

TEST_F(LogTreeTest, PiStoreOffsetsIndexIsNotALogWhenSegmentsExist) {
  Write("s1.v2/segments/0000000000000001.seg");
  Write("s1.v2/index/offsets.jsonl");
  EXPECT_THAT(List(), ElementsAre("s1.v2/segments/0000000000000001.seg"));
}

TEST_F(LogTreeTest, PiStoreOffsetsIndexIsNotALogBesideAnEmptySegmentsDir) {
  dir_.MakeDir("s1.v2/segments");
  Write("s1.v2/index/offsets.jsonl");
  EXPECT_THAT(List(), IsEmpty());
}

TEST_F(LogTreeTest, OffsetsJsonlWithoutSegmentsBesideItIsALog) {
  Write("store/index/offsets.jsonl");
  Write("other/segments/1.seg");
  Write("other/sub/index/offsets.jsonl");  // segments is not beside its index dir
  EXPECT_THAT(List(), ElementsAre("other/segments/1.seg", "other/sub/index/offsets.jsonl",
                                  "store/index/offsets.jsonl"));
}

TEST_F(LogTreeTest, OtherFilesOfAPiStoreIndexDirAreLogs) {
  Write("s/segments/1.seg");
  Write("s/index/offsets.jsonl");
  Write("s/index/other.jsonl");
  Write("s/index/offsets.jsonl.tmp.jsonl");
  EXPECT_THAT(List(), ElementsAre("s/index/offsets.jsonl.tmp.jsonl", "s/index/other.jsonl",
                                  "s/segments/1.seg"));
}

TEST_F(LogTreeTest, PiOffsetsIndexAtTheRootIsNotALogWhenSegmentsExist) {
  Write("segments/1.seg");
  Write("index/offsets.jsonl");
  EXPECT_THAT(List(), ElementsAre("segments/1.seg"));
}

TEST_F(LogTreeTest, SymlinkToAFileIsNotListed) {
  Write("a.jsonl");
  dir_.Symlink("a.jsonl", "link.jsonl");
  EXPECT_THAT(List(), ElementsAre("a.jsonl"));
}

TEST_F(LogTreeTest, SymlinkToADirectoryIsNotFollowed) {
  Write("real/a.jsonl");
  dir_.Symlink("real", "alias");
  EXPECT_THAT(List(), ElementsAre("real/a.jsonl"));
}

TEST_F(LogTreeTest, SymlinkOutsideTheLogDirIsNotFollowed) {
  logdex::testing::TempDir other;
  other.Write("outside.jsonl", "{}\n");
  dir_.Symlink(other.path(), "out");
  dir_.Symlink(other.Path("outside.jsonl"), "out.jsonl");
  EXPECT_THAT(List(), IsEmpty());
}

TEST_F(LogTreeTest, DanglingSymlinkIsNotListed) {
  dir_.Symlink("nowhere.jsonl", "dangling.jsonl");
  EXPECT_THAT(List(), IsEmpty());
}

TEST_F(LogTreeTest, SymlinkLoopsAreNotFollowed) {
  Write("d/a.jsonl");
  dir_.Symlink("..", "d/up");
  dir_.Symlink("self.jsonl", "self.jsonl");
  dir_.Symlink("d", "d/down");
  EXPECT_THAT(List(), ElementsAre("d/a.jsonl"));
}

TEST_F(LogTreeTest, NonUtf8NameIsCountedNotListed) {
  Write("bad\xff.jsonl");
  Write("good.jsonl");
  EXPECT_THAT(List(), ElementsAre("good.jsonl"));
  EXPECT_EQ(tree_.non_utf8_paths, 1u);
}

TEST_F(LogTreeTest, LogFileUnderANonUtf8DirectoryIsCountedNotListed) {
  Write("dir\xC3\x28/a.jsonl");
  EXPECT_THAT(List(), IsEmpty());
  EXPECT_GE(tree_.non_utf8_paths, 1u);
}

TEST_F(LogTreeTest, Utf8NamesAreListed) {
  Write("caf\xC3\xA9/\xF0\x9F\x98\x80.jsonl");
  EXPECT_THAT(List(), ElementsAre("caf\xC3\xA9/\xF0\x9F\x98\x80.jsonl"));
  EXPECT_EQ(tree_.non_utf8_paths, 0u);
}

TEST_F(LogTreeTest, NamesWithNewlinesAndQuotesAreListed) {
  Write("we\"ird\nname.jsonl");
  EXPECT_THAT(List(), ElementsAre("we\"ird\nname.jsonl"));
}

TEST_F(LogTreeTest, DotFilesAndDotDirectoriesAreIncluded) {
  Write(".hidden.jsonl");
  Write(".dir/a.jsonl");
  Write(".jsonl");
  EXPECT_THAT(List(), ElementsAre(".dir/a.jsonl", ".hidden.jsonl", ".jsonl"));
}

TEST_F(LogTreeTest, CanonicalOrderComparesFullPathsAsBytes) {
  Write("a/b.jsonl");
  Write("a-b.jsonl");  // '-' 0x2D < '/' 0x2F
  Write("a0.jsonl");   // '0' 0x30 > '/'
  Write("a.jsonl");    // '.' 0x2E < '/'
  Write("B.jsonl");    // uppercase before lowercase
  Write("a/a/z.jsonl");
  Write("\xC3\xA9.jsonl");  // non-ASCII after ASCII
  Write("z.jsonl");
  EXPECT_THAT(List(), ElementsAre("B.jsonl", "a-b.jsonl", "a.jsonl", "a/a/z.jsonl", "a/b.jsonl",
                                  "a0.jsonl", "z.jsonl", "\xC3\xA9.jsonl"));
}

TEST_F(LogTreeTest, UnreadableDirectoryIsCountedAndTheRestListed) {
  Write("locked/a.jsonl");
  Write("open/b.jsonl");
  ASSERT_EQ(chmod(dir_.Path("locked").c_str(), 0), 0);
  ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);
  // Root reads any directory, so the listing runs in a child that gives up
  // root first (CI runs as root); it reports through its exit status.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(10);
    absl::StatusOr<LogTree> tree = ListLogFiles(dir_.path());
    if (!tree.ok()) _exit(11);
    if (tree->files.size() != 1 || tree->files[0].rel_path != "open/b.jsonl") _exit(12);
    if (tree->unreadable_dirs != 1) _exit(13);
    const bool named = tree->unreadable_dir_paths.size() == 1 &&
                       tree->unreadable_dir_paths[0].first == "locked" &&
                       tree->unreadable_dir_paths[0].second == EACCES;
    _exit(named ? 0 : 14);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "10 setuid, 11 list failed, 12 wrong files, 13 wrong count, 14 not named with EACCES";
}

TEST_F(LogTreeTest, SubtreeListingKeepsRootRelativePathsAndExclusions) {
  Write("a.jsonl");
  Write("s1.v2/segments/1.seg");
  Write("s1.v2/index/offsets.jsonl");
  Write("s1.v2/other.jsonl");
  absl::StatusOr<LogTree> tree = ListLogFiles(dir_.path(), "s1.v2");
  ASSERT_TRUE(tree.ok()) << tree.status();
  std::vector<std::string> paths;
  for (const LogFile& f : tree->files) paths.push_back(f.rel_path);
  EXPECT_THAT(paths, ElementsAre("s1.v2/other.jsonl", "s1.v2/segments/1.seg"));
}

TEST_F(LogTreeTest, IsIndexablePathAppliesTheSameRules) {
  Write("s/segments/1.seg");
  Write("s/index/offsets.jsonl");
  const int root_fd = open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(root_fd, 0);
  EXPECT_TRUE(IsIndexablePath(root_fd, "a.jsonl"));
  EXPECT_TRUE(IsIndexablePath(root_fd, "sub/index.ndjson"));
  EXPECT_TRUE(IsIndexablePath(root_fd, "s/segments/1.seg"));
  EXPECT_TRUE(IsIndexablePath(root_fd, "t/index/offsets.jsonl"));  // no t/segments
  EXPECT_TRUE(IsIndexablePath(root_fd, "sub/.logdex/x.jsonl"));
  EXPECT_FALSE(IsIndexablePath(root_fd, "index.ndjson"));
  EXPECT_FALSE(IsIndexablePath(root_fd, ".logdex/x.jsonl"));
  EXPECT_FALSE(IsIndexablePath(root_fd, "s/index/offsets.jsonl"));
  EXPECT_FALSE(IsIndexablePath(root_fd, "a.txt"));
  EXPECT_FALSE(IsIndexablePath(root_fd, "bad\xff.jsonl"));
  close(root_fd);
}

TEST(ListLogFiles, MissingRootIsAnError) {
  logdex::testing::TempDir dir;
  EXPECT_FALSE(ListLogFiles(dir.Path("missing")).ok());
}

TEST(ListLogFiles, RootThatIsAFileIsAnError) {
  logdex::testing::TempDir dir;
  dir.Write("f.jsonl", "{}\n");
  EXPECT_FALSE(ListLogFiles(dir.Path("f.jsonl")).ok());
}

TEST(ListLogFiles, RootGivenThroughASymlinkIsListed) {
  // The log dir argument itself may be a symlink; only links inside are not followed.
  logdex::testing::TempDir dir;
  dir.Write("real/a.jsonl", "{}\n");
  dir.Symlink("real", "link");
  absl::StatusOr<LogTree> tree = ListLogFiles(dir.Path("link"));
  ASSERT_TRUE(tree.ok()) << tree.status();
  ASSERT_EQ(tree->files.size(), 1u);
  EXPECT_EQ(tree->files[0].rel_path, "a.jsonl");
}

}  // namespace
}  // namespace logdex::index
