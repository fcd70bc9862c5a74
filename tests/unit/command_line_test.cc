// The command line (fs/command_line.h): each command's flags, the bare mount
// form mount.fuse3 runs, help, and one line for every bad argument.
#include "fs/command_line.h"

#include <cstdio>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "temp_dir.h"

namespace logdex::fs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class CommandLineTest : public ::testing::Test {
 protected:
  // Verb: parses args; the help text lands in out_, the messages in err_.
  ParsedCommandLine Parse(const std::vector<std::string>& args) {
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    ParsedCommandLine parsed = ParseCommandLine(args, "/cwd", out, err);
    out_ = Drain(out);
    err_ = Drain(err);
    return parsed;
  }
  static std::string Drain(std::FILE* f) {
    std::rewind(f);
    std::string text;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
    return text;
  }
  // Verb: expects exit 2 with one line on stderr that starts with `prefix`.
  void ExpectUsageError(const std::vector<std::string>& args, const std::string& prefix) {
    const ParsedCommandLine parsed = Parse(args);
    ASSERT_TRUE(parsed.exit_code.has_value()) << args[0];
    EXPECT_EQ(*parsed.exit_code, 2);
    EXPECT_EQ(std::count(err_.begin(), err_.end(), '\n'), 1) << err_;
    EXPECT_THAT(err_, StartsWith(prefix));
    EXPECT_EQ(out_, "");
  }

  testing::TempDir dir_;
  std::string out_, err_;
};

TEST_F(CommandLineTest, MountTakesItsFlagsAndEveryOptionList) {
  const ParsedCommandLine p =
      Parse({"mount", "logs", "mnt", "-f", "-o", "ro,cache_dir=c", "-osources=pi", "-o", "allow_other"});
  ASSERT_FALSE(p.exit_code);
  EXPECT_EQ(p.line.command, Command::kMount);
  EXPECT_EQ(p.line.mount.log_dir, "logs");
  EXPECT_EQ(p.line.mount.mountpoint, "mnt");
  EXPECT_TRUE(p.line.mount.foreground);
  EXPECT_FALSE(p.line.mount.debug);
  EXPECT_TRUE(p.line.mount.read_only);
  EXPECT_EQ(p.line.mount.cache_dir, "/cwd/c");
  EXPECT_FALSE(p.line.mount.scan.sources[static_cast<int>(index::Source::kClaude)]);
  EXPECT_THAT(p.line.mount.fuse_options, ElementsAre("ro", "allow_other"));
}

TEST_F(CommandLineTest, DashDMeansForegroundWithLibfuseTracing) {
  const ParsedCommandLine p = Parse({"mount", "-d", "logs", "mnt"});
  ASSERT_FALSE(p.exit_code);
  EXPECT_TRUE(p.line.mount.debug);
  EXPECT_TRUE(p.line.mount.foreground);
}

TEST_F(CommandLineTest, AnExistingDirectoryFirstIsTheBareMountForm) {
  dir_.MakeDir("logs");
  const ParsedCommandLine p =
      Parse({dir_.Path("logs"), "/mnt", "-o", "rw,nosuid,nodev,x-systemd.automount,cache_dir=/c"});
  ASSERT_FALSE(p.exit_code) << err_;
  EXPECT_EQ(p.line.command, Command::kMount);
  EXPECT_EQ(p.line.mount.log_dir, dir_.Path("logs"));
  EXPECT_EQ(p.line.mount.mountpoint, "/mnt");
  EXPECT_EQ(p.line.mount.cache_dir, "/c");
  // The source shown in mountinfo is the fstab line's first field.
  EXPECT_THAT(p.line.mount.fuse_options,
              ElementsAre("fsname=" + dir_.Path("logs"), "rw", "nosuid", "nodev"));
}

TEST_F(CommandLineTest, AnFsnameGivenToTheBareFormIsKept) {
  const ParsedCommandLine p = Parse({"./logs", "/mnt", "-o", "fsname=mine"});
  ASSERT_FALSE(p.exit_code) << err_;
  EXPECT_THAT(p.line.mount.fuse_options, ElementsAre("fsname=mine"));
}

TEST_F(CommandLineTest, ACommandNameFirstIsTheCommandAndDotSlashMountsADirOfThatName) {
  const ParsedCommandLine index = Parse({"index", "logs"});
  ASSERT_FALSE(index.exit_code);
  EXPECT_EQ(index.line.command, Command::kIndex);
  const ParsedCommandLine bare = Parse({"./index", "mnt"});
  ASSERT_FALSE(bare.exit_code) << err_;
  EXPECT_EQ(bare.line.command, Command::kMount);
  EXPECT_EQ(bare.line.mount.log_dir, "./index");
}

