// The inode table (fs/inode_table.h): nodes without a descriptor each, found
// again by their names, never as another object.
#include "fs/inode_table.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/status/status.h"
#include "fs/descriptor_limit.h"
#include "fs/errno_status.h"
#include "gtest/gtest.h"
#include "temp_dir.h"

namespace logdex::fs {
namespace {

class InodeTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("a/x.jsonl", "x\n");
    dir_.Write("a/y.jsonl", "yy\n");
    dir_.Write("b/z.jsonl", "zzz\n");
  }

  // Verbs.
  void MakeTable(size_t capacity) {
    UniqueFd root(open(dir_.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(root.valid());
    struct stat st;
    ASSERT_EQ(fstat(root.get(), &st), 0);
    table_ = std::make_unique<InodeTable>(std::move(root), st, capacity);
  }
  // A lookup of `name` in node `parent`, as LogdexFs does it.
  NodeId Lookup(NodeId parent, const std::string& name) {
    absl::StatusOr<NodeFd> dir = table_->Open(parent);
    EXPECT_TRUE(dir.ok()) << dir.status();
    if (!dir.ok()) return 0;
    UniqueFd fd(openat(dir->get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    EXPECT_TRUE(fd.valid()) << name;
    struct stat st;
    EXPECT_EQ(fstatat(fd.get(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW), 0);
    return table_->Remember(parent, name, std::move(fd), st);
  }
  // The contents of node `id`'s file, read through a descriptor from Open().
  std::string Contents(NodeId id) {
    absl::StatusOr<NodeFd> node = table_->Open(id);
    if (!node.ok()) return "error: " + std::string(node.status().message());
    const std::string proc = "/proc/self/fd/" + std::to_string(node->get());
    UniqueFd fd(open(proc.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return "error: open";
    char buf[64];
    const ssize_t n = read(fd.get(), buf, sizeof buf);
    return n < 0 ? "error: read" : std::string(buf, static_cast<size_t>(n));
  }
  int OpenErrno(NodeId id) { return StatusToErrno(table_->Open(id).status()); }

  logdex::testing::TempDir dir_;
  std::unique_ptr<InodeTable> table_;
};

TEST_F(InodeTableTest, ANodeIsFoundAgainByNameAfterItsDescriptorIsEvicted) {
  MakeTable(/*capacity=*/1);
  const NodeId a = Lookup(kRootId, "a");
  const NodeId x = Lookup(a, "x.jsonl");
  const NodeId y = Lookup(a, "y.jsonl");  // evicts x's (and a's) descriptor
  EXPECT_EQ(Contents(x), "x\n");
  EXPECT_EQ(Contents(y), "yy\n");
  EXPECT_GT(table_->counts().walks, 0u);
  EXPECT_LE(table_->counts().cached_fds, 1u);
}

TEST_F(InodeTableTest, DescriptorsStayBoundedByTheCapacityWhateverTheTreeSize) {
  for (int i = 0; i < 300; ++i) dir_.Write("many/f" + std::to_string(i) + ".jsonl", "{}\n");
  const int64_t before = OpenDescriptorCount();
  MakeTable(/*capacity=*/16);
  const NodeId many = Lookup(kRootId, "many");
  for (int i = 0; i < 300; ++i) Lookup(many, "f" + std::to_string(i) + ".jsonl");
  EXPECT_EQ(table_->counts().nodes, 302u);
  EXPECT_LE(table_->counts().cached_fds, 16u);
  EXPECT_LE(OpenDescriptorCount() - before, 16 + 1);  // the cache and the root
}

TEST_F(InodeTableTest, AFileRenamedBehindTheTableIsStaleUntilLookedUpAgain) {
  MakeTable(/*capacity=*/1);
  const NodeId a = Lookup(kRootId, "a");
  const NodeId x = Lookup(a, "x.jsonl");
  Lookup(kRootId, "b");  // evicts x's descriptor
  ASSERT_EQ(rename(dir_.Path("a/x.jsonl").c_str(), dir_.Path("b/moved.jsonl").c_str()), 0);
  EXPECT_EQ(OpenErrno(x), ESTALE);
  const NodeId b = Lookup(kRootId, "b");
  EXPECT_EQ(Lookup(b, "moved.jsonl"), x);  // same object, same node, new name
  EXPECT_EQ(Contents(x), "x\n");
}

TEST_F(InodeTableTest, ANameThatNowHoldsAnotherFileIsStaleNeverThatFile) {
  MakeTable(/*capacity=*/1);
  const NodeId a = Lookup(kRootId, "a");
  const NodeId x = Lookup(a, "x.jsonl");
  Lookup(a, "y.jsonl");  // evicts x's descriptor
  // y takes x's name: x's path now leads to y's bytes.
  ASSERT_EQ(rename(dir_.Path("a/y.jsonl").c_str(), dir_.Path("a/x.jsonl").c_str()), 0);
  EXPECT_EQ(OpenErrno(x), ESTALE);
}

TEST_F(InodeTableTest, ACachedDescriptorFollowsARenameBehindTheTable) {
  MakeTable(/*capacity=*/8);
  const NodeId a = Lookup(kRootId, "a");
  const NodeId x = Lookup(a, "x.jsonl");
  ASSERT_EQ(rename(dir_.Path("a/x.jsonl").c_str(), dir_.Path("b/moved.jsonl").c_str()), 0);
  EXPECT_EQ(Contents(x), "x\n");
}

TEST_F(InodeTableTest, ARenameThroughTheMountGivesTheNodeItsNewName) {
  MakeTable(/*capacity=*/1);
  const NodeId a = Lookup(kRootId, "a");
  const NodeId x = Lookup(a, "x.jsonl");
  const NodeId b = Lookup(kRootId, "b");
  struct stat st;
  ASSERT_EQ(stat(dir_.Path("a/x.jsonl").c_str(), &st), 0);
  ASSERT_EQ(rename(dir_.Path("a/x.jsonl").c_str(), dir_.Path("b/moved.jsonl").c_str()), 0);
  table_->Moved(st.st_dev, st.st_ino, b, "moved.jsonl");
  Lookup(kRootId, "a");  // evicts whatever was cached
  EXPECT_EQ(Contents(x), "x\n");
}

TEST_F(InodeTableTest, ARenamedDirectoryTakesItsChildrenAlong) {
  MakeTable(/*capacity=*/1);
  const NodeId a = Lookup(kRootId, "a");
  const NodeId x = Lookup(a, "x.jsonl");
  struct stat st;
  ASSERT_EQ(stat(dir_.Path("a").c_str(), &st), 0);
  ASSERT_EQ(rename(dir_.Path("a").c_str(), dir_.Path("c").c_str()), 0);
  table_->Moved(st.st_dev, st.st_ino, kRootId, "c");
  Lookup(kRootId, "b");
  EXPECT_EQ(Contents(x), "x\n");
}

TEST_F(InodeTableTest, AParentForgottenByTheKernelStaysWhileAChildIsKnown) {
  MakeTable(/*capacity=*/1);
  const NodeId a = Lookup(kRootId, "a");
  const NodeId x = Lookup(a, "x.jsonl");
  table_->Forget(a, 1);
  Lookup(kRootId, "b");
  EXPECT_EQ(Contents(x), "x\n");  // walked through a, which is still known
  table_->Forget(x, 1);
  EXPECT_EQ(table_->counts().nodes, 2u);  // root and b: x and then a went
  EXPECT_EQ(OpenErrno(a), ENOENT);
}

TEST_F(InodeTableTest, AnOpenFileServesItsNodeOnceItsNameIsGone) {
  MakeTable(/*capacity=*/1);
  const NodeId a = Lookup(kRootId, "a");
  const NodeId x = Lookup(a, "x.jsonl");
  auto open_file = std::make_shared<const UniqueFd>(
      open(dir_.Path("a/x.jsonl").c_str(), O_RDONLY | O_CLOEXEC));
  table_->NoteOpenFile(x, open_file);
  Lookup(kRootId, "b");
  ASSERT_EQ(unlink(dir_.Path("a/x.jsonl").c_str()), 0);
  EXPECT_EQ(Contents(x), "x\n");
  open_file.reset();  // closed: nothing leads to x any more
  EXPECT_EQ(OpenErrno(x), ESTALE);
}

TEST_F(InodeTableTest, HardLinksShareOneNode) {
  MakeTable(/*capacity=*/4);
  ASSERT_EQ(link(dir_.Path("a/x.jsonl").c_str(), dir_.Path("b/x-link.jsonl").c_str()), 0);
  const NodeId x = Lookup(Lookup(kRootId, "a"), "x.jsonl");
  EXPECT_EQ(Lookup(Lookup(kRootId, "b"), "x-link.jsonl"), x);
}

TEST_F(InodeTableTest, UnknownAndVirtualIdsAreNotFound) {
  MakeTable(/*capacity=*/4);
  EXPECT_EQ(OpenErrno(999), ENOENT);
  EXPECT_EQ(OpenErrno(kStatusJsonId), ENOENT);
  EXPECT_EQ(OpenErrno(kFirstDerivedId), ENOENT);
}

}  // namespace
}  // namespace logdex::fs
