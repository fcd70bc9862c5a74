// Where the mount serves pi's offsets views (SPEC §5): for every pi store S
// (recovery/pi_views.h), `S/index/offsets.jsonl` is a derived file whose
// bytes are the rows pi's rebuild would write, whatever the backing copy
// holds, and `S/index/` a derived directory when the store has none. Changes
// to the name pass through to the backing file (pi writes its index through
// the mount too).
//
// The view shows the backing file's mode and owner when there is one (pi
// refuses an index with group or other permission bits), else 0600 and the
// store directory's owner; the derived index/ directory shows 0700 and the
// store's owner.
#ifndef LOGDEX_FS_PI_VIEW_FILES_H_
#define LOGDEX_FS_PI_VIEW_FILES_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "fs/derived_files.h"
#include "fs/index_holder.h"

namespace logdex::fs {

class PiViewFiles {
 public:
  // `holder` (whose pi views these are) outlives this object; root_fd is
  // the log dir (any fd that can be used with *at calls), not owned.
  PiViewFiles(IndexHolder* holder, int root_fd);
  ~PiViewFiles();
  PiViewFiles(const PiViewFiles&) = delete;
  PiViewFiles& operator=(const PiViewFiles&) = delete;

  // The names this ever answers for (DerivedFiles::SetResolver).
  static std::vector<std::string> Names();
  // DerivedFiles' resolver and lister.
  std::optional<DerivedSpec> Resolve(std::string_view dir, std::string_view name)
      ABSL_LOCKS_EXCLUDED(mu_);
  DerivedFiles::Listed List(std::string_view dir) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  class StoreSource;
  class DirSource;
  StoreSource* SourceFor(const std::string& store) ABSL_LOCKS_EXCLUDED(mu_);
  DirSource* DirFor(const std::string& store) ABSL_LOCKS_EXCLUDED(mu_);
  // A directory holding a directory named `segments`.
  bool IsStore(const std::string& store) const;
  bool BackingExists(const std::string& path) const;

  IndexHolder* const holder_;
  const int root_fd_;
  absl::Mutex mu_;
  // Made on first use, kept for the mount's life (derived nodes point here).
  std::map<std::string, std::unique_ptr<StoreSource>, std::less<>> files_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<DirSource>, std::less<>> dirs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_PI_VIEW_FILES_H_
