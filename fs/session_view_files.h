// Where the mount serves session views (SPEC §10): /.logdex/sessions/ is a
// derived directory (derived_files.h) holding one derived file per session
// of the index (index/session_index.h), named as index/session_name.h says.
// Each name's DerivedSource asks the index holder for the session's current
// version, as fresh as the index; the directory and its files are read-only
// (0555 and 0444, the log dir root's owner, like /.logdex).
//
// Unlike a lookup at the root, a lookup or listing here may open the index
// (a build): it is the only way to know which names exist, and the kernel
// serializes lookups per directory, so only this directory waits.
#ifndef LOGDEX_FS_SESSION_VIEW_FILES_H_
#define LOGDEX_FS_SESSION_VIEW_FILES_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "fs/derived_files.h"
#include "fs/index_holder.h"

namespace logdex::fs {

// The directory's path relative to the log dir's root, as DerivedFiles
// names it, and where it stands.
inline constexpr std::string_view kSessionsParent = ".logdex";
inline constexpr std::string_view kSessionsName = "sessions";
inline constexpr std::string_view kSessionsDir = ".logdex/sessions";

class SessionViewFiles {
 public:
  // `holder` outlives this object; `file_perms`: the files' mode and owner
  // (the directory shows the same owner, mode 0555).
  SessionViewFiles(IndexHolder* holder, DerivedPerms file_perms);
  ~SessionViewFiles();
  SessionViewFiles(const SessionViewFiles&) = delete;
  SessionViewFiles& operator=(const SessionViewFiles&) = delete;

  // The spec of /.logdex/sessions itself.
  DerivedSpec DirSpec();
  // DerivedFiles' resolver and lister for names in kSessionsDir.
  std::optional<DerivedSpec> Resolve(std::string_view name) ABSL_LOCKS_EXCLUDED(mu_);
  DerivedFiles::Listed List() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  class SessionSource;
  class DirSource;
  // The source for `name` (made on first use).
  DerivedSource* SourceFor(std::string_view name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  IndexHolder* const holder_;
  const DerivedPerms file_perms_;
  const std::unique_ptr<DirSource> dir_;
  absl::Mutex mu_;
  // By file name (the key views the source's own copy); made on first use
  // and kept for the mount's life (derived nodes point here).
  absl::flat_hash_map<absl::string_view, std::unique_ptr<SessionSource>> sources_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_SESSION_VIEW_FILES_H_
