// Synthetic log lines and log dirs for the micro-benchmarks, made in memory
// (deterministic per seed). Shapes follow scripts/gen_bench_corpus.py.
#ifndef LOGDEX_TESTS_BENCH_BENCH_DATA_H_
#define LOGDEX_TESTS_BENCH_BENCH_DATA_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "index/row.h"

namespace logdex::bench {

class LineMaker {
 public:
  explicit LineMaker(uint64_t seed) : rng_(seed) {}

  std::string Uuid();
  std::string Hex8();
  std::string Timestamp();  // advances a clock: RFC 3339, milliseconds, Z
  std::string Text(int min_words, int max_words);  // some non-ASCII words

  // One line each, '\n' included. `seq` is 1-based within the file.
  std::string ClaudeLine(int seq, const std::string& session);  // ~600-1000 bytes
  std::string CodexLine(int seq, const std::string& session);   // seq 1 is session_meta
  std::string PiFrame(int seq);                                 // valid hash and length
  std::string JsonlLine(int seq);
  // ~160 bytes, the shape of gen_bench_corpus.py --tiny.
  std::string TinyClaudeLine(int seq, const std::string& session);

 private:
  std::mt19937_64 rng_;
  uint64_t clock_ms_ = 0;
  std::string prev_id_;
};

enum class Kind { kPi, kClaude, kCodex, kJsonl };

// A log file's worth of lines of one kind, concatenated.
std::string MakeFile(Kind kind, int lines, uint64_t seed);
// The relative path such a file would have (pi: a segment inside segments/).
std::string PathFor(Kind kind);

// A fresh directory under $TMPDIR (default /tmp), removed with its contents
// by the destructor (files one level deep or nested; no symlinks followed).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Writes `data` to dir/rel, creating parent directories.
void WriteFile(const std::string& dir, const std::string& rel, const std::string& data);

}  // namespace logdex::bench

#endif  // LOGDEX_TESTS_BENCH_BENCH_DATA_H_
