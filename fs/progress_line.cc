#include "fs/progress_line.h"

#include <string>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace logdex::fs {
namespace {

constexpr absl::Duration kRedrawInterval = absl::Milliseconds(200);

std::string ProgressText(const index::BuildProgress& p) {
  if (p.files_total == 0) return "logdex mount: opening the index ...";
  const double mb_done = static_cast<double>(p.bytes_done) / 1e6;
  const double mb_total = static_cast<double>(p.bytes_total) / 1e6;
  const int percent = p.bytes_total == 0
                          ? static_cast<int>(100 * p.files_done / p.files_total)
                          : static_cast<int>(100 * p.bytes_done / p.bytes_total);
  return absl::StrFormat("logdex mount: indexing %d/%d files, %.1f/%.1f MB (%d%%)",
                         p.files_done, p.files_total, mb_done, mb_total, percent);
}

// Rewrites the current line with `text`, blanking what a longer previous
// line left behind.
void Draw(std::FILE* tty, const std::string& text, size_t* last_len) {
  std::string padded = text;
  if (padded.size() < *last_len) padded.append(*last_len - padded.size(), ' ');
  std::fprintf(tty, "\r%s", padded.c_str());
  std::fflush(tty);
  *last_len = text.size();
}

}  // namespace

absl::Status RunWithProgressLine(std::FILE* tty, const std::function<std::string()>& text,
                                 const std::function<absl::Status()>& work,
                                 const std::function<std::string(const absl::Status&)>& final_text) {
  absl::Mutex mu;
  bool done = false;
  size_t last_len = 0;
  std::thread drawer([&] {
    absl::MutexLock lock(&mu);
    for (;;) {
      mu.AwaitWithTimeout(absl::Condition(&done), kRedrawInterval);
      if (done) return;
      Draw(tty, text(), &last_len);
    }
  });
  absl::Status s = work();
  {
    absl::MutexLock lock(&mu);
    done = true;
  }
  drawer.join();
  Draw(tty, final_text(s), &last_len);
  std::fputc('\n', tty);
  std::fflush(tty);
  return s;
}

absl::Status OpenIndexWithProgress(IndexHolder* holder, std::FILE* tty) {
  const absl::Time start = absl::Now();
  return RunWithProgressLine(
      tty, [holder] { return ProgressText(holder->Progress()); }, [holder] { return holder->Open(); },
      [holder, start](const absl::Status& s) -> std::string {
        const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
        if (!s.ok()) return absl::StrFormat("logdex mount: opening the index failed: %s", s.message());
        const IndexReport r = holder->Report();
        std::string how = "built from the logs";
        if (r.start && r.start->kind == recovery::StartKind::kReused) {
          how = absl::StrFormat("reused the cache (%d rows checked, %d files rescanned)",
                                r.start->rows_checked, r.start->files_rescanned);
        } else if (r.start && r.start->kind != recovery::StartKind::kBuilt) {
          how = absl::StrFormat("built from the logs (cache not used: %s)", r.start->detail);
        }
        return absl::StrFormat("logdex mount: index ready: %d rows from %d log files, %s in %.1f s",
                               r.rows, r.stats.log_files, how, seconds);
      });
}

}  // namespace logdex::fs
