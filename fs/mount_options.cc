#include "fs/mount_options.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fuse_opt.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace logdex::fs {
namespace {

constexpr absl::string_view kDevFuse = "/dev/fuse";

std::string MakeAbsolute(absl::string_view path, const std::string& cwd) {
  if (absl::StartsWith(path, "/")) return std::string(path);
  return absl::StrCat(cwd, "/", path);
}

absl::StatusOr<std::string> RealPath(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot resolve '%s': %s", path, std::strerror(errno)));
  }
  return std::string(buf);
}

// OK if `path` is a directory; `what` names it in the message.
absl::Status CheckDirectory(const std::string& path, absl::string_view what) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return absl::InvalidArgumentError(absl::StrFormat("%s '%s' does not exist", what, path));
    }
    return absl::InvalidArgumentError(
        absl::StrFormat("%s '%s': %s", what, path, std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrFormat("%s '%s' is not a directory", what, path));
  }
  return absl::OkStatus();
}

absl::Status CheckEmptyDirectory(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("mount point '%s': %s", path, std::strerror(errno)));
  }
  absl::Cleanup close_dir = [dir] { ::closedir(dir); };
  while (struct dirent* e = ::readdir(dir)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("mount point '%s' is not empty", path));
    }
  }
  return absl::OkStatus();
}

bool IsWithin(absl::string_view path, absl::string_view dir) {
  if (path == dir) return true;
  if (dir == "/") return true;
  return absl::StartsWith(path, dir) && path.size() > dir.size() && path[dir.size()] == '/';
}

}  // namespace

absl::string_view VerifyModeName(VerifyMode mode) {
  return mode == VerifyMode::kStat ? "stat" : "full";
}

namespace {

// What fuse_opt_parse hands each option to: the config being filled, and the
// state the "-o sources=pi,claude" continuation needs.
struct OptionParse {
  const std::string* cwd = nullptr;
  MountConfig* config = nullptr;
  std::string sources;        // the list so far, while the last option was sources=
  bool after_sources = false;
  absl::Status error;
};

// Keys of the options logdex owns; everything else is FUSE_OPT_KEY_OPT.
enum OptionKey : int {
  kCacheDir = 1, kSources, kVerify, kSaveInterval, kLog, kDebug, kReadOnly, kReadWrite,
  kNeedsValue,  // one of the above written without '=VALUE'
};

// Templates ending in '=' match "key=anything" (fuse_opt.h).
constexpr fuse_opt kOptions[] = {
    FUSE_OPT_KEY("cache_dir=", kCacheDir),
    FUSE_OPT_KEY("sources=", kSources),
    FUSE_OPT_KEY("verify=", kVerify),
    FUSE_OPT_KEY("save_interval=", kSaveInterval),
    FUSE_OPT_KEY("log=", kLog),
    FUSE_OPT_KEY("debug", kDebug),
    FUSE_OPT_KEY("ro", kReadOnly),
    FUSE_OPT_KEY("rw", kReadWrite),
    FUSE_OPT_KEY("cache_dir", kNeedsValue),
    FUSE_OPT_KEY("sources", kNeedsValue),
    FUSE_OPT_KEY("verify", kNeedsValue),
    FUSE_OPT_KEY("save_interval", kNeedsValue),
    FUSE_OPT_KEY("log", kNeedsValue),
    FUSE_OPT_END,
};

absl::Status ApplySources(absl::string_view list, MountConfig* config) {
  absl::StatusOr<std::array<bool, index::kSourceCount>> sources =
      index::ParseSourceList(std::string_view(list.data(), list.size()));
  if (!sources.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("bad sources list '%s': %s", list, sources.status().message()));
  }
  config->scan.sources = *sources;
  return absl::OkStatus();
}

absl::Status ApplyOne(int key, absl::string_view opt, OptionParse* p) {
  MountConfig* const config = p->config;
  const size_t eq = opt.find('=');
  const absl::string_view key_name = opt.substr(0, eq);
  const absl::string_view value =
      eq == absl::string_view::npos ? absl::string_view() : opt.substr(eq + 1);
  const bool continues_sources = p->after_sources;
  p->after_sources = false;
  if (key == kNeedsValue || (key >= kCacheDir && key <= kLog && value.empty())) {
    return absl::InvalidArgumentError(absl::StrFormat("option '%s' needs a value", key_name));
  }
  switch (key) {
    case kCacheDir:
      config->cache_dir = MakeAbsolute(value, *p->cwd);
      config->cache_dir_given = true;
      return absl::OkStatus();
    case kLog:
      config->log_file = MakeAbsolute(value, *p->cwd);
      return absl::OkStatus();
    case kDebug:
      config->trace_requests = true;
      return absl::OkStatus();
    case kSources:
      p->sources = std::string(value);
      p->after_sources = true;
      return ApplySources(value, config);
    case kSaveInterval: {
      int seconds = 0;
      if (!absl::SimpleAtoi(value, &seconds) || seconds < 1 || seconds > 86400) {
        return absl::InvalidArgumentError(
            absl::StrFormat("bad save_interval '%s' (want whole seconds, 1 to 86400)", value));
      }
      config->save_interval_seconds = seconds;
      return absl::OkStatus();
    }
    case kVerify:
      if (value == "full") {
        config->verify = VerifyMode::kFull;
      } else if (value == "stat") {
        config->verify = VerifyMode::kStat;
      } else {
        return absl::InvalidArgumentError(
            absl::StrFormat("bad verify mode '%s' (want full or stat)", value));
      }
      return absl::OkStatus();
    case kReadOnly:
    case kReadWrite:
      config->read_only = key == kReadOnly;
      config->fuse_options.emplace_back(opt);  // libfuse makes the mount ro or rw
      return absl::OkStatus();
    default:
      break;
  }
  // "-o sources=pi,claude": the ',' split the list; a bare source name right
  // after sources= continues it (no FUSE option has such a name).
  if (continues_sources && eq == absl::string_view::npos &&
      index::ParseSourceList(std::string_view(opt.data(), opt.size())).ok()) {
    absl::StrAppend(&p->sources, "+", opt);
    p->after_sources = true;
    return ApplySources(p->sources, config);
  }
  if (IsMountHelperOption(opt)) return absl::OkStatus();
  config->fuse_options.emplace_back(opt);
  return absl::OkStatus();
}

