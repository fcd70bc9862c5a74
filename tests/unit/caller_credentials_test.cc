// Requests run with their caller's credentials (fs/caller_credentials.h):
// per thread, and back to the daemon's afterwards.
#include "fs/caller_credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "temp_dir.h"

namespace logdex::fs {
namespace {

Caller Nobody() {
  Caller c;
  c.switch_to = true;
  c.uid = 65534;
  c.gid = 65534;
  c.set_groups = true;
  c.groups = {65500};
  return c;
}

uid_t OwnerOf(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
}

class CallerCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(chmod(dir_.path().c_str(), 01777), 0);
    dir_.Write("secret", "root only\n");
    ASSERT_EQ(chmod(dir_.Path("secret").c_str(), 0600), 0);
    dir_.Write("group", "group 65500\n");
    ASSERT_EQ(chmod(dir_.Path("group").c_str(), 0640), 0);
    if (geteuid() == 0) {
      ASSERT_EQ(chown(dir_.Path("group").c_str(), 0, 65500), 0);
    }
  }
  logdex::testing::TempDir dir_;
};

TEST_F(CallerCredentialsTest, OnlyARootDaemonSwitches) {
  EXPECT_EQ(DaemonCanSwitchCredentials(), geteuid() == 0);
}

TEST_F(CallerCredentialsTest, WhatACallerCreatesIsTheCallersAndTheDaemonIsItselfAgainAfter) {
  const uid_t me = geteuid();
  {
    AsCaller as(DaemonCanSwitchCredentials() ? Nobody() : Caller());
    ASSERT_TRUE(as.status().ok()) << as.status();
    const int fd = open(dir_.Path("made").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0) << errno;
    close(fd);
  }
  EXPECT_EQ(OwnerOf(dir_.Path("made")), me == 0 ? 65534u : me);
  const int fd = open(dir_.Path("after").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  EXPECT_EQ(OwnerOf(dir_.Path("after")), me);
}

TEST_F(CallerCredentialsTest, ACallerGetsExactlyItsOwnPermissions) {
  if (!DaemonCanSwitchCredentials()) {
    // A daemon that is not root acts as itself: nothing to switch.
    AsCaller as{Caller{}};
    EXPECT_TRUE(as.status().ok());
    EXPECT_EQ(open(dir_.Path("secret").c_str(), O_RDONLY | O_CLOEXEC) >= 0, true);
    return;
  }
  {
    AsCaller as(Nobody());
    ASSERT_TRUE(as.status().ok());
    EXPECT_LT(open(dir_.Path("secret").c_str(), O_RDONLY | O_CLOEXEC), 0);  // no CAP_DAC_OVERRIDE
    EXPECT_EQ(errno, EACCES);
    const int fd = open(dir_.Path("group").c_str(), O_RDONLY | O_CLOEXEC);  // via group 65500
    EXPECT_GE(fd, 0);
    if (fd >= 0) close(fd);
    EXPECT_NE(unlink(dir_.Path("secret").c_str()), 0);  // sticky directory, not the owner
    EXPECT_EQ(errno, EPERM);
  }
  const int fd = open(dir_.Path("secret").c_str(), O_RDONLY | O_CLOEXEC);  // root again
  EXPECT_GE(fd, 0);
  if (fd >= 0) close(fd);
}

TEST_F(CallerCredentialsTest, ASwitchOnOneThreadLeavesTheOthersAlone) {
  if (!DaemonCanSwitchCredentials()) {
    EXPECT_FALSE(CallerOf(nullptr, /*can_switch=*/false).switch_to);
    return;
  }
  std::atomic<bool> switched{false}, checked{false};
  std::thread caller([&] {
    AsCaller as(Nobody());
    switched = true;
    while (!checked) std::this_thread::yield();
  });
  while (!switched) std::this_thread::yield();
  // This thread is still root while the other runs as 65534.
  const int fd = open(dir_.Path("main-thread").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  checked = true;
  caller.join();
  EXPECT_EQ(OwnerOf(dir_.Path("main-thread")), 0u);
  gid_t groups[64];
  const int n = getgroups(64, groups);
  EXPECT_GE(n, 0);
  for (int i = 0; i < n; ++i) EXPECT_NE(groups[i], 65500u);  // the caller's groups stayed there
}

TEST(GroupsFromProcStatusTest, ReadsTheGroupsLineOfARealStatus) {
  std::ifstream in("/proc/self/status");
  std::stringstream status;
  status << in.rdbuf();
  std::vector<gid_t> want(static_cast<size_t>(getgroups(0, nullptr)));
  want.resize(static_cast<size_t>(getgroups(static_cast<int>(want.size()), want.data())));
  EXPECT_EQ(GroupsFromProcStatus(status.str()), want);
}

TEST(GroupsFromProcStatusTest, ReadsByLengthWithNoTerminatorAfterTheLastId) {
  // A buffer of exactly the text, the groups line last and unterminated (a
  // read past its end is a heap overflow AddressSanitizer reports).
  const std::string text = "Name:\tcat\nUid:\t5\t5\t5\t5\nGroups:\t10 20\t300";
  auto buffer = std::make_unique<char[]>(text.size());
  std::memcpy(buffer.get(), text.data(), text.size());
  EXPECT_EQ(GroupsFromProcStatus(std::string_view(buffer.get(), text.size())),
            (std::vector<gid_t>{10, 20, 300}));
}

TEST(GroupsFromProcStatusTest, AnEmptyGroupsLineIsNoGroups) {
  EXPECT_EQ(GroupsFromProcStatus("Name:\tx\nGroups:\t\nNSpid:\t7\n"), std::vector<gid_t>{});
}

TEST(GroupsFromProcStatusTest, AMissingOrMalformedLineIsNoAnswer) {
  EXPECT_EQ(GroupsFromProcStatus(""), std::nullopt);
  EXPECT_EQ(GroupsFromProcStatus("Name:\tx\nUid:\t0\n"), std::nullopt);
  EXPECT_EQ(GroupsFromProcStatus("Name:\tx\nGroups:\t1 x2\n"), std::nullopt);
  EXPECT_EQ(GroupsFromProcStatus("Name:\tx\nGroups:\t1 -2\n"), std::nullopt);
  EXPECT_EQ(GroupsFromProcStatus("Name:\tx\nGroups:\t4294967295\n"), std::nullopt);
  EXPECT_EQ(GroupsFromProcStatus("Name:\tx\nGroups:\t99999999999999999999999\n"), std::nullopt);
  EXPECT_EQ(GroupsFromProcStatus("Name:\tx\nSupGroups:\t1\n"), std::nullopt);
}

}  // namespace
}  // namespace logdex::fs
