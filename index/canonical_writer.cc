#include "index/canonical_writer.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "index/json_string.h"
#include "index/log_tree.h"
#include "index/parallel_scan.h"
#include "index/row_format.h"

namespace logdex::index {
namespace {

// Writes all of `bytes` to fd; false on error (errno set).
bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The output shared by the workers and the in-order consumer, and the text
// buffers files render into: handed back after writing and reused, so the
// pages of a file's text are not faulted in, grown and freed again for every
// file (at most a window of files' buffers exist at once).
class Output {
 public:
  explicit Output(int fd) : fd_(fd) {}
  void Write(std::string_view bytes) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (error_ == 0 && !WriteAll(fd_, bytes)) error_ = errno;
  }
  int error() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return error_;
  }
  std::string TakeBuffer() ABSL_LOCKS_EXCLUDED(pool_mu_) {
    absl::MutexLock lock(&pool_mu_);
    if (pool_.empty()) return std::string();
    std::string b = std::move(pool_.back());
    pool_.pop_back();
    return b;
  }
  void GiveBack(std::string b) ABSL_LOCKS_EXCLUDED(pool_mu_) {
    // A buffer grown for one huge file is not kept for the rest.
    if (b.capacity() > kKeepBufferBytes) return;
    b.clear();
    absl::MutexLock lock(&pool_mu_);
    pool_.push_back(std::move(b));
  }

 private:
  static constexpr size_t kKeepBufferBytes = size_t{8} << 20;
  const int fd_;
  absl::Mutex mu_;
  int error_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Mutex pool_mu_;
  std::vector<std::string> pool_ ABSL_GUARDED_BY(pool_mu_);
};

// Renders one file's rows; once the file is next in order (every file before
// it written) its rows are written as they come instead of being held.
class RenderedRows : public FileRows {
 public:
  RenderedRows(std::string_view rel_path, size_t index, const std::atomic<size_t>* next,
               Output* out)
      : index_(index), next_(next), out_(out), text_(out->TakeBuffer()) {
    AppendJsonString(rel_path, &literal_);
  }
  ~RenderedRows() override { out_->GiveBack(std::move(text_)); }
  void Add(const RowView& row) override { AppendRow(literal_, row, &text_); }
  void Checkpoint() override {
    if (text_.size() >= (4u << 20) && next_->load() == index_) {
      out_->Write(text_);
      text_.clear();
    }
  }
  std::string& text() { return text_; }

 private:
  const size_t index_;
  const std::atomic<size_t>* next_;
  Output* out_;
  std::string literal_;
  std::string text_;
};

}  // namespace

absl::StatusOr<BuildStats> WriteCanonicalIndex(const std::string& log_dir,
                                               const ScanOptions& options, int out_fd) {
  const absl::Time start = absl::Now();
  absl::StatusOr<LogTree> tree = ListLogFiles(log_dir);
  if (!tree.ok()) return tree.status();
  BuildStats stats;
  stats.skipped_non_utf8_names = tree->non_utf8_paths;
  stats.skipped_unreadable = tree->unreadable_dirs;
  Output out(out_fd);
  std::atomic<size_t> next{0};  // the file whose rows are written next
  ScanFiles(
      log_dir, tree->files, options,
      [&](size_t i) {
        return std::make_unique<RenderedRows>(tree->files[i].rel_path, i, &next, &out);
      },
      [&](size_t i, FileScanResult r) {
        // A file gone since it was listed is as if never listed (it has
        // no rows: it never opened).
        if (r.scan.vanished) {
          next.store(i + 1);
          return;
        }
        // A file whose source is filtered out never hands rows on early
        // (Checkpoint() runs only for indexed files); its text is dropped.
        if (r.indexed) {
          stats.Add(r.scan.stats);
          ++stats.log_files;
          out.Write(static_cast<RenderedRows*>(r.rows.get())->text());
        } else {
          ++stats.skipped_source_filtered;
        }
        if (!r.scan.readable) ++stats.skipped_unreadable;
        next.store(i + 1);
      });
  stats.build_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (const int err = out.error()) return absl::ErrnoToStatus(err, "cannot write the index");
  return stats;
}

}  // namespace logdex::index
