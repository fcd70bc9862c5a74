// The daemon's log (fs/daemon_log.h): where lines go, their format, one
// line per distinct problem, and what the core reports as problems.
#include "fs/daemon_log.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "fs/mount_options.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "index/live_index.h"
#include "temp_dir.h"

namespace logdex::fs {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class DaemonLogTest : public ::testing::Test {
 protected:
  void OpenLog() {
    MountConfig config;
    config.log_file = dir_.Path("daemon.log");
    auto log = DaemonLog::ForMount(config);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }
  std::vector<std::string> Lines() const {
    std::vector<std::string> out =
        absl::StrSplit(logdex::testing::ReadFile(dir_.Path("daemon.log")), '\n');
    if (!out.empty() && out.back().empty()) out.pop_back();
    return out;
  }

  logdex::testing::TempDir dir_;
  std::unique_ptr<DaemonLog> log_;
};

TEST_F(DaemonLogTest, ALineHasAnIsoUtcTimeThePidTheLevelAndTheMessage) {
  const absl::Time t = absl::FromUnixMicros(1764589152123456);  // 2025-12-01T11:39:12.123456Z
  EXPECT_EQ(DaemonLog::FormatLine(t, 42, DaemonLog::Level::kWarning, "file a: bad"),
            "2025-12-01T11:39:12.123456Z logdex[42] warning: file a: bad\n");
}

TEST_F(DaemonLogTest, ControlBytesInAMessageCannotBreakTheLine) {
  const std::string line =
      DaemonLog::FormatLine(absl::UnixEpoch(), 1, DaemonLog::Level::kError, "a\nb\rc\x1b");
  EXPECT_EQ(line, "1970-01-01T00:00:00.000000Z logdex[1] error: a\\x0ab\\x0dc\\x1b\n");
}

TEST_F(DaemonLogTest, TheLogFileIsAppendedToNotTruncated) {
  dir_.Write("daemon.log", "earlier line\n");
  OpenLog();
  log_->Log(DaemonLog::Level::kInfo, "mounted");
  const std::vector<std::string> lines = Lines();
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_EQ(lines[0], "earlier line");
  EXPECT_THAT(lines[1], HasSubstr("info: mounted"));
}

TEST_F(DaemonLogTest, ALogFileThatCannotBeOpenedNamesItself) {
  MountConfig config;
  config.log_file = dir_.Path("no/such/dir/daemon.log");
  auto log = DaemonLog::ForMount(config);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.status().message(), HasSubstr(config.log_file));
  EXPECT_THAT(log.status().message(), HasSubstr("No such file or directory"));
}

TEST_F(DaemonLogTest, TheSameProblemIsLoggedOnceAndAnotherOffsetAgain) {
  OpenLog();
  index::Problem p{.kind = "corrupt_frames", .path = "a.jsonl", .offset = 10, .message = "m1"};
  log_->Report(p);
  log_->Report(p);
  p.offset = 20;
  p.message = "m2";
  log_->Report(p);
  const std::vector<std::string> lines = Lines();
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_THAT(lines[0], HasSubstr("warning: m1"));
  EXPECT_THAT(lines[1], HasSubstr("warning: m2"));
  EXPECT_EQ(log_->suppressed(), 1u);
  EXPECT_EQ(log_->lines()[static_cast<int>(DaemonLog::Level::kWarning)], 2u);
}

TEST_F(DaemonLogTest, ProblemLinesOfOneKindStopAtTheCapAndTheLastSaysSo) {
  OpenLog();
  for (uint64_t i = 0; i < DaemonLog::kMaxProblemLinesPerKind + 50; ++i) {
    const std::string path = absl::StrCat("f", i, ".jsonl");
    log_->Report({.kind = "corrupt_frames", .path = path, .offset = 0, .message = path});
  }
  log_->Report({.kind = "unreadable", .path = "x", .offset = std::nullopt, .message = "other kind"});
  const std::vector<std::string> lines = Lines();
  ASSERT_THAT(lines, SizeIs(DaemonLog::kMaxProblemLinesPerKind + 1));
  EXPECT_THAT(lines[DaemonLog::kMaxProblemLinesPerKind - 1],
              HasSubstr("f999.jsonl (1000 corrupt_frames problems logged: no more are"));
  EXPECT_THAT(lines.back(), HasSubstr("warning: other kind"));
}

