// Fuzz target: the `-o` option parser (fs/mount_options.h, ApplyOptionList over libfuse's
// fuse_opt_parse). Input: the option list as given after -o.
//
// Properties: never a crash, leak or hang; on success the config holds only what the contract
// allows: save_interval within 1..86400, cache_dir and log absolute (made so against cwd), and
// nothing logdex owns or a mount helper adds passed on to libfuse but ro/rw.
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/match.h"
#include "fs/mount_options.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string list(reinterpret_cast<const char*>(data), size);
  logdex::fs::MountConfig config;
  const absl::Status st = logdex::fs::ApplyOptionList(list, "/work/here", &config);
  if (!st.ok()) {
    FUZZ_CHECK(st.code() == absl::StatusCode::kInvalidArgument,
               "unexpected error kind: " + st.ToString());
    return 0;
  }
  FUZZ_CHECK(config.save_interval_seconds >= 1 && config.save_interval_seconds <= 86400,
             "save_interval out of range: " + std::to_string(config.save_interval_seconds));
  FUZZ_CHECK(!config.cache_dir_given || absl::StartsWith(config.cache_dir, "/"),
             "cache_dir not absolute: " + config.cache_dir);
  FUZZ_CHECK(config.log_file.empty() || absl::StartsWith(config.log_file, "/"),
             "log not absolute: " + config.log_file);
  for (const std::string& opt : config.fuse_options) {
    if (opt == "ro" || opt == "rw") continue;
    for (const std::string own : {"cache_dir", "sources", "verify", "save_interval", "log"}) {
      FUZZ_CHECK(!(absl::StartsWith(opt, own) &&
                   (opt.size() == own.size() || opt[own.size()] == '=')),
                 "logdex's own option passed to libfuse: " + opt);
    }
    FUZZ_CHECK(opt != "debug", "debug passed to libfuse");
    FUZZ_CHECK(!logdex::fs::IsMountHelperOption(opt), "mount helper option kept: " + opt);
  }
  return 0;
}
