#include "index/parallel_scan.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/mutex.h"
#include "index/frame_reader.h"
#include "index/row_maker.h"

namespace logdex::index {
namespace {

// Files scanned ahead of the one the caller is waiting for.
constexpr size_t kWindow = 64;

// Feeds one file's frames through a RowMaker into its FileRows.
class RowSinkAdapter : public FrameSink {
 public:
  RowSinkAdapter(std::string_view rel_path, const ScanOptions& options, FrameTools& tools,
                 FileRows* rows, BuildStats* stats, std::function<bool()> is_next)
      : maker_(rel_path), options_(options), tools_(tools), rows_(rows), stats_(stats),
        is_next_(std::move(is_next)) {}

  void OnFrame(uint64_t offset, std::string_view frame) override {
    Take(maker_.MakeRow(offset, frame, tools_));
  }
  void OnOversizedFrame(uint64_t offset, uint64_t length, uint32_t crc) override {
    Take(maker_.MakeOversizedRow(offset, length, crc));
  }
  const RowMaker& maker() const { return maker_; }

 private:
  void Take(const RowView& row) {
    rows_->Add(row);
    ++stats_->frames;
    const bool corrupt = row.error != FrameError::kNone;
    ++stats_->rows[static_cast<int>(row.source)][corrupt ? 1 : 0];
    if (corrupt) ++stats_->errors[static_cast<int>(row.error)];
    // Rows may be handed on once the file is known to be indexed.
    if (maker_.source() && options_.sources[static_cast<int>(*maker_.source())] &&
        ++since_checkpoint_ >= 4096) {
      since_checkpoint_ = 0;
      rows_->Checkpoint(is_next_());
    }
  }

  RowMaker maker_;
  const ScanOptions& options_;
  FrameTools& tools_;
  FileRows* rows_;
  BuildStats* stats_;
  std::function<bool()> is_next_;
  int since_checkpoint_ = 0;
};

class Scanner {
 public:
  Scanner(int root_fd, const std::vector<LogFile>& files, const ScanOptions& options,
          const std::function<std::unique_ptr<FileRows>(size_t)>& make_rows)
      : root_fd_(root_fd), files_(files), options_(options), make_rows_(make_rows),
        slots_(files.size()) {}

  void Worker() {
    FrameTools tools;
    FrameReader reader;
    for (;;) {
      const size_t i = next_file_.fetch_add(1);
      if (i >= files_.size()) return;
      {
        absl::MutexLock lock(&mu_);
        while (i >= consumed_ + kWindow) changed_.Wait(&mu_);
      }
      FileScanResult result = ScanOne(i, tools, reader);
      absl::MutexLock lock(&mu_);
      slots_[i] = std::move(result);
      changed_.SignalAll();
    }
  }

  void Consume(const std::function<void(size_t, FileScanResult)>& consume) {
    for (size_t i = 0; i < files_.size(); ++i) {
      FileScanResult result;
      {
        absl::MutexLock lock(&mu_);
        while (!slots_[i].has_value()) changed_.Wait(&mu_);
        result = std::move(*slots_[i]);
        slots_[i].reset();
      }
      consume(i, std::move(result));
      absl::MutexLock lock(&mu_);
      consumed_ = i + 1;
      changed_.SignalAll();
    }
  }

 private:
  FileScanResult ScanOne(size_t i, FrameTools& tools, FrameReader& reader) {
    const LogFile& file = files_[i];
    FileScanResult result;
    result.rows = make_rows_(i);
    const int fd = openat(root_fd_, file.rel_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      if (fd >= 0) close(fd);
      ++result.stats.skipped_unreadable;
      return result;
    }
    absl::Cleanup close_fd = [fd] { close(fd); };
    RowSinkAdapter sink(file.rel_path, options_, tools, result.rows.get(), &result.stats, [this, i] {
      absl::MutexLock lock(&mu_);
      return consumed_ == i;
    });
    const absl::StatusOr<ReadEnd> end = reader.Read(fd, 0, &sink);
    if (!end.ok()) {
      // Rows read before the error are kept; the file counts as unreadable.
      ++result.stats.skipped_unreadable;
    } else {
      result.stats.bytes_scanned = end->bytes_read;
      if (end->torn_tail) {
        ++result.stats.torn_tails;
        result.stats.torn_tail_bytes = end->torn_bytes;
      }
    }
    const Source source = sink.maker().source().value_or(Source::kJsonl);
    if (!options_.sources[static_cast<int>(source)]) {
      BuildStats filtered;
      filtered.skipped_source_filtered = 1;
      result.stats = filtered;
      return result;
    }
    result.stats.log_files = 1;
    result.indexed = true;
    return result;
  }

  const int root_fd_;
  const std::vector<LogFile>& files_;
  const ScanOptions& options_;
  const std::function<std::unique_ptr<FileRows>(size_t)>& make_rows_;
  std::atomic<size_t> next_file_{0};
  absl::Mutex mu_;
  absl::CondVar changed_;  // a slot filled or a file consumed
  std::vector<std::optional<FileScanResult>> slots_ ABSL_GUARDED_BY(mu_);
  size_t consumed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

void ScanFiles(const std::string& root, const std::vector<LogFile>& files,
               const ScanOptions& options,
               const std::function<std::unique_ptr<FileRows>(size_t)>& make_rows,
               const std::function<void(size_t, FileScanResult)>& consume) {
  const int root_fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  absl::Cleanup close_root = [root_fd] {
    if (root_fd >= 0) close(root_fd);
  };
  Scanner scanner(root_fd, files, options, make_rows);
  int threads = options.threads > 0 ? options.threads
                                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<size_t>(static_cast<size_t>(threads), std::max<size_t>(1, files.size())));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) workers.emplace_back([&scanner] { scanner.Worker(); });
  scanner.Consume(consume);
  for (std::thread& w : workers) w.join();
}

}  // namespace logdex::index
