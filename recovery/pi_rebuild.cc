// The rebuild of one pi store's offsets.jsonl: lock, derive, compare, and the
// crash-safe replace (steps and their reasons in pi_rebuild.h).
#include "recovery/pi_rebuild.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "index/file_io.h"
#include "index/log_tree.h"
#include "index/pi_offsets_format.h"
#include "index/unique_fd.h"

namespace logdex::recovery {
namespace {

namespace pf = index::pi_format;
using index::UniqueFd;

constexpr size_t kChunk = 1 << 20;
// A backing offsets.jsonl larger than this (some 5 million rows of ~200
// bytes) is not read into memory: the store fails with a message saying to
// move the file aside. Memory stays bounded by this plus one store's rows.
constexpr uint64_t kMaxIndexBytes = uint64_t{1} << 30;

// The whole file, unless it is larger than kMaxIndexBytes.
absl::StatusOr<std::string> ReadAll(int fd, std::string_view path) {
  auto too_big = [path] {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "%s is over %d bytes, more than an index is (move it aside to rebuild it)", path, kMaxIndexBytes));
  };
  std::string bytes;
  struct stat st;
  if (fstat(fd, &st) != 0) return PiFileError(errno, "cannot stat", path);
  if (static_cast<uint64_t>(st.st_size) > kMaxIndexBytes) return too_big();
  bytes.reserve(static_cast<size_t>(st.st_size));
  if (!index::ReadToEnd(fd, &bytes, kMaxIndexBytes)) {
    return errno == EFBIG ? too_big() : PiFileError(errno, "cannot read", path);
  }
  return bytes;
}

// The shadow reads back exactly as `expected`, in bounded memory.
absl::Status CompareFile(int fd, std::string_view expected, std::string_view path) {
  std::string buf;
  uint64_t at = 0;
  while (at < expected.size()) {
    const size_t n = std::min<size_t>(kChunk, expected.size() - at);
    absl::StatusOr<bool> whole = PiReadAt(fd, at, n, &buf, path);
    if (!whole.ok()) return whole.status();
    if (!*whole) return absl::DataLossError(absl::StrFormat("%s reads back shorter than written", path));
    if (std::memcmp(buf.data(), expected.data() + at, n) != 0) {
      size_t i = 0;
      while (buf[i] == expected[at + i]) ++i;
      return absl::DataLossError(absl::StrFormat("%s reads back different at byte %d", path, at + i));
    }
    at += n;
  }
  absl::StatusOr<bool> more = PiReadAt(fd, at, 1, &buf, path);
  if (!more.ok()) return more.status();
  if (*more) return absl::DataLossError(absl::StrFormat("%s reads back longer than written", path));
  return absl::OkStatus();
}

// Unlinks `name` in dir; a missing file is fine.
absl::Status RemoveIfThere(DurableFiles& files, Dir dir, const char* name) {
  absl::Status s = files.Unlink(dir, name);
  return absl::IsNotFound(s) ? absl::OkStatus() : s;
}

// Opens directory `name` of the store, first making it (kPiDirMode, made
// durable in the store) if missing.
absl::StatusOr<UniqueFd> OpenOrMakeDir(DurableFiles& files, int store_fd, const char* name) {
  absl::StatusOr<UniqueFd> dir = OpenPiDir(store_fd, name, /*create=*/false);
  if (!dir.ok() || dir->valid()) return dir;
  const Dir store{store_fd, ""};
  absl::Status made = files.MakeDir(store, name, kPiDirMode);
  if (!made.ok() && !absl::IsAlreadyExists(made)) return made;
  if (made.ok()) {
    if (absl::Status s = files.SyncDir(store); !s.ok()) return s;
  }
  dir = OpenPiDir(store_fd, name, /*create=*/false);
  if (dir.ok() && !dir->valid()) return PiFileError(ENOENT, "cannot open directory", name);
  return dir;
}

// Our own temp files left by a run that was killed. Only unlinks what is
// there, so an already-clean store is not touched (no new mtime).
void RemoveLeftovers(int store_fd) {
  absl::StatusOr<UniqueFd> tmp = OpenPiDir(store_fd, kPiTmpDir, /*create=*/false);
  if (!tmp.ok() || !tmp->valid()) return;
  for (const char* name : {kRebuildShadowFile, kRebuildBackupTemp}) {
    struct stat st;
    if (fstatat(tmp->get(), name, &st, AT_SYMLINK_NOFOLLOW) == 0) unlinkat(tmp->get(), name, 0);
  }
}

