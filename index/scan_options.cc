#include "index/scan_options.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace logdex::index {

absl::StatusOr<std::array<bool, kSourceCount>> ParseSourceList(std::string_view list) {
  std::array<bool, kSourceCount> out = {};
  bool any = false;
  for (absl::string_view name : absl::StrSplit(absl::string_view(list.data(), list.size()),
                                               absl::ByAnyChar(",+:"), absl::SkipEmpty())) {
    bool known = false;
    for (int s = 0; s < kSourceCount; ++s) {
      const std::string_view want = SourceName(static_cast<Source>(s));
      if (name == absl::string_view(want.data(), want.size())) {
        out[s] = true;
        known = any = true;
      }
    }
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown source '", name, "' (expected pi, claude, codex, jsonl)"));
    }
  }
  if (!any) return absl::InvalidArgumentError("sources= names no source");
  return out;
}

}  // namespace logdex::index
