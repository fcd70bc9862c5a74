// logdex: the command line (SPEC §8), parsed by fs/command_line.h, and each
// command run. Exit codes: 0 success, 1 failure while running, 2 bad
// arguments or a missing/unusable path (nothing done).
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "fs/command_line.h"
#include "fs/index_command.h"
#include "fs/mount_options.h"
#include "fs/mount_session.h"
#include "fs/rebuild_command.h"
#include "fs/status_command.h"
#include "fs/unmount_command.h"
#include "fs/verify_command.h"

namespace {

int Mount(logdex::fs::MountConfig config) {
  if (absl::Status s = logdex::fs::ValidateMountPaths(&config); !s.ok()) {
    std::fprintf(stderr, "logdex mount: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  // Test seam for crash injection (see MountConfig::test_crash_before_rename):
  // read once, here, never on a hot path.
  const char* crash = std::getenv("LOGDEX_TEST_CRASH_BEFORE_RENAME");
  config.test_crash_before_rename = crash != nullptr && std::string_view(crash) == "1";
  return logdex::fs::RunMount(std::move(config));
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = logdex::fs;
  // Debian builds abseil without NDEBUG, so every absl::Mutex lock also
  // records lock-order edges in a global cycle graph whose lookups slow down
  // with the number of mutexes alive (a few per session view: 100,000
  // sessions made `ls -l` of /.logdex/sessions take 30 s, a third of it in
  // GraphCycles). Lock order is checked at build time instead (clang's
  // -Wthread-safety with ACQUIRED_BEFORE, scripts/test.sh) and by the TSan
  // build; the unit tests keep abseil's own check.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof(cwd)) == nullptr) {
    std::fputs("logdex: cannot read the working directory\n", stderr);
    return 2;
  }
  fs::ParsedCommandLine parsed =
      fs::ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc), cwd, stdout, stderr);
  if (parsed.exit_code) return *parsed.exit_code;
  fs::CommandLine& line = parsed.line;
  switch (line.command) {
    case fs::Command::kMount:
      return Mount(std::move(line.mount));
    case fs::Command::kIndex:
      return fs::IndexCommand(line.index);
    case fs::Command::kVerify:
      return fs::VerifyCommand(line.verify);
    case fs::Command::kRebuild:
      return fs::RebuildCommand(line.rebuild);
    case fs::Command::kStatus:
      return fs::StatusCommand(line.status);
    case fs::Command::kUnmount:
      return fs::UnmountCommand(line.unmount);
  }
  return 2;
}
