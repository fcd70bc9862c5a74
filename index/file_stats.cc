#include "index/file_stats.h"

namespace logdex::index {
namespace {

// The counts that are 0 or 1 for one file, a bit each in flags_.
constexpr int kFlagCount = 6;
uint64_t BuildStats::*const kFlagged[kFlagCount] = {
    &BuildStats::log_files,          &BuildStats::torn_tails,
    &BuildStats::skipped_non_utf8_names, &BuildStats::skipped_unreadable,
    &BuildStats::skipped_source_filtered, &BuildStats::skipped_lz4_damaged,
};

}  // namespace

FileStats::FileStats(const FileStats& o)
    : frames_(o.frames_),
      bytes_scanned_(o.bytes_scanned_),
      torn_tail_bytes_(o.torn_tail_bytes_),
      active_rows_(o.active_rows_),
      corrupt_rows_(o.corrupt_rows_),
      source_(o.source_),
      flags_(o.flags_),
      full_(o.full_ != nullptr ? std::make_unique<BuildStats>(*o.full_) : nullptr) {}

FileStats& FileStats::operator=(const FileStats& o) {
  if (this != &o) *this = FileStats(o);
  return *this;
}

BuildStats FileStats::Get() const {
  if (full_ != nullptr) return *full_;
  BuildStats s;
  s.frames = frames_;
  s.bytes_scanned = bytes_scanned_;
  s.torn_tail_bytes = torn_tail_bytes_;
  s.rows[source_][0] = active_rows_;
  s.rows[source_][1] = corrupt_rows_;
  for (int f = 0; f < kFlagCount; ++f) s.*kFlagged[f] = (flags_ >> f) & 1;
  return s;
}

void FileStats::Set(const BuildStats& s) {
  *this = FileStats();
  bool fits = s.build_seconds == 0;
  for (int e = 0; e < kFrameErrorCount; ++e) fits = fits && s.errors[e] == 0;
  for (int f = 0; f < kFlagCount; ++f) fits = fits && s.*kFlagged[f] <= 1;
  int source = 0;
  int sources_with_rows = 0;
  for (int src = 0; src < kSourceCount; ++src) {
    if (s.rows[src][0] != 0 || s.rows[src][1] != 0) {
      source = src;
      ++sources_with_rows;
    }
  }
  fits = fits && sources_with_rows <= 1;
  if (!fits) {
    full_ = std::make_unique<BuildStats>(s);
    return;
  }
  frames_ = s.frames;
  bytes_scanned_ = s.bytes_scanned;
  torn_tail_bytes_ = s.torn_tail_bytes;
  source_ = static_cast<uint8_t>(source);
  active_rows_ = s.rows[source][0];
  corrupt_rows_ = s.rows[source][1];
  for (int f = 0; f < kFlagCount; ++f) flags_ |= static_cast<uint8_t>(s.*kFlagged[f] << f);
}

}  // namespace logdex::index
