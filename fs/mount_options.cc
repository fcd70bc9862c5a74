#include "fs/mount_options.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

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
#include "absl/strings/str_split.h"

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

absl::Status ApplyOptionList(absl::string_view list, const std::string& cwd,
                             MountConfig* config) {
  // "-o sources=pi,claude": the ',' split the list; a bare source name right
  // after sources= continues it (no FUSE option has such a name).
  std::vector<std::string> opts;
  for (absl::string_view token : absl::StrSplit(list, ',')) {
    if (token.empty()) continue;
    if (!opts.empty() && absl::StartsWith(opts.back(), "sources=") &&
        token.find('=') == absl::string_view::npos && index::ParseSourceList(std::string_view(token.data(), token.size())).ok()) {
      absl::StrAppend(&opts.back(), "+", token);
    } else {
      opts.emplace_back(token);
    }
  }
  for (absl::string_view opt : opts) {
    absl::string_view key = opt.substr(0, opt.find('='));
    bool has_value = key.size() < opt.size();
    absl::string_view value = has_value ? opt.substr(key.size() + 1) : absl::string_view();
    if (key == "cache_dir" || key == "sources" || key == "verify" || key == "save_interval" ||
        key == "log") {
      if (!has_value || value.empty()) {
        return absl::InvalidArgumentError(absl::StrFormat("option '%s' needs a value", key));
      }
    }
    if (key == "cache_dir") {
      config->cache_dir = MakeAbsolute(value, cwd);
      config->cache_dir_given = true;
    } else if (key == "log") {
      config->log_file = MakeAbsolute(value, cwd);
    } else if (opt == "debug") {
      config->trace_requests = true;
    } else if (key == "sources") {
      absl::StatusOr<std::array<bool, index::kSourceCount>> sources =
          index::ParseSourceList(std::string_view(value.data(), value.size()));
      if (!sources.ok()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "bad sources list '%s': %s", value, sources.status().message()));
      }
      config->scan.sources = *sources;
    } else if (key == "save_interval") {
      int seconds = 0;
      if (!absl::SimpleAtoi(value, &seconds) || seconds < 1 || seconds > 86400) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "bad save_interval '%s' (want whole seconds, 1 to 86400)", value));
      }
      config->save_interval_seconds = seconds;
    } else if (key == "verify") {
      if (value == "full") {
        config->verify = VerifyMode::kFull;
      } else if (value == "stat") {
        config->verify = VerifyMode::kStat;
      } else {
        return absl::InvalidArgumentError(
            absl::StrFormat("bad verify mode '%s' (want full or stat)", value));
      }
    } else {
      if (opt == "ro") config->read_only = true;
      if (opt == "rw") config->read_only = false;
      config->fuse_options.emplace_back(opt);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<MountArgs> ParseMountArgs(const std::vector<std::string>& args,
                                         const std::string& cwd) {
  MountArgs out;
  std::vector<std::string> positional;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_done || a.empty() || a[0] != '-' || a == "-") {
      positional.push_back(a);
    } else if (a == "--") {
      options_done = true;
    } else if (a == "-h" || a == "--help") {
      out.help = true;
      return out;
    } else if (a == "-f") {
      out.config.foreground = true;
    } else if (a == "-d" || a == "--debug") {
      out.config.debug = true;
      out.config.foreground = true;
    } else if (a == "-o") {
      if (i + 1 == args.size()) return absl::InvalidArgumentError("-o needs an option list");
      if (absl::Status s = ApplyOptionList(args[++i], cwd, &out.config); !s.ok()) return s;
    } else if (absl::StartsWith(a, "-o")) {
      if (absl::Status s = ApplyOptionList(a.substr(2), cwd, &out.config); !s.ok()) return s;
    } else {
      return absl::InvalidArgumentError(absl::StrFormat("unknown flag '%s'", a));
    }
  }
  if (positional.size() < 2) {
    return absl::InvalidArgumentError("needs LOGDIR and MOUNTPOINT");
  }
  if (positional.size() > 2) {
    return absl::InvalidArgumentError(
        absl::StrFormat("unexpected argument '%s'", positional[2]));
  }
  out.config.log_dir = positional[0];
  out.config.mountpoint = positional[1];
  return out;
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
