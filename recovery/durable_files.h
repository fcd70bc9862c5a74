// The file operations of logdex's two durable writers -- the index cache save
// (cache_file.h) and `logdex rebuild`'s replace of a pi store's
// offsets.jsonl (pi_rebuild.h) -- behind a narrow interface a test can
// replace, as LevelDB's Env is replaced by its FaultInjectionTestEnv
// (tests/unit/fault_injection_files.h simulates kills, I/O errors and power
// cuts at every call). Reading is not here: a reader sees what the calls
// made, and only what they made durable survives a power cut.
//
// Every change a writer makes to the disk goes through one DurableFiles, so
// that a test sees them all. Production uses PosixFiles().
//
// The durability contract (POSIX and Linux, as ext4/xfs/btrfs honour it):
//   - A killed process loses nothing it wrote: every call's effect is in the
//     kernel when it returns. A power cut keeps only what was made durable:
//   - File bytes are durable once DurableFile::Sync() returns OK after the
//     Append()s that wrote them. Close() does not make anything durable.
//   - A directory entry -- made by Create, MakeDir, Rename (both names),
//     Link, or removed by Unlink, Rename -- is durable once SyncDir() of the
//     directory holding it returns OK after the call. Until then a power cut
//     may undo it, and may undo some of a directory's pending entry changes
//     and not others, in any combination (a disk may write metadata out of
//     order). A new directory's own entries need a SyncDir of it; its entry
//     in its parent needs a SyncDir of the parent.
//   - A file is durable by name only when both hold: its bytes synced, and
//     the entry naming it synced in its directory.
//
// Hence the order of an atomic replace of DIR/NAME, which leaves NAME old or
// new, whole, through a power cut at any moment:
//   1. make DIR, if missing, and SyncDir(DIR's parent) (likewise each parent
//      a mkdir -p makes): else a power cut may drop DIR, and with it a save
//      that returned OK;
//   2. Create(DIR, TEMP), Append, Sync: the new bytes durable under a name
//      nobody reads (a power cut here leaves NAME as it was, maybe TEMP too).
//      A failed Sync ends the save: after an fsync error Linux may have
//      dropped the dirty pages, so the bytes are not known to be anywhere;
//   3. Rename(TEMP -> NAME): atomic for a running system. Only after 2: a
//      rename made durable before the bytes it names would put a name on an
//      empty or torn file;
//   4. SyncDir(DIR): the save is durable; before this returns, a power cut
//      leaves either name (the old or the new file, each whole).
// A backup of the old file (rebuild's .bak) is a second name, Link, renamed
// over the old backup, and made durable by a SyncDir before step 3: the
// backup is at every moment one whole older file, and once NAME is durably
// the new file, the backup is durably the file it replaced.
//
// Errors: absl::ErrnoToStatus codes (ENOENT is kNotFound, EEXIST
// kAlreadyExists), messages "cannot <what> <path>: <strerror>", with the path
// as the Dir's `shown` name and the entry name; ELOOP (a symlink where
// O_NOFOLLOW forbids one) is kFailedPrecondition "<path> is a symlink; not
// followed". A failed call changed nothing, except a failed Append or Sync,
// after which the file's contents are unknown (the writer removes it).
#ifndef LOGDEX_RECOVERY_DURABLE_FILES_H_
#define LOGDEX_RECOVERY_DURABLE_FILES_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace logdex::recovery {

// A directory the writer holds open (the writer owns the fd), and how error
// messages name it: "" when names in it are shown bare.
struct Dir {
  int fd = -1;
  std::string_view shown;
};

// "shown/name", or name when shown is "".
std::string ShownPath(Dir dir, std::string_view name);

// A file being written by Create's caller: bytes appended in order.
class DurableFile {
 public:
  virtual ~DurableFile() = default;  // closes, if Close() was not called
  virtual absl::Status Append(std::string_view bytes) = 0;
  // fsync(2): every byte appended so far is durable.
  virtual absl::Status Sync() = 0;
  // close(2), reporting its error; no durability.
  virtual absl::Status Close() = 0;
};

class DurableFiles {
 public:
  virtual ~DurableFiles() = default;

  // A new, empty file `name` in dir with exactly `mode` (whatever the
  // umask), open for writing. Never follows or replaces anything that is
  // there: kAlreadyExists if the name is taken, a symlink included.
  virtual absl::StatusOr<std::unique_ptr<DurableFile>> Create(Dir dir, std::string_view name,
                                                              unsigned mode) = 0;
  // A new directory `name` in parent with exactly `mode`; kAlreadyExists if
  // the name is taken.
  virtual absl::Status MakeDir(Dir parent, std::string_view name, unsigned mode) = 0;
  // rename(2): atomically points to_name at from_name's file (replacing
  // what to_name was) and removes from_name. If both already name the same
  // file, nothing changes (both names stay).
  virtual absl::Status Rename(Dir from, std::string_view from_name, Dir to, std::string_view to_name) = 0;
  // link(2): to_name becomes a second name of from_name's file (never
  // following a symlink); kAlreadyExists if to_name is taken.
  virtual absl::Status Link(Dir from, std::string_view from_name, Dir to, std::string_view to_name) = 0;
  // unlink(2) of a file (kNotFound if there is none).
  virtual absl::Status Unlink(Dir dir, std::string_view name) = 0;
  // fsync(2) of the directory: every entry change in it so far is durable.
  virtual absl::Status SyncDir(Dir dir) = 0;
};

// The real file system (thread-safe, stateless).
DurableFiles& PosixFiles();

// Forwards every call to `inner`: derive from it and override the one call
// that should behave otherwise (a crash seam, a fault a test injects).
class ForwardingFiles : public DurableFiles {
 public:
  explicit ForwardingFiles(DurableFiles& inner) : inner_(inner) {}
  absl::StatusOr<std::unique_ptr<DurableFile>> Create(Dir dir, std::string_view name, unsigned mode) override {
    return inner_.Create(dir, name, mode);
  }
  absl::Status MakeDir(Dir parent, std::string_view name, unsigned mode) override {
    return inner_.MakeDir(parent, name, mode);
  }
  absl::Status Rename(Dir from, std::string_view from_name, Dir to, std::string_view to_name) override {
    return inner_.Rename(from, from_name, to, to_name);
  }
  absl::Status Link(Dir from, std::string_view from_name, Dir to, std::string_view to_name) override {
    return inner_.Link(from, from_name, to, to_name);
  }
  absl::Status Unlink(Dir dir, std::string_view name) override { return inner_.Unlink(dir, name); }
  absl::Status SyncDir(Dir dir) override { return inner_.SyncDir(dir); }

 protected:
  DurableFiles& inner_;
};

// Crash seam of the mount tests (LOGDEX_TEST_CRASH_BEFORE_RENAME=1): the
// real file system, except that a Rename abort()s the process instead (a
// cache save dies with its temp file written and fsynced, not yet renamed).
DurableFiles& AbortBeforeRenameFiles();

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_DURABLE_FILES_H_
