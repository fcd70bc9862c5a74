// The -o list of `logdex mount` (fs/mount_options.h), split by libfuse's
// fuse_opt_parse: logdex's own options set their fields, what fstab and
// mount(8) add is dropped, everything else reaches libfuse in order.
#include "fs/mount_options.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "index/row.h"

namespace logdex::fs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class MountOptionsTest : public ::testing::Test {
 protected:
  // Verb: applies each list in turn, as repeated -o flags do.
  absl::Status Apply(const std::vector<std::string>& lists) {
    for (const std::string& list : lists) {
      if (absl::Status s = ApplyOptionList(list, "/work/dir", &config_); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  bool Indexes(index::Source s) const { return config_.scan.sources[static_cast<int>(s)]; }

  MountConfig config_;
};

TEST_F(MountOptionsTest, OwnOptionsSetTheirFieldsAndNothingReachesLibfuse) {
  ASSERT_TRUE(Apply({"cache_dir=/c,verify=stat,save_interval=5,log=/l.log,debug"}).ok());
  EXPECT_EQ(config_.cache_dir, "/c");
  EXPECT_TRUE(config_.cache_dir_given);
  EXPECT_EQ(config_.verify, VerifyMode::kStat);
  EXPECT_EQ(config_.save_interval_seconds, 5);
  EXPECT_EQ(config_.log_file, "/l.log");
  EXPECT_TRUE(config_.trace_requests);
  EXPECT_THAT(config_.fuse_options, IsEmpty());
}

TEST_F(MountOptionsTest, RelativeCacheDirAndLogFileAreMadeAbsolute) {
  ASSERT_TRUE(Apply({"cache_dir=cache,log=logs/d.log"}).ok());
  EXPECT_EQ(config_.cache_dir, "/work/dir/cache");
  EXPECT_EQ(config_.log_file, "/work/dir/logs/d.log");
}

TEST_F(MountOptionsTest, OtherOptionsReachLibfuseInTheOrderGiven) {
  ASSERT_TRUE(Apply({"allow_other,fsname=x", "default_permissions"}).ok());
  EXPECT_THAT(config_.fuse_options, ElementsAre("allow_other", "fsname=x", "default_permissions"));
}

TEST_F(MountOptionsTest, RoAndRwSetReadOnlyAndArePassedOnTheLastWins) {
  ASSERT_TRUE(Apply({"ro"}).ok());
  EXPECT_TRUE(config_.read_only);
  ASSERT_TRUE(Apply({"rw"}).ok());
  EXPECT_FALSE(config_.read_only);
  EXPECT_THAT(config_.fuse_options, ElementsAre("ro", "rw"));
}

TEST_F(MountOptionsTest, SourcesTakePlusOrColonSeparatedNames) {
  ASSERT_TRUE(Apply({"sources=pi+claude"}).ok());
  EXPECT_TRUE(Indexes(index::Source::kPi));
  EXPECT_TRUE(Indexes(index::Source::kClaude));
  EXPECT_FALSE(Indexes(index::Source::kCodex));
  EXPECT_FALSE(Indexes(index::Source::kJsonl));
  ASSERT_TRUE(Apply({"sources=codex:jsonl"}).ok());
  EXPECT_FALSE(Indexes(index::Source::kPi));
  EXPECT_TRUE(Indexes(index::Source::kCodex));
  EXPECT_TRUE(Indexes(index::Source::kJsonl));
}

TEST_F(MountOptionsTest, BareSourceNamesRightAfterSourcesContinueItsList) {
  ASSERT_TRUE(Apply({"sources=pi,claude,codex,ro"}).ok());
  EXPECT_TRUE(Indexes(index::Source::kPi));
  EXPECT_TRUE(Indexes(index::Source::kClaude));
  EXPECT_TRUE(Indexes(index::Source::kCodex));
  EXPECT_FALSE(Indexes(index::Source::kJsonl));
  EXPECT_THAT(config_.fuse_options, ElementsAre("ro"));
}

TEST_F(MountOptionsTest, ASourceNameAfterAnotherOptionIsNotASource) {
  // "jsonl" after ro is no continuation: libfuse gets it (and will reject it).
  ASSERT_TRUE(Apply({"sources=pi,ro,jsonl"}).ok());
  EXPECT_FALSE(Indexes(index::Source::kJsonl));
  EXPECT_THAT(config_.fuse_options, ElementsAre("ro", "jsonl"));
}

TEST_F(MountOptionsTest, FstabAndMountHelperOptionsAreDropped) {
  ASSERT_TRUE(Apply({"defaults,rw,nosuid,nodev,_netdev,nofail,noauto,auto,user,users,nouser,"
                     "x-systemd.automount,x-systemd.idle-timeout=60,X-mount.mkdir,comment=x,"
                     "dev,suid,exec,noatime"})
                  .ok());
  EXPECT_THAT(config_.fuse_options,
              ElementsAre("rw", "nosuid", "nodev", "dev", "suid", "exec", "noatime"));
}

TEST_F(MountOptionsTest, AtimeFlagsLibfuseCannotSetAreDroppedTheOthersPassOn) {
  ASSERT_TRUE(Apply({"relatime,norelatime,strictatime,nostrictatime,diratime,nodiratime,lazytime,"
                     "nolazytime,atime,noatime,sync,async,dirsync"})
                  .ok());
  EXPECT_THAT(config_.fuse_options, ElementsAre("atime", "noatime", "sync", "async", "dirsync"));
}

TEST_F(MountOptionsTest, EscapedCommaStaysInsideAValue) {
  ASSERT_TRUE(Apply({"cache_dir=/a\\,b,ro"}).ok());
  EXPECT_EQ(config_.cache_dir, "/a,b");
  EXPECT_THAT(config_.fuse_options, ElementsAre("ro"));
}

TEST_F(MountOptionsTest, EmptyOptionsAreSkipped) {
  ASSERT_TRUE(Apply({",ro,,"}).ok());
  EXPECT_THAT(config_.fuse_options, ElementsAre("ro"));
}

TEST_F(MountOptionsTest, EachBadValueIsNamed) {
  struct Case {
    std::string list, message;
  };
  const std::vector<Case> cases = {
      {"verify=sometimes", "bad verify mode 'sometimes'"},
      {"sources=nosuchsource", "bad sources list 'nosuchsource'"},
      {"save_interval=0", "bad save_interval '0'"},
      {"save_interval=86401", "bad save_interval '86401'"},
      {"save_interval=5s", "bad save_interval '5s'"},
      {"cache_dir=", "option 'cache_dir' needs a value"},
      {"cache_dir", "option 'cache_dir' needs a value"},
      {"sources", "option 'sources' needs a value"},
      {"log=", "option 'log' needs a value"},
      {"verify", "option 'verify' needs a value"},
  };
  for (const Case& c : cases) {
    MountConfig config;
    const absl::Status s = ApplyOptionList(c.list, "/", &config);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << c.list << ": " << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.message)) << c.list;
  }
}

TEST_F(MountOptionsTest, HostileListsGiveAnErrorOrOptionsNeverACrash) {
  for (const std::string& list : {std::string("\\"), std::string(",,,"), std::string("=,=x"),
                                 std::string(100000, ','), std::string("a\\"),
                                 std::string("sources=pi,") + std::string(10000, 'x')}) {
    MountConfig config;
    (void)ApplyOptionList(list, "/", &config);
  }
}

}  // namespace
}  // namespace logdex::fs