int ProcessOption(void* data, const char* arg, int key, fuse_args* /*outargs*/) {
  auto* p = static_cast<OptionParse*>(data);
  if (key == FUSE_OPT_KEY_NONOPT) {  // cannot happen for "-o LIST"; refuse rather than guess
    p->error = absl::InvalidArgumentError(absl::StrFormat("unexpected argument '%s'", arg));
    return -1;
  }
  const absl::string_view opt(arg);
  if (opt.empty()) return 0;  // "ro,,rw"
  p->error = ApplyOne(key, opt, p);
  return p->error.ok() ? 0 : -1;  // 0: consumed, nothing left for outargs
}

}  // namespace

bool IsMountHelperOption(absl::string_view opt) {
  // What fstab and mount(8) add for themselves and libfuse would reject as
  // unknown; and the VFS atime flags an fstab line may carry that libfuse
  // 3.14 cannot set (it knows rw, ro, dev, nodev, suid, nosuid, exec, noexec,
  // sync, async, dirsync, atime, noatime: those pass on). relatime and
  // diratime are what a new mount gets anyway; the others cannot be had.
  static constexpr absl::string_view kDropped[] = {
      "defaults", "auto", "noauto", "user", "nouser", "users", "owner", "group",
      "_netdev", "nofail",
      "relatime", "norelatime", "strictatime", "nostrictatime", "diratime", "nodiratime",
      "lazytime", "nolazytime",
  };
  for (absl::string_view d : kDropped) {
    if (opt == d) return true;
  }
  return absl::StartsWith(opt, "x-") || absl::StartsWith(opt, "X-") ||
         absl::StartsWith(opt, "comment=");
}

absl::Status ApplyOptionList(absl::string_view list, const std::string& cwd,
                             MountConfig* config) {
  // fuse_opt_parse splits the list at ',' (a '\,' is a comma inside a value)
  // and calls ProcessOption for each option, in order.
  std::string program = "logdex", dash_o = "-o", text(list);
  char* argv[] = {program.data(), dash_o.data(), text.data(), nullptr};
  fuse_args args = FUSE_ARGS_INIT(3, argv);
  OptionParse parse;
  parse.cwd = &cwd;
  parse.config = config;
  const int rc = fuse_opt_parse(&args, &parse, kOptions, ProcessOption);
  fuse_opt_free_args(&args);
  if (!parse.error.ok()) return parse.error;
  if (rc != 0) return absl::InvalidArgumentError(absl::StrFormat("cannot parse options '%s'", list));
  return absl::OkStatus();
}

absl::Status ValidateMountPaths(MountConfig* config) {
  if (absl::Status s = CheckDirectory(config->log_dir, "log dir"); !s.ok()) return s;
  if (absl::Status s = CheckDirectory(config->mountpoint, "mount point"); !s.ok()) return s;
  absl::StatusOr<std::string> log_dir = RealPath(config->log_dir);
  if (!log_dir.ok()) return log_dir.status();
  absl::StatusOr<std::string> mountpoint = RealPath(config->mountpoint);
  if (!mountpoint.ok()) return mountpoint.status();
  if (IsWithin(*mountpoint, *log_dir)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "mount point '%s' is inside the log dir '%s'", *mountpoint, *log_dir));
  }
  if (absl::Status s = CheckEmptyDirectory(*mountpoint); !s.ok()) return s;
  if (::access(std::string(kDevFuse).c_str(), R_OK | W_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s is not usable (%s); is the fuse module loaded?", kDevFuse, std::strerror(errno)));
  }
  config->log_dir = *std::move(log_dir);
  config->mountpoint = *std::move(mountpoint);
  if (!config->cache_dir_given) config->cache_dir = recovery::DefaultCacheDir(config->log_dir);
  return absl::OkStatus();
}

}  // namespace logdex::fs
