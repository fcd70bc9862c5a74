#include "index/parallel_scan.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/mutex.h"

namespace logdex::index {
namespace {

// Files scanned ahead of the one the caller is waiting for.
constexpr size_t kWindow = 64;

class Scanner {
 public:
  Scanner(int root_fd, const std::vector<LogFile>& files, const ScanOptions& options,
          const std::function<std::unique_ptr<FileRows>(size_t)>& make_rows)
      : root_fd_(root_fd), files_(files), options_(options), make_rows_(make_rows),
        slots_(files.size()) {}

  void Worker() ABSL_LOCKS_EXCLUDED(mu_) {
    FrameTools tools;
    FrameReader reader;
    for (;;) {
      const size_t i = next_file_.fetch_add(1);
      if (i >= files_.size()) return;
      {
        absl::MutexLock lock(&mu_);
        while (i >= consumed_ + kWindow) changed_.Wait(&mu_);
      }
      FileScanResult result;
      result.rows = make_rows_(i);
      RowMaker maker(files_[i].rel_path);
      result.scan = ScanFile(root_fd_, files_[i].rel_path, 0, options_, maker, tools, reader,
                             result.rows.get());
      result.indexed = IsIndexed(maker, options_);
      result.source = maker.source();
      result.session = maker.session();
      absl::MutexLock lock(&mu_);
      slots_[i] = std::move(result);
      changed_.SignalAll();
    }
  }

  void Consume(const std::function<void(size_t, FileScanResult)>& consume)
      ABSL_LOCKS_EXCLUDED(mu_) {
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
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t threads = std::min<size_t>(options.threads > 0 ? options.threads : cores,
                                          std::max<size_t>(1, files.size()));
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) workers.emplace_back([&scanner] { scanner.Worker(); });
  scanner.Consume(consume);
  for (std::thread& w : workers) w.join();
}

}  // namespace logdex::index
