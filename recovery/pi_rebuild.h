// `logdex rebuild` (SPEC §8, issue 7 item 3): the engine that puts a pi
// store's `index/offsets.jsonl` back to the bytes pi's own rebuild_index
// would write (index/pi_offsets.h), without ever making things worse.
// fs/rebuild_command.cc is the command line around it.
//
// Per store, holding pi's own lock (`store.mutation.lock`, flock LOCK_EX |
// LOCK_NB: a store pi is writing is skipped, never raced; a store with no
// lock file is first looked at unlocked, and only when it needs a rewrite is
// the lock file created (0600) and locked -- and steps 1-2 done again if the
// file appeared meanwhile -- so a store that is right gets no lock file):
//   1. derive the rows from the segments (read-only);
//   2. read the backing index/offsets.jsonl; byte-identical: stop here, touch
//      nothing (no write, no new mtime), so a second run changes nothing;
//   3. write the new bytes as a shadow, tmp/offsets.logdex.tmp (pi stages its
//      own rebuild in tmp/offsets.rebuild.tmp; ours never collides), fsync;
//                                                         -> kShadowWritten
//   4. re-read the shadow: its bytes must equal the derived bytes, and every
//      row's CRC-32C must equal the CRC of the segment bytes it points at;
//                                                         -> kShadowVerified
//   5. keep the previous file as index/offsets.jsonl.bak: hard-link it as
//      tmp/offsets.logdex.bak.tmp, rename that over the old .bak, fsync
//      index/ (no previous file: the old .bak, if any, stays); -> kBackupKept
//   6. rename the shadow over index/offsets.jsonl;       -> kRenamed
//   7. fsync index/.                                      -> kDirSynced
// Killed anywhere (SIGKILL), the store holds its old index or its new one,
// each whole, and .bak is an older index, whole; a rerun finishes the job
// (it redoes 3-7 while the index still differs, and removes our own temp
// files left behind).
//
// Created directories (index/, tmp/) are 0700 and files 0600 (PI_FORMAT
// §1.4); nothing is opened through a symlink (O_NOFOLLOW, directories one
// component at a time). A segment byte is never changed. Where pi's rebuild
// would stop (PiStop), the rows before that line are written and the store
// is reported unrepaired -- except where pi would *fail* (a bad line that is
// not at the end, invalid UTF-8, an oversized line): there nothing is
// written, because pi, opening a store whose index ends before such a line,
// truncates the segment to the end of the last row (PI_FORMAT §5.4 step 5)
// and would lose every good frame after it. A segment that cannot be read
// is an I/O error: nothing is written either.
//
// Dry run: the same steps 1-2 and a report of what would change; nothing is
// created, written, renamed or removed. It takes a shared lock (LOCK_SH |
// LOCK_NB) when the lock file exists (never creating it), so a store pi is
// writing is reported locked, as a real run would, and what it reports is a
// consistent state of the store.
#ifndef LOGDEX_RECOVERY_PI_REBUILD_H_
#define LOGDEX_RECOVERY_PI_REBUILD_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "index/pi_offsets.h"
#include "recovery/durable_files.h"
#include "recovery/pi_drift.h"
#include "recovery/pi_row_crcs.h"
#include "recovery/pi_store_files.h"

