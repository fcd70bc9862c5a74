// What one appended line costs the live index: write it into a log file of N
// rows (or one of N / 200 files of 200 rows each), then Refresh() (what the
// mount does before answering a stat of index.ndjson). The cost should follow
// what changed, not N nor the number of files.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "index/live_index.h"
#include "tests/bench/bench_data.h"

namespace logdex::bench {
namespace {

// rows_per_file 0: one file of all the rows; otherwise files of that many rows,
// at most 1,000 a directory; the appends go to the first file.
void AppendRefresh(benchmark::State& state, bool watch, int rows_per_file = 0) {
  const int rows = static_cast<int>(state.range(0));
  const int per_file = rows_per_file > 0 ? rows_per_file : rows;
  TempDir dir;
  LineMaker m(21);
  const std::string session = m.Uuid();
  std::string rel;
  for (int file = 0, seq = 1; seq <= rows; ++file) {
    const std::string path = "claude/projects/-home-dev-p" + std::to_string(file / 1000) + "/" +
                             m.Uuid() + ".jsonl";
    if (file == 0) rel = path;
    std::string data;
    data.reserve(static_cast<size_t>(per_file) * 170);
    for (int i = 0; i < per_file && seq <= rows; ++i) data += m.TinyClaudeLine(seq++, session);
    WriteFile(dir.path(), path, data);
  }
  index::LiveIndex live(dir.path(), index::ScanOptions{});
  if (watch && !live.StartWatching().ok()) {
    state.SkipWithError("inotify watch failed");
    return;
  }
  if (!live.Build().ok() || live.RowCount() != static_cast<uint64_t>(rows)) {
    state.SkipWithError("build failed");
    return;
  }
  const int fd = open((dir.path() + "/" + rel).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    state.SkipWithError("open failed");
    return;
  }
  int seq = rows;
  for (auto _ : state) {
    std::string line = m.TinyClaudeLine(++seq, session);
    uint64_t before = live.Size();
    if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      state.SkipWithError("write failed");
      break;
    }
    index::IndexUpdate u = live.Refresh();
    if (live.Size() <= before || u.regenerated) {
      state.SkipWithError("the appended row did not show up as an append");
      break;
    }
  }
  close(fd);
  state.counters["rows"] = static_cast<double>(live.RowCount());
  state.counters["files"] = static_cast<double>((rows + per_file - 1) / per_file);
  state.counters["memory_bytes_per_row"] =
      static_cast<double>(live.MemoryBytes()) / static_cast<double>(live.RowCount());
}
// With the inotify watcher, as the mount runs it.
void BM_LiveAppendRefresh(benchmark::State& state) { AppendRefresh(state, true); }
BENCHMARK(BM_LiveAppendRefresh)->Arg(10000)->Arg(1000000)->UseRealTime()->Unit(
    benchmark::kMicrosecond);

// Without a watcher every Refresh() stats the whole tree (here one file).
void BM_LiveAppendRefreshNoWatcher(benchmark::State& state) { AppendRefresh(state, false); }
BENCHMARK(BM_LiveAppendRefreshNoWatcher)->Arg(10000)->Arg(1000000)->UseRealTime()->Unit(
    benchmark::kMicrosecond);

// The same rows in files of 200 rows (50 and 5,000 files), as in a real log dir:
// a cost per file on the append path shows here, not above.
void BM_LiveAppendRefreshManyFiles(benchmark::State& state) { AppendRefresh(state, true, 200); }
BENCHMARK(BM_LiveAppendRefreshManyFiles)->Arg(10000)->Arg(1000000)->UseRealTime()->Unit(
    benchmark::kMicrosecond);

}  // namespace
}  // namespace logdex::bench
