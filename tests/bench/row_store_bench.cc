// The in-memory index: rendering byte ranges of index.ndjson from encoded
// rows, and what the rows cost in memory.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "absl/strings/str_format.h"
#include "index/row_store.h"
#include "tests/bench/bench_data.h"

namespace logdex::bench {
namespace {

using index::RowStore;
using index::RowView;
using index::RunBuilder;

// Claude-like rows (type, uuid, parent uuid, session, timestamp), as a fresh
// build stores them: one run per file of `rows_per_file` rows.
void FillStore(RowStore* store, uint64_t rows, uint64_t rows_per_file, uint64_t seed) {
  LineMaker m(seed);
  std::mt19937_64 rng(seed);
  for (uint64_t done = 0, n = 0; done < rows; ++n) {
    uint32_t id = store->AddFile(
        absl::StrFormat("claude/projects/-home-dev-proj%d/%s.jsonl", n % 20, m.Uuid()));
    RunBuilder builder(id, store->file_literal(id));
    std::string session = m.Uuid(), parent, uuid, ts;
    uint64_t offset = 0;
    for (uint64_t i = 0; i < rows_per_file && done < rows; ++i, ++done) {
      uuid = m.Uuid();
      ts = m.Timestamp();
      RowView row;
      row.byte_offset = offset;
      row.byte_length = 400 + rng() % 800;
      row.crc32c = static_cast<uint32_t>(rng());
      row.source = index::Source::kClaude;
      row.entry_type = i % 2 ? "assistant" : "user";
      row.entry_id = uuid;
      if (!parent.empty()) row.parent_entry_id = parent;
      row.session_id = session;
      row.timestamp = ts;
      builder.Add(row);
      offset += row.byte_length;
      parent = uuid;
    }
    store->AppendRun(builder.Finish());
  }
}

// Reads of 128 KiB (a FUSE read is up to that) at random offsets of the
// index of 100K rows.
void BM_RenderRange(benchmark::State& state) {
  RowStore store;
  FillStore(&store, 100000, 200, 3);
  const uint64_t length = 128 * 1024;
  std::mt19937_64 rng(5);
  std::string out;
  for (auto _ : state) {
    out.clear();
    store.Render(rng() % (store.rendered_size() - length), length, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * length));
  state.counters["index_bytes"] = static_cast<double>(store.rendered_size());
}
BENCHMARK(BM_RenderRange)->Unit(benchmark::kMicrosecond);

// Memory of 1M claude-like rows in files of 200 rows. The target is 10M
// frames in well under 1 GiB: `projected_10M_MiB` scales bytes_per_row.
void BM_RowStoreMemory(benchmark::State& state) {
  const uint64_t rows = static_cast<uint64_t>(state.range(0));
  uint64_t memory = 0, rendered = 0;
  for (auto _ : state) {
    RowStore store;
    FillStore(&store, rows, 200, 9);
    memory = store.memory_bytes();
    rendered = store.rendered_size();
  }
  state.counters["bytes_per_row"] = static_cast<double>(memory) / rows;
  state.counters["rendered_bytes_per_row"] = static_cast<double>(rendered) / rows;
  state.counters["projected_10M_MiB"] = static_cast<double>(memory) / rows * 1e7 / 1048576.0;
}
BENCHMARK(BM_RowStoreMemory)->Arg(1000000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace logdex::bench
