// The rebuild of one pi store's offsets.jsonl: lock, derive, compare, and the
// crash-safe replace (steps and their reasons in pi_rebuild.h).
#include "recovery/pi_rebuild.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "index/crc32c.h"
#include "index/file_io.h"
#include "index/unique_fd.h"

namespace logdex::recovery {
namespace {

using index::UniqueFd;

// This abseil's string_view is its own type, not std::string_view.
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
constexpr size_t kChunk = 1 << 20;
// A backing offsets.jsonl larger than this (some 5 million rows of ~200
// bytes) is not read into memory: the store fails with a message saying to
// move the file aside. Memory stays bounded by this plus one store's rows.
constexpr uint64_t kMaxIndexBytes = uint64_t{1} << 30;

// Paths in messages are relative to the store ("index/offsets.jsonl"); the
// command line puts the store's path in front.
absl::Status Errno(int err, std::string_view what, std::string_view path) {
  if (err == ELOOP)
    return absl::FailedPreconditionError(absl::StrCat(A(path), " is a symlink; not followed"));
  return absl::ErrnoToStatus(err, absl::StrCat(A(what), " ", A(path)));
}

std::string In(std::string_view dir, std::string_view name) { return absl::StrCat(A(dir), "/", A(name)); }

// Opens directory `name` of `parent`. Missing: with `create`, makes it
// kPiDirMode (and makes that durable); otherwise returns an invalid UniqueFd.
// A directory that cannot be opened: say plainly when it is a symlink (which
// O_DIRECTORY | O_NOFOLLOW reports as ENOTDIR) or not a directory at all.
absl::Status DirError(int err, int parent, std::string_view path, const char* name) {
  struct stat st;
  if (err == ENOTDIR && fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) return Errno(ELOOP, "", path);
    return absl::FailedPreconditionError(absl::StrCat(A(path), " is not a directory"));
  }
  return Errno(err, "cannot open directory", path);
}

absl::StatusOr<UniqueFd> OpenDir(int parent, const char* name, bool create) {
  UniqueFd fd(openat(parent, name, kDirFlags));
  if (fd.valid()) return fd;
  if (errno != ENOENT) return DirError(errno, parent, name, name);
  if (!create) return UniqueFd();
  if (mkdirat(parent, name, kPiDirMode) != 0 && errno != EEXIST) {
    return Errno(errno, "cannot create directory", name);
  }
  fd = UniqueFd(openat(parent, name, kDirFlags));
  if (!fd.valid()) return DirError(errno, parent, name, name);
  // Exactly 0700 whatever the umask (PI_FORMAT §1.4).
  if (fchmod(fd.get(), kPiDirMode) != 0) return Errno(errno, "cannot chmod", name);
  if (fsync(parent) != 0) return Errno(errno, "cannot fsync the directory holding", name);
  return fd;
}

absl::Status WriteAll(int fd, std::string_view bytes, std::string_view path) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), std::min(bytes.size(), kChunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno(n < 0 ? errno : EIO, "cannot write", path);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// The whole file, unless it is larger than kMaxIndexBytes.
absl::StatusOr<std::string> ReadAll(int fd, std::string_view path) {
  auto too_big = [path] {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "%s is over %d bytes, more than an index is (move it aside to rebuild it)", path, kMaxIndexBytes));
  };
  std::string bytes;
  struct stat st;
  if (fstat(fd, &st) != 0) return Errno(errno, "cannot stat", path);
  if (static_cast<uint64_t>(st.st_size) > kMaxIndexBytes) return too_big();
  bytes.reserve(static_cast<size_t>(st.st_size));
  if (!index::ReadToEnd(fd, &bytes, kMaxIndexBytes)) {
    return errno == EFBIG ? too_big() : Errno(errno, "cannot read", path);
  }
  return bytes;
}

// pread of exactly n bytes at `at`; false at EOF before n.
absl::StatusOr<bool> ReadAt(int fd, uint64_t at, size_t n, std::string* out, std::string_view path) {
  out->resize(n);
  int err;
  const size_t got = index::PreadAll(fd, out->data(), n, at, &err);
  if (err != 0) return Errno(err, "cannot read", path);
  return got == n;
}

