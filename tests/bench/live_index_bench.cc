// What one appended line costs the live index: write it into a log file of N
// rows, then Refresh() (what the mount does before answering a stat of
// index.ndjson). The cost should follow what changed, not N.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "index/live_index.h"
#include "tests/bench/bench_data.h"

namespace logdex::bench {
namespace {

void AppendRefresh(benchmark::State& state, bool watch) {
  const int rows = static_cast<int>(state.range(0));
  TempDir dir;
  LineMaker m(21);
  const std::string session = m.Uuid();
  const std::string rel = "claude/projects/-home-dev-tiny/" + session + ".jsonl";
  {
    std::string data;
    data.reserve(static_cast<size_t>(rows) * 170);
    for (int seq = 1; seq <= rows; ++seq) data += m.TinyClaudeLine(seq, session);
    WriteFile(dir.path(), rel, data);
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

}  // namespace
}  // namespace logdex::bench
