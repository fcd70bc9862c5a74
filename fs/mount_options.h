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

namespace logdex::fs {

enum class VerifyMode { kFull, kStat };
absl::string_view VerifyModeName(VerifyMode mode);

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
// by their real paths and fills in the default cache dir.
absl::Status ValidateMountPaths(MountConfig* config);

// SPEC §6: $XDG_CACHE_HOME/logdex/<id>, else $HOME/.cache/logdex/<id>, with
// <id> the first 16 hex digits of SHA-256 of the log dir's real path. Empty
// or relative XDG_CACHE_HOME is ignored (XDG base dir spec).
std::string DefaultCacheDir(const std::string& real_log_dir, const char* xdg_cache_home,
                            const char* home);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_MOUNT_OPTIONS_H_
