// Per-frame costs of a scan: CRC-32C, JSON validation, and RowMaker (the
// whole per-line work: validate, classify, read fields, pi's hash check).
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

#include "index/crc32c.h"
#include "index/json_validator.h"
#include "index/row_maker.h"
#include "tests/bench/bench_data.h"

namespace logdex::bench {
namespace {

using index::FrameTools;
using index::kJsonPadding;
using index::RowMaker;

void BM_Crc32c(benchmark::State& state) {
  std::string data = MakeFile(Kind::kClaude, 2000, 1);
  data.resize(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(index::Crc32c(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32c)->Arg(1 << 10)->Arg(1 << 20);

// A typical claude line of about 1 KiB, checked whole by the validator.
void BM_ValidateClaudeLine(benchmark::State& state) {
  LineMaker m(7);
  std::string session = m.Uuid();
  std::string line;
  for (int seq = 2; line.size() < 900 || line.size() > 1200; seq += 2)
    line = m.ClaudeLine(seq, session);  // assistant lines; pick one near 1 KiB
  const size_t body_size = line.size() - 1;  // without '\n'
  line.append(kJsonPadding, ' ');             // before taking the view: it may reallocate
  const std::string_view body(line.data(), body_size);
  index::JsonValidator validator;
  if (!validator.IsObject(body)) state.SkipWithError("generated line is not valid");
  for (auto _ : state) benchmark::DoNotOptimize(validator.IsObject(body));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["line_bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_ValidateClaudeLine);

struct Frames {
  std::string buf;  // the file, then kJsonPadding bytes
  std::vector<std::pair<size_t, size_t>> spans;  // offset, length ('\n' included)
};

Frames Split(std::string file) {
  Frames f;
  size_t start = 0;
  for (size_t i = 0; i < file.size(); ++i) {
    if (file[i] == '\n') {
      f.spans.emplace_back(start, i + 1 - start);
      start = i + 1;
    }
  }
  f.buf = std::move(file);
  f.buf.append(kJsonPadding, ' ');
  return f;
}

// Rows of one 400-line file of the given source, made from memory.
void BM_RowMaker(benchmark::State& state, Kind kind) {
  Frames f = Split(MakeFile(kind, 400, 11));
  const std::string path = PathFor(kind);
  FrameTools tools;
  {
    RowMaker check(path);
    for (auto [off, len] : f.spans) {
      if (check.MakeRow(off, std::string_view(f.buf.data() + off, len), tools).error !=
          index::FrameError::kNone) {
        state.SkipWithError("a generated frame is corrupt");
        return;
      }
    }
  }
  for (auto _ : state) {
    RowMaker maker(path);
    for (auto [off, len] : f.spans)
      benchmark::DoNotOptimize(&maker.MakeRow(off, std::string_view(f.buf.data() + off, len),
                                              tools));
  }
  const int64_t bytes = static_cast<int64_t>(f.buf.size() - kJsonPadding);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * bytes);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * f.spans.size()));
  state.counters["rows_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * f.spans.size()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_RowMaker, pi, Kind::kPi);
BENCHMARK_CAPTURE(BM_RowMaker, claude, Kind::kClaude);
BENCHMARK_CAPTURE(BM_RowMaker, codex, Kind::kCodex);
BENCHMARK_CAPTURE(BM_RowMaker, jsonl, Kind::kJsonl);

}  // namespace
}  // namespace logdex::bench
