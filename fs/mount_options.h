// `logdex mount` arguments: parsing the command line and its -o list, and
// checking the paths before anything is mounted (SPEC §8: bad arguments, a
// missing log dir, a mount point that is not an empty directory: exit 2,
// nothing mounted).
#ifndef LOGDEX_FS_MOUNT_OPTIONS_H_
#define LOGDEX_FS_MOUNT_OPTIONS_H_

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "index/scan_options.h"
#include "recovery/warm_start.h"

namespace logdex::fs {

using VerifyMode = recovery::VerifyMode;
absl::string_view VerifyModeName(VerifyMode mode);

inline constexpr int kDefaultSaveIntervalSeconds = 30;

struct MountConfig {
  std::string log_dir;     // as given; absolute real path after ValidateMountPaths
  std::string mountpoint;  // likewise
  bool foreground = false;  // -f (or -d)
  bool debug = false;       // -d: libfuse request tracing, implies -f
  bool read_only = false;   // -o ro
  std::string cache_dir;    // -o cache_dir=, else the SPEC §6 default
  bool cache_dir_given = false;
  index::ScanOptions scan;  // -o sources=
  VerifyMode verify = VerifyMode::kFull;  // -o verify=
  int save_interval_seconds = kDefaultSaveIntervalSeconds;  // -o save_interval=
  // Where the daemon logs warnings and errors: -o log=FILE (absolute after
  // parsing); empty means syslog, or stderr under -f.
  std::string log_file;
  bool trace_requests = false;  // -o debug: one log line per FUSE request
  // Test seam for crash injection, from LOGDEX_TEST_CRASH_BEFORE_RENAME=1
  // (read once by main): every cache save abort()s after writing and
  // fsyncing its temp file, before renaming it into place.
  bool test_crash_before_rename = false;
  // Every -o option logdex does not own, in the order given, for libfuse
  // (which rejects the ones it does not know). `ro` is passed on as well.
  std::vector<std::string> fuse_options;
};

struct MountArgs {
  bool help = false;  // --help / -h: print usage, nothing else
  MountConfig config;
};

// Parses the arguments after `mount`. InvalidArgument names the problem.
// cwd makes a relative cache_dir absolute (the daemon runs in "/").
absl::StatusOr<MountArgs> ParseMountArgs(const std::vector<std::string>& args,
                                         const std::string& cwd);

// Applies one `-o` list ("ro,sources=pi+claude,allow_other") to *config.
absl::Status ApplyOptionList(absl::string_view list, const std::string& cwd,
                             MountConfig* config);

// Checks the log dir (exists, is a directory), the mount point (exists, is an
// empty directory, not inside the log dir) and /dev/fuse; replaces both paths
// by their real paths and fills in the default cache dir
// (recovery::DefaultCacheDir, SPEC §6).
absl::Status ValidateMountPaths(MountConfig* config);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_MOUNT_OPTIONS_H_