TEST_F(CommandLineTest, ACommandNameAsMountsLogDirIsAPath) {
  const ParsedCommandLine p = Parse({"mount", "status", "unmount"});
  ASSERT_FALSE(p.exit_code) << err_;
  EXPECT_EQ(p.line.mount.log_dir, "status");
  EXPECT_EQ(p.line.mount.mountpoint, "unmount");
}

TEST_F(CommandLineTest, EachCommandTakesItsFlags) {
  ParsedCommandLine p = Parse({"index", "--sources=pi+codex", "logs"});
  ASSERT_FALSE(p.exit_code) << err_;
  EXPECT_TRUE(p.line.index.scan.sources[static_cast<int>(index::Source::kCodex)]);
  EXPECT_FALSE(p.line.index.scan.sources[static_cast<int>(index::Source::kJsonl)]);
  p = Parse({"verify", "logs", "--json"});
  ASSERT_FALSE(p.exit_code);
  EXPECT_EQ(p.line.command, Command::kVerify);
  EXPECT_EQ(p.line.verify.log_dir, "logs");
  EXPECT_TRUE(p.line.verify.json);
  p = Parse({"rebuild", "--dry-run", "logs"});
  ASSERT_FALSE(p.exit_code);
  EXPECT_EQ(p.line.command, Command::kRebuild);
  EXPECT_TRUE(p.line.rebuild.dry_run);
  p = Parse({"status", "mnt", "--json"});
  ASSERT_FALSE(p.exit_code);
  EXPECT_EQ(p.line.command, Command::kStatus);
  EXPECT_EQ(p.line.status.mountpoint, "mnt");
  EXPECT_TRUE(p.line.status.json);
  p = Parse({"unmount", "mnt"});
  ASSERT_FALSE(p.exit_code);
  EXPECT_EQ(p.line.command, Command::kUnmount);
  EXPECT_EQ(p.line.unmount.mountpoint, "mnt");
}

TEST_F(CommandLineTest, BadArgumentsExitTwoWithOneLineNamingTheCommand) {
  ExpectUsageError({"mount", "logs"}, "logdex mount: MOUNTPOINT is required");
  ExpectUsageError({"mount", "logs", "mnt", "--no-such-flag"},
                   "logdex mount: unknown flag '--no-such-flag'; usage: logdex mount LOGDIR MOUNTPOINT");
  ExpectUsageError({"mount", "logs", "mnt", "extra"}, "logdex mount: unexpected argument 'extra'; usage: ");
  ExpectUsageError({"mount", "logs", "mnt", "-o"}, "logdex mount: ");
  ExpectUsageError({"mount", "logs", "mnt", "-o", "verify=x"}, "logdex mount: bad verify mode");
  ExpectUsageError({"index", "--sources=nope", "logs"}, "logdex index: ");
  ExpectUsageError({"verify"}, "logdex verify: LOGDIR is required");
  ExpectUsageError({"rebuild", "a", "b"}, "logdex rebuild: ");
  ExpectUsageError({"status"}, "logdex status: MOUNTPOINT is required");
  ExpectUsageError({"unmount", "a", "--json"}, "logdex unmount: ");
  ExpectUsageError({"--no-such-flag"}, "logdex: unknown flag '--no-such-flag'");
  ExpectUsageError({"--"}, "logdex: no command given");
  ExpectUsageError({"no-such-command"}, "logdex: unknown command 'no-such-command'");
}

TEST_F(CommandLineTest, HelpGoesToStdoutAndExitsZero) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}}) {
    const ParsedCommandLine p = Parse(args);
    ASSERT_TRUE(p.exit_code);
    EXPECT_EQ(*p.exit_code, 0);
    EXPECT_EQ(err_, "");
    for (const char* word : {"mount", "index", "verify", "rebuild", "status", "unmount",
                             "LOGDIR MOUNTPOINT", "cache_dir", "x-systemd", "--dry-run"}) {
      EXPECT_THAT(out_, HasSubstr(word)) << args[0];
    }
  }
  for (const std::string command : {"mount", "index", "verify", "rebuild", "status", "unmount"}) {
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {command, "--help"}, {command, "-h"}, {"help", command}}) {
      const ParsedCommandLine p = Parse(args);
      ASSERT_TRUE(p.exit_code);
      EXPECT_EQ(*p.exit_code, 0);
      EXPECT_THAT(out_, StartsWith("usage: logdex " + command)) << args[0] << " " << args[1];
    }
  }
}

TEST_F(CommandLineTest, NoArgumentsPrintUsageOnStderrAndExitTwo) {
  const ParsedCommandLine p = Parse({});
  ASSERT_TRUE(p.exit_code);
  EXPECT_EQ(*p.exit_code, 2);
  EXPECT_THAT(err_, StartsWith("usage: logdex"));
}

}  // namespace
}  // namespace logdex::fs
