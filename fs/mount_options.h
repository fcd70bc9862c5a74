// `logdex mount` arguments: the -o list (fs/command_line.h parses the flags)
// and checking the paths before anything is mounted (SPEC §8: bad arguments,
// a missing log dir, a mount point that is not an empty directory: exit 2,
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

// Applies one `-o` list ("ro,sources=pi+claude,allow_other") to *config,
// split and unescaped by libfuse's fuse_opt_parse ('\,' is a comma inside a
// value). logdex's own options (ro/rw, sources=, cache_dir=, verify=,
// save_interval=, log=, debug) set their fields; a bare source name right after
// sources= continues its list ("sources=pi,claude"); what fstab and mount(8)
// add for themselves (IsMountHelperOption) is dropped; everything else goes to
// fuse_options, in order. InvalidArgument names the problem. cwd makes a
// relative cache_dir or log file absolute (the daemon runs in "/").
absl::Status ApplyOptionList(absl::string_view list, const std::string& cwd,
                             MountConfig* config);

// Options an fstab line or mount(8)/mount.fuse3 may pass that libfuse 3.14
// would reject: defaults, auto, noauto, user, nouser, users, owner, group,
// _netdev, nofail, x-* and X-* (systemd and util-linux), comment=*, and the
// atime flags libfuse cannot set (relatime, norelatime, strictatime,
// nostrictatime, diratime, nodiratime, lazytime, nolazytime). Dropped by
// ApplyOptionList.
bool IsMountHelperOption(absl::string_view opt);

// Checks the log dir (exists, is a directory), the mount point (exists, is an
// empty directory, not inside the log dir) and /dev/fuse; replaces both paths
// by their real paths and fills in the default cache dir
// (recovery::DefaultCacheDir, SPEC §6).
absl::Status ValidateMountPaths(MountConfig* config);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_MOUNT_OPTIONS_H_
