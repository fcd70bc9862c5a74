// The in-memory index the mount serves: its size and any byte range equal the
// canonical index `logdex index` writes for the same log dir.
#include "index/live_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "index/canonical_writer.h"
#include "temp_dir.h"
#include "tiny_log_dir.h"

namespace logdex::index {
namespace {

class IndexTest : public ::testing::Test {
 protected:
  // Verbs: Build the index of log_; Canonical() is what WriteCanonicalIndex
  // writes for log_; ReadRange reads from the built index.
  const LiveIndex& Build(const ScanOptions& options = {}) {
    index_ = std::make_unique<LiveIndex>(log_.path(), options);
    const absl::Status built = index_->Build();
    EXPECT_TRUE(built.ok()) << built;
    return *index_;
  }
  std::string Canonical() {
    const std::string path = out_.Path("canonical.out");
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    EXPECT_GE(fd, 0);
    absl::StatusOr<BuildStats> stats = WriteCanonicalIndex(log_.path(), {}, fd);
    EXPECT_TRUE(stats.ok()) << stats.status();
    close(fd);
    std::string text;
    FILE* f = fopen(path.c_str(), "rb");
    char buf[65536];
    size_t n;
    while (f != nullptr && (n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    if (f != nullptr) fclose(f);
    return text;
  }
  std::string ReadRange(uint64_t offset, uint64_t length) const {
    std::string out;
    index_->Read(offset, length, &out);
    return out;
  }

  // A log dir with enough rows that ranges cross many row-store checkpoints.
  void WriteBiggerLogDir() {
    WriteTinyLogDir(log_);
    for (int f = 0; f < 6; ++f) {
      std::string body;
      for (int i = 0; i < 150; ++i) {
        body += R"({"type":"user","uuid":"0000000)" + std::to_string(f) +
                "-0000-4000-8000-" + std::string(12 - std::to_string(i).size(), '0') +
                std::to_string(i) + R"(","sessionId":"s)" + std::to_string(f) +
                R"(","timestamp":"2026-01-28T10:00:)" + (i % 60 < 10 ? "0" : "") +
                std::to_string(i % 60) + R"(.000Z"})" + "\n";
        if (i % 40 == 0) body += "garbage\n";
      }
      log_.Write("claude/p" + std::to_string(f) + ".jsonl", body);
    }
  }

  logdex::testing::TempDir log_;
  logdex::testing::TempDir out_;
  std::unique_ptr<LiveIndex> index_;
};

TEST_F(IndexTest, TinyLogDirReadsAsItsHandWrittenIndex) {
  WriteTinyLogDir(log_);
  const LiveIndex& index = Build();
  EXPECT_EQ(index.Size(), logdex::testing::kTinyIndex.size());
  EXPECT_EQ(ReadRange(0, index.Size()), logdex::testing::kTinyIndex);
}

TEST_F(IndexTest, SizeEqualsTheBytesOfTheCanonicalIndex) {
  WriteBiggerLogDir();
  const std::string canonical = Canonical();
  EXPECT_EQ(Build().Size(), canonical.size());
}

TEST_F(IndexTest, WholeReadEqualsTheCanonicalIndex) {
  WriteBiggerLogDir();
  const std::string canonical = Canonical();
  Build();
  EXPECT_TRUE(ReadRange(0, canonical.size()) == canonical);
}

TEST_F(IndexTest, EveryRangeEqualsTheSameSubstringOfTheCanonicalIndex) {
  WriteBiggerLogDir();
  const std::string canonical = Canonical();
  const uint64_t size = Build().Size();
  ASSERT_EQ(size, canonical.size());
  for (uint64_t offset = 0; offset <= size + 11; offset += 11) {
    for (uint64_t length : {0, 1, 17, 4096}) {
      const std::string want = offset >= size ? "" : canonical.substr(offset, length);
      ASSERT_EQ(ReadRange(offset, length), want) << "Read(" << offset << ", " << length << ")";
    }
  }
}

TEST_F(IndexTest, ReadAppendsToWhatIsAlreadyThere) {
  WriteTinyLogDir(log_);
  Build();
  std::string out = "x";
  index_->Read(0, 10, &out);
  EXPECT_EQ(out, "x" + std::string(logdex::testing::kTinyIndex.substr(0, 10)));
}

TEST_F(IndexTest, StatsMatchTheCanonicalWriters) {
  WriteTinyLogDir(log_);
  const LiveIndex& index = Build();
  EXPECT_EQ(index.Stats().log_files, 4u);
  EXPECT_EQ(index.Stats().frames, 8u);
  EXPECT_EQ(index.Stats().torn_tails, 1u);
  EXPECT_EQ(index.Stats().torn_tail_bytes, 9u);
  EXPECT_EQ(index.RowCount(), 8u);
}

TEST_F(IndexTest, EmptyLogDirIsAnEmptyIndex) {
  const LiveIndex& index = Build();
  EXPECT_EQ(index.Size(), 0u);
  EXPECT_EQ(ReadRange(0, 100), "");
}

TEST_F(IndexTest, FilteredSourcesAreLeftOut) {
  WriteTinyLogDir(log_);
  ScanOptions claude_only;
  claude_only.sources = {false, false, true, false};  // pi, codex, claude, jsonl
  const LiveIndex& index = Build(claude_only);
  const std::string_view tiny = logdex::testing::kTinyIndex;
  const size_t from = tiny.find("{\"file\":\"proj/");
  const size_t to = tiny.find("{\"file\":\"s1.v2/");
  EXPECT_EQ(ReadRange(0, index.Size()), tiny.substr(from, to - from));
  EXPECT_EQ(index.Stats().skipped_source_filtered, 3u);
}

TEST_F(IndexTest, MissingLogDirIsAnError) {
  LiveIndex missing(log_.Path("missing"), {});
  EXPECT_FALSE(missing.Build().ok());
}

}  // namespace
}  // namespace logdex::index
