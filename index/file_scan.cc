#include "index/file_scan.h"

#include <cerrno>
#include <memory>
#include <optional>

#include "index/exhaustion.h"
#include "index/log_bytes.h"
#include "index/scan_hooks.h"

namespace logdex::index {
namespace {

constexpr int kRowsPerCheckpoint = 4096;

class RowSinkAdapter : public FrameSink {
 public:
  RowSinkAdapter(const ScanOptions& options, RowMaker& maker, FrameTools& tools, FileRows* rows,
                 FileScan* scan)
      : options_(options), maker_(maker), tools_(tools), rows_(rows), scan_(scan) {}

  void OnFrame(uint64_t offset, std::string_view frame) override {
    Take(maker_.MakeRow(offset, frame, tools_));
  }
  void OnOversizedFrame(uint64_t offset, uint64_t length, uint32_t crc) override {
    Take(maker_.MakeOversizedRow(offset, length, crc));
  }

 private:
  void Take(const RowView& row) {
    rows_->Add(row);
    BuildStats& st = scan_->stats;
    ++st.frames;
    const bool corrupt = row.error != FrameError::kNone;
    ++st.rows[static_cast<int>(row.source)][corrupt ? 1 : 0];
    if (corrupt) ++st.errors[static_cast<int>(row.error)];
    const FrameRef ref{row.byte_offset, row.byte_length, row.crc32c};
    if (!scan_->first_frame) scan_->first_frame = ref;
    scan_->last_frame = ref;
    if (++since_checkpoint_ >= kRowsPerCheckpoint && maker_.source() &&
        IsIndexed(maker_, options_)) {
      since_checkpoint_ = 0;
      rows_->Checkpoint();
    }
  }

  const ScanOptions& options_;
  RowMaker& maker_;
  FrameTools& tools_;
  FileRows* rows_;
  FileScan* scan_;
  int since_checkpoint_ = 0;
};

// Runs the test hook after every read (scan_hooks.h); only in place when
// a hook is installed.
class HookedBytes : public LogBytes {
 public:
  HookedBytes(LogBytes& bytes, std::string_view rel) : bytes_(bytes), rel_(rel) {}
  ssize_t Pread(char* dst, size_t n, uint64_t offset) override {
    const ssize_t r = bytes_.Pread(dst, n, offset);
    const int err = errno;
    RunScanHook(ScanPoint::kReadReturned, rel_);
    errno = err;
    return r;
  }
  LogStat Stat() override { return bytes_.Stat(); }
  const Lz4Map* lz4_map() const override { return bytes_.lz4_map(); }
  int fd() const override { return bytes_.fd(); }

 private:
  LogBytes& bytes_;
  std::string_view rel_;
};

}  // namespace

bool IsIndexed(const RowMaker& maker, const ScanOptions& options) {
  return options.sources[static_cast<int>(maker.source().value_or(Source::kJsonl))];
}

FileScan ScanFile(int root_fd, const std::string& rel, uint64_t start, const ScanOptions& options,
                  RowMaker& maker, FrameTools& tools, FrameReader& reader, FileRows* rows) {
  FileScan scan;
  scan.consumed_to = start;
  scan.size = start;
  const std::unique_ptr<LogBytes> bytes = OpenLogBytes(root_fd, rel);
  if (bytes == nullptr) {
    const int err = errno;
    scan.exhausted = IsExhaustion(err);
    scan.vanished = err == ENOENT || err == ENOTDIR;
    return scan;
  }
  RunScanHook(ScanPoint::kFileOpened, rel);
  const LogStat st = bytes->Stat();
  if (!st.regular) return scan;
  scan.ino = st.ino;
  scan.mtime_ns = st.mtime_ns;
  if (const Lz4Map* map = bytes->lz4_map()) {
    scan.compressed = true;
    scan.lz4_damage = map->damage();
    if (map->damage()) scan.stats.skipped_lz4_damaged = 1;
  }
  RowSinkAdapter sink(options, maker, tools, rows, &scan);
  std::optional<HookedBytes> hooked;
  if (ScanHookInstalled()) hooked.emplace(*bytes, rel);
  const absl::StatusOr<ReadEnd> end =
      hooked ? reader.Read(*hooked, start, &sink) : reader.Read(*bytes, start, &sink);
  if (!end.ok()) return scan;  // rows delivered so far stay; the file counts as unreadable
  scan.readable = true;
  scan.consumed_to = end->consumed_to;
  scan.size = end->consumed_to + end->torn_bytes;
  scan.stats.bytes_scanned = end->bytes_read;
  if (end->torn_tail) {
    scan.stats.torn_tails = 1;
    scan.stats.torn_tail_bytes = end->torn_bytes;
  }
  return scan;
}

}  // namespace logdex::index
