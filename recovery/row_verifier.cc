#include "recovery/row_verifier.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <memory>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/mutex.h"
#include "index/crc32c.h"
#include "index/json_string.h"
#include "index/log_bytes.h"
#include "index/row_format.h"

namespace logdex::recovery {
namespace {

constexpr size_t kPiece = size_t{1} << 20;

// Reads a file forward through one buffer, for rows in increasing offsets.
// One per thread: the buffer is reused from file to file. Reads through
// index::LogBytes, so a NAME.lz4 is checked in its decompressed bytes.
class SequentialCrc {
 public:
  SequentialCrc() : buf_(kPiece, '\0') {}
  void Reset(index::LogBytes* bytes) {
    bytes_ = bytes;
    start_ = end_ = 0;
  }

  // CRC-32C of [offset, offset+length), or false if the bytes are not there.
  bool Crc(uint64_t offset, uint64_t length, uint32_t* crc) {
    uint32_t c = 0;
    while (length > 0) {
      if (offset < start_ || offset >= end_) {
        const ssize_t n = bytes_ == nullptr ? -1 : bytes_->Pread(buf_.data(), buf_.size(), offset);
        if (n <= 0) return false;
        start_ = offset;
        end_ = offset + static_cast<uint64_t>(n);
        bytes_read_ += static_cast<uint64_t>(n);
      }
      const uint64_t take = std::min(length, end_ - offset);
      c = index::Crc32cExtend(c, buf_.data() + (offset - start_), static_cast<size_t>(take));
      offset += take;
      length -= take;
    }
    *crc = c;
    return true;
  }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  index::LogBytes* bytes_ = nullptr;
  std::string buf_;
  uint64_t start_ = 0, end_ = 0;
  uint64_t bytes_read_ = 0;
};

}  // namespace

VerifyResult VerifyRows(const std::string& root, index::IndexSnapshot& saved, int threads,
                        bool check_bytes, const LogOpener& open_log) {
  VerifyResult result;
  const size_t nfiles = saved.files.size();
  const size_t nruns = saved.runs.size();
  const int root_fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  absl::Cleanup close_root = [root_fd] {
    if (root_fd >= 0) close(root_fd);
  };
  // The runs of each file, in index order (increasing offsets), as one array
  // indexed by file: a file is one piece of work, its record filled by the
  // thread that takes it, its bytes read forward once through one opening.
  std::vector<uint32_t> first_run(nfiles + 1, 0);
  for (const auto& run : saved.runs) {
    if (run->file_id >= nfiles) {
      result.runs_inconsistent = true;
      result.file_ok.assign(nfiles, true);
      return result;
    }
    ++first_run[run->file_id + 1];
  }
  for (size_t id = 0; id < nfiles; ++id) first_run[id + 1] += first_run[id];
  std::vector<uint32_t> runs_by_file(nruns);
  {
    std::vector<uint32_t> fill(first_run.begin(), first_run.end() - 1);
    for (size_t r = 0; r < nruns; ++r) runs_by_file[fill[saved.runs[r]->file_id]++] = static_cast<uint32_t>(r);
  }
  std::vector<char> file_ok(nfiles, 1);  // not vector<bool>: threads write neighbours
  std::atomic<bool> inconsistent{false};
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> bytes{0}, checked{0}, bad{0};
  auto worker = [&] {
    SequentialCrc reader;
    uint64_t rows_checked = 0, rows_bad = 0;  // this thread's, added once at the end
    absl::Cleanup count = [&] {
      checked.fetch_add(rows_checked);
      bad.fetch_add(rows_bad);
      bytes.fetch_add(reader.bytes_read());
    };
    std::string literal;
    for (;;) {
      const size_t id = next.fetch_add(1);
      if (id >= nfiles) return;
      index::FileRecord& rec = saved.files[id];
      rec.stats = index::FileStats();
      rec.first_frame.reset();
      rec.last_frame.reset();
      if (first_run[id] == first_run[id + 1]) continue;  // no rows
      const std::unique_ptr<index::LogBytes> log_bytes =
          root_fd < 0 || !check_bytes ? nullptr
          : open_log                  ? open_log(root_fd, rec.rel_path)
                                      : index::OpenLogBytes(root_fd, rec.rel_path);
      reader.Reset(log_bytes.get());
      literal.clear();
      index::AppendJsonString(rec.rel_path, &literal);
      index::BuildStats st;  // kept compactly once the file's rows are counted
      for (uint32_t k = first_run[id]; k < first_run[id + 1]; ++k) {
        const index::Run& run = *saved.runs[runs_by_file[k]];
        index::RunDecoder dec(run, 0);
        index::RowView row;
        // The run must add up: its rows, their rendered size and every
        // checkpoint, or reads of index.ndjson could not be served from it.
        bool run_consistent = true;
        uint64_t rows = 0, rendered = 0;
        for (;;) {
          const size_t at = dec.position();
          if (!dec.Next(&row)) break;
          if (rows % index::kCheckpointRows == 0) {
            const size_t c = rows / index::kCheckpointRows;
            if (c >= run.checkpoints.size() || run.checkpoints[c].data_offset != at ||
                run.checkpoints[c].rendered_offset != rendered) {
              run_consistent = false;
            }
          }
          ++rows;
          rendered += index::RowLength(literal.size(), row);
          if (check_bytes) {
            ++rows_checked;
            uint32_t crc = 0;
            if (log_bytes == nullptr || !reader.Crc(row.byte_offset, row.byte_length, &crc) ||
                crc != row.crc32c) {
              file_ok[id] = 0;
              ++rows_bad;
            }
          }
          const index::FrameRef ref{row.byte_offset, row.byte_length, row.crc32c};
          if (!rec.first_frame) rec.first_frame = ref;
          rec.last_frame = ref;
          ++st.frames;
          const bool corrupt = row.error != index::FrameError::kNone;
          ++st.rows[static_cast<int>(row.source)][corrupt ? 1 : 0];
          if (corrupt) ++st.errors[static_cast<int>(row.error)];
        }
        if (!run_consistent || dec.malformed() || dec.position() != run.data.size() ||
            rows != run.rows || rendered != run.rendered_size) {
          inconsistent.store(true);
        }
      }
      rec.stats.Set(st);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();

  result.file_ok.assign(nfiles, true);
  for (size_t id = 0; id < nfiles; ++id) {
    index::FileRecord& rec = saved.files[id];
    if (!file_ok[id]) result.file_ok[id] = false;
    index::BuildStats counts = rec.stats.Get();
    counts.log_files = rec.indexed ? 1 : 0;
    counts.skipped_source_filtered = rec.indexed ? 0 : 1;
    counts.skipped_unreadable = rec.ino == 0 ? 1 : 0;
    counts.bytes_scanned = rec.size;
    if (rec.size > rec.consumed_to) {
      counts.torn_tails = 1;
      counts.torn_tail_bytes = rec.size - rec.consumed_to;
    }
    rec.stats.Set(counts);
  }
  result.runs_inconsistent = inconsistent.load();
  result.rows_checked = checked.load();
  result.rows_bad = bad.load();
  result.bytes_read = bytes.load();
  return result;
}

}  // namespace logdex::recovery