namespace logdex::recovery {

// The points between the steps of a rewrite, in order (the crash seam).
enum class RebuildStep {
  kShadowWritten,   // shadow written and fsynced
  kShadowVerified,  // shadow re-read and checked
  kBackupKept,      // previous index in place as .bak (also when there was none)
  kRenamed,         // shadow renamed over index/offsets.jsonl
  kDirSynced,       // index/ fsynced: done
};
inline constexpr RebuildStep kAllRebuildSteps[] = {RebuildStep::kShadowWritten, RebuildStep::kShadowVerified,
                                                   RebuildStep::kBackupKept, RebuildStep::kRenamed,
                                                   RebuildStep::kDirSynced};

// "shadow_written", "shadow_verified", "backup_kept", "renamed", "dir_synced".
std::string_view RebuildStepName(RebuildStep step);
std::optional<RebuildStep> ParseRebuildStep(std::string_view name);

// Test seam: called after each step of a rewrite; a crash test aborts there.
using RebuildStepHook = std::function<void(RebuildStep)>;

// Derives a store's rows from its directory fd: index::DerivePiOffsets, or
// bytes a unit test injects.
using PiDeriver = std::function<absl::StatusOr<index::PiDerivedIndex>(int store_dir_fd)>;

struct PiRebuildOptions {
  bool dry_run = false;
  PiDeriver derive;  // empty: index::DerivePiOffsets
  RebuildStepHook after_step;
  DurableFiles* files = nullptr;  // every change goes through it; null: PosixFiles()
};

enum class PiStoreResult {
  kAlreadyRight,  // backing copy equals the derived bytes: not touched
  kRewritten,     // replaced (dry run: would be)
  kLocked,        // store.mutation.lock is held by someone else: skipped, not touched
  kWithheld,      // differs, but pi would fail at a damaged line: left as it was
  kFailed,        // could not derive, read, write or verify: old index left as it was
};

// What happened to one store.
struct PiStoreReport {
  PiStoreResult result = PiStoreResult::kAlreadyRight;
  bool dry_run = false;
  PiDrift drift;           // backing copy vs derived (valid once both were read)
  uint64_t rows = 0;       // derived rows (those written, or that would be)
  index::PiStop stop;      // where pi's rebuild would stop
  bool backed_up = false;  // the previous copy is now index/offsets.jsonl.bak
  bool installed = false;  // the new file is index/offsets.jsonl (also when kFailed after that)
  absl::Status error;      // kFailed: why (coordinates in the message)

  // Something is left for the user: damage in the segments, a locked store,
  // an error.
  bool unrepaired() const {
    return result == PiStoreResult::kLocked || result == PiStoreResult::kFailed ||
           result == PiStoreResult::kWithheld || stop.damage;
  }
};

// Whether the rows before a stop are written (all stops but pi's kFail and
// unreadable segments).
bool WritesRowsBeforeStop(const index::PiStop& stop);

// Rebuilds the store at `rel` (a path from index::LogTree::pi_stores, "" for
// the log dir itself) below the directory open as root_fd: lock, derive,
// compare, rewrite (see the header comment). The store is opened one path
// component at a time, never through a symlink. Never fails as a whole:
// every problem is in the report.
PiStoreReport RebuildPiStore(int root_fd, std::string_view rel, const PiRebuildOptions& options);

// The lower layer, for tests and for RebuildPiStore. Both assume the caller
// holds the store's lock.

// The backing index/offsets.jsonl (nullopt: it does not exist). A symlink or
// a non-regular file there is an error.
absl::StatusOr<std::optional<std::string>> ReadPiIndex(int store_dir_fd);

// How far a replace got.
struct PiReplaceProgress {
  bool backed_up = false;  // step 5 moved the previous file to .bak
  bool installed = false;  // step 6 renamed the new file into place
};

// Steps 3-7: replaces index/offsets.jsonl with `derived` (creating index/
// and tmp/ 0700 if missing, each made durable in the store), every change
// through `files` (durable_files.h says what each call promises). On an
// error, nothing after the failing step is done; *progress says what was.
// Through a kill or a power cut at any moment, offsets.jsonl is the old file
// or the new one, whole, and .bak absent, an older .bak or the old file;
// once this returns OK, the new file and its .bak survive a power cut.
absl::Status ReplacePiIndex(int store_dir_fd, std::string_view derived, const RebuildStepHook& after_step,
                            PiReplaceProgress* progress, DurableFiles& files = PosixFiles());

// Half of step 4 is CheckPiRowCrcs (pi_row_crcs.h).

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_PI_REBUILD_H_