// One look at the store: derive, read the backing copy, compare. Fills the
// report's rows, stop and drift; true when the backing copy is right.
absl::StatusOr<bool> Look(int store_fd, const PiRebuildOptions& options, PiStoreReport* r,
                          std::string* derived_bytes) {
  absl::StatusOr<index::PiDerivedIndex> derived =
      options.derive ? options.derive(store_fd) : index::DerivePiOffsets(store_fd);
  if (!derived.ok()) return derived.status();
  r->rows = derived->rows;
  r->stop = derived->stop;
  if (r->stop.reason == index::PiStopReason::kUnreadable) {
    return absl::DataLossError(absl::StrFormat("cannot read %s at byte %d%s%s",
                                               index::JoinRelPath(pf::kSegmentsDir, r->stop.segment),
                                               r->stop.byte_offset, r->stop.detail.empty() ? "" : ": ",
                                               r->stop.detail));
  }
  absl::StatusOr<std::optional<std::string>> backing = ReadPiIndex(store_fd);
  if (!backing.ok()) return backing.status();
  std::optional<std::string_view> backing_view;
  if (backing->has_value()) backing_view = **backing;
  r->drift = ComparePiOffsets(backing_view, derived->bytes);
  *derived_bytes = std::move(derived->bytes);
  return backing->has_value() && **backing == *derived_bytes;
}

void Step(const RebuildStepHook& hook, RebuildStep step) {
  if (hook) hook(step);
}

}  // namespace

std::string_view RebuildStepName(RebuildStep step) {
  switch (step) {
    case RebuildStep::kShadowWritten:
      return "shadow_written";
    case RebuildStep::kShadowVerified:
      return "shadow_verified";
    case RebuildStep::kBackupKept:
      return "backup_kept";
    case RebuildStep::kRenamed:
      return "renamed";
    case RebuildStep::kDirSynced:
      return "dir_synced";
  }
  return "?";
}

std::optional<RebuildStep> ParseRebuildStep(std::string_view name) {
  for (RebuildStep step : kAllRebuildSteps) {
    if (RebuildStepName(step) == name) return step;
  }
  return std::nullopt;
}

bool WritesRowsBeforeStop(const index::PiStop& stop) {
  return stop.action != index::PiAction::kFail && stop.reason != index::PiStopReason::kUnreadable;
}