// Without -f and -o log=: syslog, ident "logdex", facility LOG_DAEMON. The
// check runs in a forked child with a private /dev (a tmpfs in a mount
// namespace of its own, so root is needed) where it listens on /dev/log.
TEST_F(DaemonLogTest, WithoutAFileOrForegroundLinesGoToSyslogAsDaemonFacility) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for a private /dev (CI runs as root)";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (unshare(CLONE_NEWNS) != 0) _exit(10);
    if (mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(11);
    if (mount("tmpfs", "/dev", "tmpfs", 0, "size=64k") != 0) _exit(12);
    const int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, "/dev/log");
    if (s < 0 || bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) _exit(13);
    timeval tv = {5, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    {
      auto log = DaemonLog::ForMount(MountConfig());
      if (!log.ok() || (*log)->target() != DaemonLog::Target::kSyslog) _exit(14);
      (*log)->Log(DaemonLog::Level::kWarning, "file a.jsonl: 1 corrupt frame\nx");
    }
    char buf[512];
    const ssize_t n = recv(s, buf, sizeof(buf) - 1, 0);
    if (n <= 0) _exit(15);
    const std::string got(buf, static_cast<size_t>(n));
    // <28>: LOG_DAEMON (3 << 3) | LOG_WARNING (4); control bytes escaped.
    const bool ok = got.starts_with("<28>") &&
                    got.find(absl::StrCat("logdex[", getpid(), "]: ")) != std::string::npos &&
                    got.ends_with("file a.jsonl: 1 corrupt frame\\x0ax");
    _exit(ok ? 0 : 16);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "10 unshare, 11 private, 12 tmpfs, 13 bind /dev/log, 14 target, 15 nothing received, "
         "16 wrong message";
}

// The core's reports: a build and a regeneration that rescans the same file
// tell the same problem; the log keeps one line of it.
TEST_F(DaemonLogTest, CorruptFramesOfAFileAreOneLineAcrossBuildAndRegeneration) {
  logdex::testing::TempDir logs;
  logs.Write("a.jsonl", "{\"type\":\"x\",\"id\":\"1\"}\nnot json\n{\"id\":\"2\"}\nalso bad\n");
  OpenLog();
  index::LiveIndex live(logs.path(), index::ScanOptions());
  live.SetProblemSink(log_.get());
  ASSERT_TRUE(live.Build().ok());
  std::vector<std::string> lines = Lines();
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_THAT(lines[0], HasSubstr("warning: file a.jsonl: 2 corrupt frames, first at byte 22 (json)"));
  // Rewritten after its first bad frame: regenerated, rescanned whole, the
  // same first corrupt frame: no new line.
  logs.Write("a.jsonl", "{\"type\":\"x\",\"id\":\"1\"}\nnot json\n{\"id\":\"22\"}\nalso bad\n");
  ASSERT_TRUE(live.Refresh().regenerated);
  EXPECT_THAT(Lines(), SizeIs(1));
  // An appended corrupt frame is a new problem.
  logs.Write("a.jsonl", "{\"type\":\"x\",\"id\":\"1\"}\nnot json\n{\"id\":\"22\"}\nalso bad\nnope\n");
  ASSERT_FALSE(live.Refresh().regenerated);
  lines = Lines();
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_THAT(lines[1], HasSubstr("file a.jsonl: 1 corrupt frame, first at byte 52 (json)"));
}

}  // namespace
}  // namespace logdex::fs
