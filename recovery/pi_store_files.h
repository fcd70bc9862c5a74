// A pi store's files as `logdex rebuild` (pi_rebuild.h) reaches them: their
// names, directories opened one component at a time and never through a
// symlink, pi's lock, and reads whose errors name the path relative to the
// store ("index/offsets.jsonl"; the command line puts the store in front).
#ifndef LOGDEX_RECOVERY_PI_STORE_FILES_H_
#define LOGDEX_RECOVERY_PI_STORE_FILES_H_

#include <fcntl.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "index/unique_fd.h"

namespace logdex::recovery {

// Names inside a store besides segments/ and index/offsets.jsonl (those are
// in index/pi_offsets_format.h): pi's lock and tmp/ (PI_FORMAT §1.2), the
// backup that rebuild keeps, and our own files in tmp/.
inline constexpr char kPiLockFile[] = "store.mutation.lock";
inline constexpr char kPiTmpDir[] = "tmp";
inline constexpr char kPiBackupFile[] = "offsets.jsonl.bak";            // in index/
inline constexpr char kRebuildShadowFile[] = "offsets.logdex.tmp";      // in tmp/
inline constexpr char kRebuildBackupTemp[] = "offsets.logdex.bak.tmp";  // in tmp/
inline constexpr unsigned kPiDirMode = 0700;
inline constexpr unsigned kPiFileMode = 0600;

// How a store's directories are opened: never through a symlink.
inline constexpr int kPiDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// `what path: strerror` as absl::ErrnoToStatus says it; ELOOP (O_NOFOLLOW
// met a symlink) as kFailedPrecondition "path is a symlink; not followed".
absl::Status PiFileError(int err, std::string_view what, std::string_view path);

// Why directory `name` of `parent` (shown as `path`) could not be opened:
// said plainly when it is a symlink (which O_DIRECTORY | O_NOFOLLOW reports
// as ENOTDIR) or not a directory at all.
absl::Status PiDirError(int err, int parent, std::string_view path, const char* name);

// Opens directory `name` of `parent`. Missing: with `create`, makes it
// kPiDirMode (and makes that durable); otherwise returns an invalid UniqueFd.
absl::StatusOr<index::UniqueFd> OpenPiDir(int parent, const char* name, bool create);

// Opens the store `rel` ("" for the log dir itself) below root_fd one
// component at a time, none of them a symlink.
absl::StatusOr<index::UniqueFd> OpenPiStore(int root_fd, std::string_view rel);

// pi's lock: shared (a dry run) or exclusive. Returns the fd holding it; an
// invalid UniqueFd when there is no lock file and `create` is false;
// kUnavailable when someone else holds it. *created: this call made the file.
absl::StatusOr<index::UniqueFd> LockPiStore(int store_fd, bool exclusive, bool create,
                                            bool* created = nullptr);

// pread of exactly n bytes at `at` into *out; false at EOF before n.
absl::StatusOr<bool> PiReadAt(int fd, uint64_t at, size_t n, std::string* out, std::string_view path);

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_PI_STORE_FILES_H_
