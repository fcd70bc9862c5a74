// Who keeps a mount busy (fs/mount_holders.h): a process whose working
// directory or open file is inside the directory is named, with how it holds
// it; one outside is not.
#include "fs/mount_holders.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "temp_dir.h"

namespace logdex::fs {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

class MountHoldersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char real[PATH_MAX];
    ASSERT_NE(realpath(dir_.path().c_str(), real), nullptr);
    root_ = real;
    dir_.Write("sub/f.jsonl", "x\n");
  }
  void TearDown() override {
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
  }
  // Verb: a child that changes into `cwd` and opens `file` (if not empty),
  // then waits; returns once it has done both.
  void StartHolder(const std::string& cwd, const std::string& file) {
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    child_ = fork();
    ASSERT_GE(child_, 0);
    if (child_ == 0) {
      if (chdir(cwd.c_str()) != 0) _exit(1);
      if (!file.empty() && open(file.c_str(), O_RDONLY) < 0) _exit(1);
      if (write(ready[1], "x", 1) != 1) _exit(1);
      pause();
      _exit(0);
    }
    close(ready[1]);
    char c;
    ASSERT_EQ(read(ready[0], &c, 1), 1);
    close(ready[0]);
  }
  const MountHolder* Find(const std::vector<MountHolder>& holders) const {
    auto it = std::find_if(holders.begin(), holders.end(),
                           [this](const MountHolder& h) { return h.pid == child_; });
    return it == holders.end() ? nullptr : &*it;
  }

  testing::TempDir dir_;
  std::string root_;
  pid_t child_ = -1;
};

TEST_F(MountHoldersTest, AWorkingDirectoryInsideIsNamed) {
  StartHolder(root_ + "/sub", "");
  const std::vector<MountHolder> holders = FindMountHolders(root_);
  const MountHolder* h = Find(holders);
  ASSERT_NE(h, nullptr);
  EXPECT_THAT(h->uses, Contains("cwd"));
  EXPECT_THAT(DescribeMountHolders({*h}), HasSubstr("pid " + std::to_string(child_) + " ("));
  EXPECT_THAT(DescribeMountHolders({*h}), HasSubstr(") cwd"));
}

TEST_F(MountHoldersTest, AnOpenFileInsideIsNamedByItsDescriptor) {
  StartHolder("/", root_ + "/sub/f.jsonl");
  const MountHolder* h = nullptr;
  const std::vector<MountHolder> holders = FindMountHolders(root_);
  h = Find(holders);
  ASSERT_NE(h, nullptr);
  ASSERT_EQ(h->uses.size(), 1u);
  EXPECT_THAT(h->uses[0], ::testing::StartsWith("fd "));
}

TEST_F(MountHoldersTest, AProcessOutsideIsNotAHolderNorAPrefixSibling) {
  dir_.MakeDir("subling");
  StartHolder(root_ + "/subling", "");
  EXPECT_EQ(Find(FindMountHolders(root_ + "/sub")), nullptr);
}

TEST_F(MountHoldersTest, TheDescriptionIsBounded) {
  std::vector<MountHolder> many(8, MountHolder{1, "sh", {"cwd", "fd 1", "fd 2", "fd 3", "fd 4"}});
  const std::string text = DescribeMountHolders(many, 2);
  EXPECT_THAT(text, HasSubstr("pid 1 (sh) cwd, fd 1, fd 2 and 2 more; pid 1"));
  EXPECT_THAT(text, HasSubstr("and 6 more processes"));
}

}  // namespace
}  // namespace logdex::fs