absl::StatusOr<std::optional<std::string>> ReadPiIndex(int store_dir_fd) {
  absl::StatusOr<UniqueFd> dir = OpenPiDir(store_dir_fd, pf::kIndexDir.data(), /*create=*/false);
  if (!dir.ok()) return dir.status();
  if (!dir->valid()) return std::nullopt;
  const std::string path(pf::kOffsetsPath);
  // Never opened unless it is a regular file: a FIFO there would release a
  // writer blocked on it (index::OpenRegularAt).
  struct stat st;
  if (fstatat(dir->get(), pf::kOffsetsFile.data(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISLNK(st.st_mode)) return PiFileError(ELOOP, "cannot open", path);
    return absl::FailedPreconditionError(absl::StrCat(path, " is not a regular file"));
  }
  UniqueFd fd(index::OpenRegularAt(dir->get(), pf::kOffsetsFile.data()));
  if (!fd.valid() && errno == ENOENT) return std::nullopt;
  if (!fd.valid()) return PiFileError(errno, "cannot open", path);
  absl::StatusOr<std::string> bytes = ReadAll(fd.get(), path);
  if (!bytes.ok()) return bytes.status();
  return std::optional<std::string>(std::move(*bytes));
}

absl::Status ReplacePiIndex(int store_dir_fd, std::string_view derived, const RebuildStepHook& after_step,
                            PiReplaceProgress* progress, DurableFiles& files) {
  *progress = PiReplaceProgress();
  absl::StatusOr<UniqueFd> index_dir = OpenOrMakeDir(files, store_dir_fd, pf::kIndexDir.data());
  if (!index_dir.ok()) return index_dir.status();
  absl::StatusOr<UniqueFd> tmp_dir = OpenOrMakeDir(files, store_dir_fd, kPiTmpDir);
  if (!tmp_dir.ok()) return tmp_dir.status();
  const Dir idx{index_dir->get(), pf::kIndexDir}, tmp{tmp_dir->get(), kPiTmpDir};
  const std::string shadow = index::JoinRelPath(kPiTmpDir, kRebuildShadowFile);

  // 3. The shadow: a fresh inode (a leftover may have any mode), 0600.
  if (absl::Status s = RemoveIfThere(files, tmp, kRebuildShadowFile); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<DurableFile>> out = files.Create(tmp, kRebuildShadowFile, kPiFileMode);
  if (!out.ok()) return out.status();
  // Until the rename the shadow is ours to remove, on every error return.
  absl::Cleanup remove_shadow = [&] { (void)files.Unlink(tmp, kRebuildShadowFile); };
  if (absl::Status s = (*out)->Append(derived); !s.ok()) return s;
  if (absl::Status s = (*out)->Sync(); !s.ok()) return s;
  if (absl::Status s = (*out)->Close(); !s.ok()) return s;
  Step(after_step, RebuildStep::kShadowWritten);

  // 4. Re-read by name: what a reader of the renamed file would get.
  UniqueFd in(openat(tmp.fd, kRebuildShadowFile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in.valid()) return PiFileError(errno, "cannot reopen", shadow);
  if (absl::Status s = CompareFile(in.get(), derived, shadow); !s.ok()) return s;
  if (absl::Status s = CheckPiRowCrcs(store_dir_fd, derived); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(shadow, " not installed: ", s.message()));
  }
  Step(after_step, RebuildStep::kShadowVerified);

  // 5. The backup: a second name for the live file, renamed over the old
  // .bak, so .bak is at every moment one whole older index; made durable
  // before the switch, so a power cut cannot leave the new index with no
  // backup of the one it replaced.
  if (absl::Status s = RemoveIfThere(files, tmp, kRebuildBackupTemp); !s.ok()) return s;
  if (absl::Status linked = files.Link(idx, pf::kOffsetsFile, tmp, kRebuildBackupTemp); linked.ok()) {
    if (absl::Status s = files.Rename(tmp, kRebuildBackupTemp, idx, kPiBackupFile); !s.ok()) {
      (void)files.Unlink(tmp, kRebuildBackupTemp);
      return s;
    }
    // When .bak already was the live file (a run killed between steps 5 and
    // 6), rename(2) leaves both names: drop ours.
    (void)RemoveIfThere(files, tmp, kRebuildBackupTemp);
    if (absl::Status s = files.SyncDir(idx); !s.ok()) return s;
    progress->backed_up = true;
  } else if (!absl::IsNotFound(linked)) {
    return linked;
  }
  Step(after_step, RebuildStep::kBackupKept);

  // 6. The switch: atomic; readers see the old file or the new one.
  if (absl::Status s = files.Rename(tmp, kRebuildShadowFile, idx, pf::kOffsetsFile); !s.ok()) return s;
  std::move(remove_shadow).Cancel();
  progress->installed = true;
  Step(after_step, RebuildStep::kRenamed);

  // 7. The rename is durable only once the directory is.
  if (absl::Status s = files.SyncDir(idx); !s.ok()) return s;
  Step(after_step, RebuildStep::kDirSynced);
  return absl::OkStatus();
}

PiStoreReport RebuildPiStore(int root_fd, std::string_view rel, const PiRebuildOptions& options) {
  PiStoreReport r;
  r.dry_run = options.dry_run;
  auto fail = [&r](absl::Status s) {
    r.result = PiStoreResult::kFailed;
    r.error = std::move(s);
    return r;
  };
  auto locked = [&r](absl::Status s) {
    r.result = PiStoreResult::kLocked;
    r.error = std::move(s);
    return r;
  };
  absl::StatusOr<UniqueFd> store = OpenPiStore(root_fd, rel);
  if (!store.ok()) return fail(store.status());
  // Held until this function returns: what is derived, compared and replaced
  // is what pi would see. A store without a lock file is first looked at
  // unlocked (making the lock file would be a write, and a store that is
  // right is not touched); if it needs a rewrite, the lock file is made and
  // locked. pi makes that file before its first mutation and never removes
  // it, so when it is still ours to make, no pi that locks has touched the
  // store since the look; when it appeared meanwhile, the store is looked at
  // again under the lock.
  absl::StatusOr<UniqueFd> lock = LockPiStore(store->get(), !options.dry_run, /*create=*/false);
  if (!lock.ok()) return absl::IsUnavailable(lock.status()) ? locked(lock.status()) : fail(lock.status());
  std::string derived;
  for (;;) {
    absl::StatusOr<bool> right = Look(store->get(), options, &r, &derived);
    if (!right.ok()) return fail(right.status());
    if (*right) {
      if (lock->valid() && !options.dry_run) RemoveLeftovers(store->get());
      r.result = PiStoreResult::kAlreadyRight;
      return r;
    }
    if (!WritesRowsBeforeStop(r.stop)) {
      r.result = PiStoreResult::kWithheld;
      return r;
    }
    if (options.dry_run) {
      r.result = PiStoreResult::kRewritten;
      return r;
    }
    if (lock->valid()) break;
    bool created = false;
    lock = LockPiStore(store->get(), /*exclusive=*/true, /*create=*/true, &created);
    if (!lock.ok()) return absl::IsUnavailable(lock.status()) ? locked(lock.status()) : fail(lock.status());
    if (created) break;
  }
  PiReplaceProgress progress;
  DurableFiles& files = options.files != nullptr ? *options.files : PosixFiles();
  const absl::Status replaced = ReplacePiIndex(store->get(), derived, options.after_step, &progress, files);
  r.backed_up = progress.backed_up;
  r.installed = progress.installed;
  if (!replaced.ok()) return fail(replaced);
  r.result = PiStoreResult::kRewritten;
  return r;
}

}  // namespace logdex::recovery
