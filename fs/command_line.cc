#include "fs/command_line.h"

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "fs/usage_text.h"

namespace logdex::fs {
namespace {

constexpr const char* kCommandNames[] = {"mount",  "index",   "verify", "rebuild",
                                         "status", "unmount", "help"};

// The usage text of a command (the whole tool's for "").
std::string UsageOf(const std::string& command) {
  if (command == "mount") return MountUsage();
  if (command == "index") return IndexUsage();
  if (command == "verify") return VerifyUsage();
  if (command == "rebuild") return RebuildUsage();
  if (command == "status") return StatusUsage();
  if (command == "unmount") return UnmountUsage();
  return FullUsage();
}

ParsedCommandLine Done(int code, ParsedCommandLine parsed = {}) {
  parsed.exit_code = code;
  return parsed;
}

ParsedCommandLine Help(const std::string& command, std::FILE* out) {
  std::fputs(UsageOf(command).c_str(), out);
  return Done(0);
}

// One line, always: "logdex mount: MOUNTPOINT is required (see logdex mount --help)".
ParsedCommandLine Error(const std::string& command, std::string message, std::FILE* err) {
  message = absl::StrReplaceAll(message, {{"\n", "; "}});
  const std::string who = command.empty() ? "logdex" : "logdex " + command;
  std::fprintf(err, "%s: %s (see %s --help)\n", who.c_str(), message.c_str(), who.c_str());
  return Done(2);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

bool IsCommandName(const std::string& word) {
  for (const char* name : kCommandNames) {
    if (word == name) return true;
  }
  return false;
}

ParsedCommandLine ParseCommandLine(const std::vector<std::string>& args_in, const std::string& cwd,
                                   std::FILE* out, std::FILE* err) {
  std::vector<std::string> args = args_in;
  bool bare = false;
  if (args.empty()) {
    std::fputs(ToolUsage(), err);
    return Done(2);
  }
  if (args[0] == "help") {  // `logdex help`, `logdex help COMMAND`
    return Help(args.size() > 1 && IsCommandName(args[1]) ? args[1] : "", out);
  }
  if (!args[0].empty() && args[0][0] != '-' && !IsCommandName(args[0])) {
    // The bare form `logdex LOGDIR MOUNTPOINT -o OPTS`, as mount.fuse3 runs it.
    if (args[0].find('/') == std::string::npos && !Exists(args[0])) {
      return Error("", "unknown command '" + args[0] +
                           "', and no log dir of that name to mount (to mount a directory named "
                           "like a command, write ./NAME)",
                   err);
    }
    args.insert(args.begin(), "mount");
    bare = true;
  }

  ParsedCommandLine parsed;
  CommandLine& line = parsed.line;
  CLI::App app("", "logdex");
  app.set_help_flag("-h,--help");
  app.require_subcommand(0, 1);  // none: an error below, after CLI11's own

  CLI::App* mount = app.add_subcommand("mount");
  std::vector<std::string> option_lists;
  bool debug = false;
  mount->add_flag("-f,--foreground", line.mount.foreground);
  mount->add_flag("-d,--debug", debug);
  mount->add_option("-o", option_lists)
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  mount->add_option("LOGDIR", line.mount.log_dir)->required();
  mount->add_option("MOUNTPOINT", line.mount.mountpoint)->required();

  CLI::App* index = app.add_subcommand("index");
  std::optional<std::string> sources;
  index->add_option("--sources", sources);
  index->add_option("LOGDIR", line.index.log_dir)->required();

  CLI::App* verify = app.add_subcommand("verify");
  verify->add_flag("--json", line.verify.json);
  verify->add_option("LOGDIR", line.verify.log_dir)->required();

  CLI::App* rebuild = app.add_subcommand("rebuild");
  rebuild->add_flag("--dry-run", line.rebuild.dry_run);
  rebuild->add_option("LOGDIR", line.rebuild.log_dir)->required();

  CLI::App* status = app.add_subcommand("status");
  status->add_flag("--json", line.status.json);
  status->add_option("MOUNTPOINT", line.status.mountpoint)->required();

  CLI::App* unmount = app.add_subcommand("unmount");
  unmount->add_option("MOUNTPOINT", line.unmount.mountpoint)->required();

  // CLI11 wants argv order reversed in a vector.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    const std::vector<CLI::App*> got = app.get_subcommands();
    return Help(got.empty() ? "" : got.front()->get_name(), out);
  } catch (const CLI::ParseError& e) {
    // CLI11's words ("The following argument was not expected: X"), then the
    // command's synopsis, so that the line says what was wanted.
    const std::vector<CLI::App*> got = app.get_subcommands();
    const std::string command = got.empty() ? "" : got.front()->get_name();
    const std::string usage = UsageOf(command);
    const std::string synopsis = usage.substr(0, usage.find('\n'));
    std::string what = e.what();
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {  // name the first one
      const std::vector<std::string> extras = got.empty() ? app.remaining() : got.front()->remaining();
      if (!extras.empty()) {
        const std::string& x = extras.front();
        what = (x.size() > 1 && x[0] == '-' ? "unknown flag '" : "unexpected argument '") + x + "'";
      }
    }
    return Error(command, absl::StrCat(what, "; ", synopsis), err);
  }

  if (mount->parsed()) {
    line.command = Command::kMount;
    if (debug) line.mount.debug = line.mount.foreground = true;
    for (const std::string& list : option_lists) {
      if (absl::Status s = ApplyOptionList(list, cwd, &line.mount); !s.ok()) {
        return Error("mount", std::string(s.message()), err);
      }
    }
    // Mounted from fstab, the mount's source must read as the line's first
    // field, or `mount -a` takes it for unmounted and mounts it again.
    std::vector<std::string>& fuse = line.mount.fuse_options;
    const bool named = std::any_of(fuse.begin(), fuse.end(), [](const std::string& o) {
      return o.rfind("fsname=", 0) == 0;
    });
    if (bare && !named) fuse.insert(fuse.begin(), "fsname=" + line.mount.log_dir);
  } else if (index->parsed()) {
    line.command = Command::kIndex;
    if (sources) {
      auto list = index::ParseSourceList(*sources);
      if (!list.ok()) return Error("index", std::string(list.status().message()), err);
      line.index.scan.sources = *list;
    }
  } else if (verify->parsed()) {
    line.command = Command::kVerify;
  } else if (rebuild->parsed()) {
    line.command = Command::kRebuild;
  } else if (status->parsed()) {
    line.command = Command::kStatus;
  } else if (unmount->parsed()) {
    line.command = Command::kUnmount;
  } else {  // flags only, say `logdex -f`
    return Error("", "no command given", err);
  }
  return parsed;
}

}  // namespace logdex::fs
