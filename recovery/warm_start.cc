#include "recovery/warm_start.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "index/log_tree.h"
#include "index/sha256.h"
#include "recovery/row_verifier.h"

namespace logdex::recovery {
namespace {

uint8_t SourceMask(const index::ScanOptions& options) {
  uint8_t mask = 0;
  for (int s = 0; s < index::kSourceCount; ++s) {
    if (options.sources[s]) mask |= static_cast<uint8_t>(1u << s);
  }
  return mask;
}

std::string RealPath(const std::string& path) {
  char* real = realpath(path.c_str(), nullptr);
  if (real == nullptr) return path;
  std::string out(real);
  free(real);
  return out;
}

// Moves the strings: a cache of 100,000 files is not copied twice.
index::FileRecord ToRecord(CachedFile&& f) {
  index::FileRecord rec;
  rec.rel_path = std::move(f.rel_path);
  rec.ino = f.ino;
  rec.size = f.size;
  rec.mtime_ns = f.mtime_ns;
  rec.consumed_to = f.consumed_to;
  rec.source = f.source;
  rec.session = std::move(f.session);
  rec.indexed = f.indexed;
  return rec;
}

CachedFile ToCached(const index::FileRecord& rec) {
  CachedFile f;
  f.rel_path = rec.rel_path;
  f.ino = rec.ino;
  f.size = rec.size;
  f.mtime_ns = rec.mtime_ns;
  f.consumed_to = rec.consumed_to;
  f.source = rec.source;
  f.session = rec.session;
  f.indexed = rec.indexed;
  return f;
}

}  // namespace

std::string_view StartKindName(StartKind kind) {
  switch (kind) {
    case StartKind::kBuilt: return "built";
    case StartKind::kReused: return "reused";
    case StartKind::kRebuiltDamaged: return "rebuilt_damaged_cache";
    case StartKind::kRebuiltForeign: return "rebuilt_foreign_cache";
  }
  return "built";
}

std::string LogDirId(const std::string& log_dir) {
  index::Sha256 sha;
  const auto d = sha.Digest(RealPath(log_dir));
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string DefaultCacheDir(const std::string& log_dir) {
  index::Sha256 sha;
  const std::string id = sha.HexDigest(RealPath(log_dir)).substr(0, 16);
  const char* xdg = getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return absl::StrCat(xdg, "/logdex/", id);
  const char* home = getenv("HOME");
  return absl::StrCat(home != nullptr && home[0] != '\0' ? home : "/root", "/.cache/logdex/", id);
}

absl::StatusOr<StartReport> OpenIndex(index::LiveIndex& live, const std::string& cache_dir,
                                      VerifyMode verify) {
  const absl::Time start = absl::Now();
  StartReport report;
  auto build = [&](StartKind kind, std::string detail) -> absl::StatusOr<StartReport> {
    report.kind = kind;
    report.detail = std::move(detail);
    if (absl::Status s = live.Build(); !s.ok()) return s;
    report.seconds = absl::ToDoubleSeconds(absl::Now() - start);
    return report;
  };
  // With a cache to load, the walk of the tree that compares every file with
  // its cached record (Restore) runs meanwhile on a thread of its own: it is
  // mostly system calls (readdir, one stat a file), the load and the check
  // mostly computation. The watcher is already running, so what changes
  // after this walk is in its queue for the next refresh. If the cache turns
  // out unusable the walk is wasted and the build walks again.
  absl::StatusOr<index::LogTree> walked = absl::UnknownError("not walked");
  std::thread walker;
  if (struct stat st; stat(CacheFilePath(cache_dir).c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    walker = std::thread([&walked, &live] { walked = index::ListLogFiles(live.log_dir(), ""); });
  }
  absl::Cleanup join_walker = [&walker] {
    if (walker.joinable()) walker.join();
  };
  absl::StatusOr<CacheImage> image = ReadCacheFile(cache_dir, LogDirId(live.log_dir()));
  if (!image.ok()) {
    const absl::Status& s = image.status();
    if (absl::IsNotFound(s)) return build(StartKind::kBuilt, "");
    // Damaged, unreadable, or another version's or log dir's: kept aside for
    // inspection (the rule: such a cache is moved aside as *.bad),
    // never reused, and the next save writes a fresh one.
    (void)QuarantineCacheFile(cache_dir);
    const bool foreign = absl::IsFailedPrecondition(s) || absl::IsInvalidArgument(s);
    return build(foreign ? StartKind::kRebuiltForeign : StartKind::kRebuiltDamaged,
                 std::string(s.message()));
  }
  if (image->source_mask != SourceMask(live.options())) {
    return build(StartKind::kRebuiltForeign, "cache made with another sources= list");
  }
  index::IndexSnapshot saved;
  saved.files.reserve(image->files.size());
  for (CachedFile& f : image->files) saved.files.push_back(ToRecord(std::move(f)));
  saved.runs = std::move(image->runs);
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Row facts (first/last frames, counts) come from decoding every row; with
  // verify=full each row's bytes are CRC-checked on the way.
  const VerifyResult checked = VerifyRows(live.log_dir(), saved, threads, verify == VerifyMode::kFull);
  if (checked.runs_inconsistent) {
    (void)QuarantineCacheFile(cache_dir);
    return build(StartKind::kRebuiltDamaged, "cached rows are not a valid encoding");
  }
  for (size_t id = 0; id < saved.files.size(); ++id) {
    if (!checked.file_ok[id]) {
      saved.files[id].suspect = true;
      ++report.files_rescanned;
    }
  }
  report.rows_checked = checked.rows_checked;
  uint64_t cached_size = 0;
  for (const auto& run : saved.runs) cached_size += run->rendered_size;
  index::IndexUpdate restored;
  if (walker.joinable()) {
    walker.join();
    restored = live.Restore(std::move(saved), std::move(walked));
  } else {
    restored = live.Restore(std::move(saved));
  }
  report.matches_cache =
      report.files_rescanned == 0 && !restored.regenerated && restored.new_size == cached_size;
  report.kind = StartKind::kReused;
  report.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return report;
}

CacheImage ImageOf(const index::LiveIndex& live) {
  const index::IndexSnapshot snap = live.Snapshot();
  CacheImage image;
  image.log_dir_id = LogDirId(live.log_dir());
  image.source_mask = SourceMask(live.options());
  image.files.reserve(snap.files.size());
  for (const index::FileRecord& rec : snap.files) image.files.push_back(ToCached(rec));
  image.runs = snap.runs;
  return image;
}

absl::Status SaveIndex(const index::LiveIndex& live, const std::string& cache_dir,
                       DurableFiles& files) {
  return WriteCacheFile(cache_dir, ImageOf(live), files);
}

}  // namespace logdex::recovery