// The shadow reads back exactly as `expected`, in bounded memory.
absl::Status CompareFile(int fd, std::string_view expected, std::string_view path) {
  std::string buf;
  uint64_t at = 0;
  while (at < expected.size()) {
    const size_t n = std::min<size_t>(kChunk, expected.size() - at);
    absl::StatusOr<bool> whole = ReadAt(fd, at, n, &buf, path);
    if (!whole.ok()) return whole.status();
    if (!*whole) return absl::DataLossError(absl::StrFormat("%s reads back shorter than written", path));
    if (std::memcmp(buf.data(), expected.data() + at, n) != 0) {
      size_t i = 0;
      while (buf[i] == expected[at + i]) ++i;
      return absl::DataLossError(absl::StrFormat("%s reads back different at byte %d", path, at + i));
    }
    at += n;
  }
  absl::StatusOr<bool> more = ReadAt(fd, at, 1, &buf, path);
  if (!more.ok()) return more.status();
  if (*more) return absl::DataLossError(absl::StrFormat("%s reads back longer than written", path));
  return absl::OkStatus();
}

// The unsigned decimal after the last `key` in a row. Rows are the fixed
// shape of AppendPiOffsetRow; only entryId, which comes before every field
// looked up here, is free text, so the last occurrence is the field.
bool FieldAfter(std::string_view line, std::string_view key, uint64_t* value) {
  const size_t at = line.rfind(key);
  if (at == std::string_view::npos) return false;
  size_t i = at + key.size();
  uint64_t v = 0;
  const size_t first = i;
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
    const uint64_t d = static_cast<uint64_t>(line[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *value = v;
  return i > first;
}

bool CrcField(std::string_view line, uint32_t* crc) {
  constexpr std::string_view kKey = ",\"crc32c\":\"";
  const size_t at = line.rfind(kKey);
  if (at == std::string_view::npos || at + kKey.size() + 9 > line.size()) return false;
  uint32_t v = 0;
  for (size_t i = at + kKey.size(); i < at + kKey.size() + 8; ++i) {
    const char c = line[i];
    if (c >= '0' && c <= '9') {
      v = v << 4 | static_cast<uint32_t>(c - '0');
    } else if (c >= 'A' && c <= 'F') {
      v = v << 4 | static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
  }
  *crc = v;
  return line[at + kKey.size() + 8] == '"';
}

// The file of segment `seq`: the canonical 16-digit name pi writes, else
// whichever listed name has that number (PI_FORMAT §1.3).
absl::StatusOr<std::pair<UniqueFd, std::string>> OpenSegment(int segments_fd, uint64_t seq) {
  std::string name = absl::StrFormat("%016d.seg", seq);
  UniqueFd fd(openat(segments_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid() && errno == ENOENT) {
    absl::StatusOr<std::vector<index::PiSegment>> listed = index::ListPiSegments(segments_fd);
    if (listed.ok()) {
      for (const index::PiSegment& s : *listed) {
        if (s.seq != seq) continue;
        name = s.name;
        fd = UniqueFd(openat(segments_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        break;
      }
    }
  }
  if (!fd.valid()) return Errno(errno, "cannot open", In(kPiSegmentsDir, name));
  return std::make_pair(std::move(fd), In(kPiSegmentsDir, name));
}

// Unlinks `name` in dir; a missing file is fine.
absl::Status RemoveIfThere(int dir, const char* name, std::string_view path) {
  if (unlinkat(dir, name, 0) != 0 && errno != ENOENT) return Errno(errno, "cannot remove", path);
  return absl::OkStatus();
}

// Our own temp files left by a run that was killed. Only unlinks what is
// there, so an already-clean store is not touched (no new mtime).
void RemoveLeftovers(int store_fd) {
  absl::StatusOr<UniqueFd> tmp = OpenDir(store_fd, kPiTmpDir, /*create=*/false);
  if (!tmp.ok() || !tmp->valid()) return;
  for (const char* name : {kRebuildShadowFile, kRebuildBackupTemp}) {
    struct stat st;
    if (fstatat(tmp->get(), name, &st, AT_SYMLINK_NOFOLLOW) == 0) unlinkat(tmp->get(), name, 0);
  }
}

// pi's lock: shared (a dry run) or exclusive. Returns the fd holding it; an
// invalid UniqueFd when there is no lock file and `create` is false;
// kUnavailable when someone else holds it. *created: this call made the file.
absl::StatusOr<UniqueFd> LockStore(int store_fd, bool exclusive, bool create, bool* created = nullptr) {
  constexpr int kFlags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
  UniqueFd fd(openat(store_fd, kPiLockFile, kFlags));
  if (!fd.valid() && errno == ENOENT) {
    if (!create) return UniqueFd();
    fd = UniqueFd(openat(store_fd, kPiLockFile, kFlags | O_CREAT | O_EXCL, kPiFileMode));
    if (fd.valid() && fchmod(fd.get(), kPiFileMode) != 0) return Errno(errno, "cannot chmod", kPiLockFile);
    if (fd.valid() && created != nullptr) *created = true;
    if (!fd.valid() && errno == EEXIST) fd = UniqueFd(openat(store_fd, kPiLockFile, kFlags));
  }
  if (!fd.valid()) return Errno(errno, "cannot open", kPiLockFile);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Errno(errno, "cannot stat", kPiLockFile);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(kPiLockFile, " is not a regular file"));
  }
  int rc;
  do {
    rc = flock(fd.get(), (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0 && errno == EWOULDBLOCK) {
    return absl::UnavailableError(absl::StrCat(kPiLockFile, " is held by another process"));
  }
  if (rc != 0) return Errno(errno, "cannot lock", kPiLockFile);
  return fd;
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
                                               In(kPiSegmentsDir, r->stop.segment), r->stop.byte_offset,
                                               r->stop.detail.empty() ? "" : ": ", r->stop.detail));
  }
  absl::StatusOr<std::optional<std::string>> backing = ReadPiIndex(store_fd);
  if (!backing.ok()) return backing.status();
  std::optional<std::string_view> backing_view;
  if (backing->has_value()) backing_view = **backing;
  r->drift = ComparePiOffsets(backing_view, derived->bytes);
  *derived_bytes = std::move(derived->bytes);
  return backing->has_value() && **backing == *derived_bytes;
}

// Opens the store one component at a time, none of them a symlink.
absl::StatusOr<UniqueFd> OpenStore(int root_fd, std::string_view rel) {
  UniqueFd dir(openat(root_fd, ".", kDirFlags));
  if (!dir.valid()) return Errno(errno, "cannot open", "the log dir");
  if (rel.empty()) return dir;
  for (absl::string_view part : absl::StrSplit(A(rel), '/')) {
    const std::string name(part);
    UniqueFd next(openat(dir.get(), name.c_str(), kDirFlags));
    if (!next.valid()) return DirError(errno, dir.get(), name, name.c_str());
    dir = std::move(next);
  }
  return dir;
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
  absl::StatusOr<UniqueFd> dir = OpenDir(store_dir_fd, kPiIndexDir, /*create=*/false);
  if (!dir.ok()) return dir.status();
  if (!dir->valid()) return std::nullopt;
  const std::string path = In(kPiIndexDir, kPiIndexFile);
  UniqueFd fd(openat(dir->get(), kPiIndexFile, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid() && errno == ENOENT) return std::nullopt;
  if (!fd.valid()) return Errno(errno, "cannot open", path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Errno(errno, "cannot stat", path);
  if (!S_ISREG(st.st_mode))
    return absl::FailedPreconditionError(absl::StrCat(path, " is not a regular file"));
  absl::StatusOr<std::string> bytes = ReadAll(fd.get(), path);
  if (!bytes.ok()) return bytes.status();
  return std::optional<std::string>(std::move(*bytes));
}

absl::Status CheckPiRowCrcs(int store_dir_fd, std::string_view rows) {
  if (rows.empty()) return absl::OkStatus();
  UniqueFd segments(openat(store_dir_fd, kPiSegmentsDir, kDirFlags));
  if (!segments.valid()) return DirError(errno, store_dir_fd, kPiSegmentsDir, kPiSegmentsDir);
  UniqueFd segment;
  std::string segment_path;
  uint64_t segment_seq = 0;
  std::string frame;
  uint64_t line_no = 0;
  while (!rows.empty()) {
    ++line_no;
    const size_t nl = rows.find('\n');
    if (nl == std::string_view::npos) {
      return absl::DataLossError(absl::StrFormat("row %d has no final newline", line_no));
    }
    const std::string_view line = rows.substr(0, nl);
    rows.remove_prefix(nl + 1);
    uint64_t seq = 0, offset = 0, length = 0;
    uint32_t crc = 0;
    if (!FieldAfter(line, ",\"segmentSeq\":", &seq) || !FieldAfter(line, ",\"byteOffset\":", &offset) ||
        !FieldAfter(line, ",\"byteLength\":", &length) || !CrcField(line, &crc)) {
      return absl::DataLossError(absl::StrFormat("row %d is not an offsets.jsonl row", line_no));
    }
    if (!segment.valid() || seq != segment_seq) {
      auto opened = OpenSegment(segments.get(), seq);
      if (!opened.ok()) return opened.status();
      segment = std::move(opened->first);
      segment_path = std::move(opened->second);
      segment_seq = seq;
    }
    if (length > (uint64_t{100} << 20)) {
      return absl::DataLossError(absl::StrFormat("row %d: byteLength %d is over 100 MiB", line_no, length));
    }
    absl::StatusOr<bool> whole =
        ReadAt(segment.get(), offset, static_cast<size_t>(length), &frame, segment_path);
    if (!whole.ok()) return whole.status();
    if (!*whole) {
      return absl::DataLossError(absl::StrFormat("row %d points past the end of %s (%d bytes at byte %d)",
                                                 line_no, segment_path, length, offset));
    }
    const uint32_t actual = index::Crc32c(frame);
    if (actual != crc) {
      return absl::DataLossError(absl::StrFormat("row %d: crc32c %08X, but the %d bytes at %s:%d have %08X",
                                                 line_no, crc, length, segment_path, offset, actual));
    }
  }
  return absl::OkStatus();
}

absl::Status ReplacePiIndex(int store_dir_fd, std::string_view derived, const RebuildStepHook& after_step,
                            PiReplaceProgress* progress) {
  *progress = PiReplaceProgress();
  absl::StatusOr<UniqueFd> index_dir = OpenDir(store_dir_fd, kPiIndexDir, /*create=*/true);
  if (!index_dir.ok()) return index_dir.status();
  absl::StatusOr<UniqueFd> tmp_dir = OpenDir(store_dir_fd, kPiTmpDir, /*create=*/true);
  if (!tmp_dir.ok()) return tmp_dir.status();
  const int index_fd = index_dir->get(), tmp_fd = tmp_dir->get();
  const std::string shadow = In(kPiTmpDir, kRebuildShadowFile);
  const std::string backup_temp = In(kPiTmpDir, kRebuildBackupTemp);
  const std::string live = In(kPiIndexDir, kPiIndexFile);
  const std::string backup = In(kPiIndexDir, kPiBackupFile);

  // 3. The shadow: a fresh inode (a leftover may have any mode), 0600.
  if (absl::Status s = RemoveIfThere(tmp_fd, kRebuildShadowFile, shadow); !s.ok()) return s;
  UniqueFd out(
      openat(tmp_fd, kRebuildShadowFile, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kPiFileMode));
  if (!out.valid()) return Errno(errno, "cannot create", shadow);
  // Until the rename the shadow is ours to remove, on every error return.
  absl::Cleanup remove_shadow = [tmp_fd] { unlinkat(tmp_fd, kRebuildShadowFile, 0); };
  if (fchmod(out.get(), kPiFileMode) != 0) return Errno(errno, "cannot chmod", shadow);
  if (absl::Status s = WriteAll(out.get(), derived, shadow); !s.ok()) return s;
  if (fsync(out.get()) != 0) return Errno(errno, "cannot fsync", shadow);
  if (out.Close() != 0) return Errno(errno, "cannot close", shadow);
  Step(after_step, RebuildStep::kShadowWritten);

  // 4. Re-read by name: what a reader of the renamed file would get.
  UniqueFd in(openat(tmp_fd, kRebuildShadowFile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in.valid()) return Errno(errno, "cannot reopen", shadow);
  if (absl::Status s = CompareFile(in.get(), derived, shadow); !s.ok()) return s;
  if (absl::Status s = CheckPiRowCrcs(store_dir_fd, derived); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(shadow, " not installed: ", s.message()));
  }
  Step(after_step, RebuildStep::kShadowVerified);

  // 5. The backup: a second name for the live file, renamed over the old
  // .bak, so .bak is at every moment one whole older index.
  if (absl::Status s = RemoveIfThere(tmp_fd, kRebuildBackupTemp, backup_temp); !s.ok()) return s;
  if (linkat(index_fd, kPiIndexFile, tmp_fd, kRebuildBackupTemp, 0) == 0) {
    if (renameat(tmp_fd, kRebuildBackupTemp, index_fd, kPiBackupFile) != 0) {
      const int err = errno;
      unlinkat(tmp_fd, kRebuildBackupTemp, 0);
      return Errno(err, "cannot rename into place", backup);
    }
    // When .bak already was the live file (a run killed between steps 5 and
    // 6), rename(2) leaves both names: drop ours.
    unlinkat(tmp_fd, kRebuildBackupTemp, 0);
    if (fsync(index_fd) != 0) return Errno(errno, "cannot fsync", kPiIndexDir);
    progress->backed_up = true;
  } else if (errno != ENOENT) {
    return Errno(errno, "cannot link", absl::StrCat(live, " as ", backup_temp));
  }
  Step(after_step, RebuildStep::kBackupKept);

  // 6. The switch: atomic; readers see the old file or the new one.
  if (renameat(tmp_fd, kRebuildShadowFile, index_fd, kPiIndexFile) != 0) {
    return Errno(errno, "cannot rename into place", live);
  }
  std::move(remove_shadow).Cancel();
  progress->installed = true;
  Step(after_step, RebuildStep::kRenamed);

  // 7. The rename is durable only once the directory is.
  if (fsync(index_fd) != 0) return Errno(errno, "cannot fsync", kPiIndexDir);
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
  absl::StatusOr<UniqueFd> store = OpenStore(root_fd, rel);
  if (!store.ok()) return fail(store.status());
  // Held until this function returns: what is derived, compared and replaced
  // is what pi would see. A store without a lock file is first looked at
  // unlocked (making the lock file would be a write, and a store that is
  // right is not touched); if it needs a rewrite, the lock file is made and
  // locked. pi makes that file before its first mutation and never removes
  // it, so when it is still ours to make, no pi that locks has touched the
  // store since the look; when it appeared meanwhile, the store is looked at
  // again under the lock.
  absl::StatusOr<UniqueFd> lock = LockStore(store->get(), !options.dry_run, /*create=*/false);
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
    lock = LockStore(store->get(), /*exclusive=*/true, /*create=*/true, &created);
    if (!lock.ok()) return absl::IsUnavailable(lock.status()) ? locked(lock.status()) : fail(lock.status());
    if (created) break;
  }
  PiReplaceProgress progress;
  const absl::Status replaced = ReplacePiIndex(store->get(), derived, options.after_step, &progress);
  r.backed_up = progress.backed_up;
  r.installed = progress.installed;
  if (!replaced.ok()) return fail(replaced);
  r.result = PiStoreResult::kRewritten;
  return r;
}

}  // namespace logdex::recovery
