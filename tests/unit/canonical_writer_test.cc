// `logdex index LOGDIR`: every row of the log dir, in canonical order, with
// the counts status.json reports (SPEC §1-4, §8).
#include "index/canonical_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "index/crc32c.h"
#include "index/row.h"
#include "temp_dir.h"
#include "tiny_log_dir.h"

namespace logdex::index {
namespace {

using logdex::testing::kTinyIndex;
using logdex::testing::kTinyLogBytes;

constexpr int kJsonl = static_cast<int>(Source::kJsonl);
constexpr int kCodex = static_cast<int>(Source::kCodex);
constexpr int kClaude = static_cast<int>(Source::kClaude);
constexpr int kPi = static_cast<int>(Source::kPi);
constexpr int kActive = 0, kCorrupt = 1;

class CanonicalWriterTest : public ::testing::Test {
 protected:
  // Verb: runs WriteCanonicalIndex on log_ into a temp file; the text written
  // lands in output_.
  absl::StatusOr<BuildStats> WriteIndex(const ScanOptions& options = {}) {
    return WriteIndexOf(log_.path(), options);
  }
  absl::StatusOr<BuildStats> WriteIndexOf(const std::string& dir, const ScanOptions& options) {
    const std::string path = out_.Path("index.out");
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    EXPECT_GE(fd, 0);
    absl::StatusOr<BuildStats> stats = WriteCanonicalIndex(dir, options, fd);
    close(fd);
    output_.clear();
    FILE* f = fopen(path.c_str(), "rb");
    char buf[65536];
    size_t n;
    while (f != nullptr && (n = fread(buf, 1, sizeof buf, f)) > 0) output_.append(buf, n);
    if (f != nullptr) fclose(f);
    return stats;
  }

  logdex::testing::TempDir log_;
  logdex::testing::TempDir out_;
  std::string output_;
};

TEST_F(CanonicalWriterTest, TinyLogDirGivesItsHandWrittenIndex) {
  WriteTinyLogDir(log_);
  absl::StatusOr<BuildStats> stats = WriteIndex();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(output_, kTinyIndex);
}

TEST_F(CanonicalWriterTest, TinyLogDirCountsFilesFramesAndTornTails) {
  WriteTinyLogDir(log_);
  absl::StatusOr<BuildStats> stats = WriteIndex();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->log_files, 4u);
  EXPECT_EQ(stats->frames, 8u);
  EXPECT_EQ(stats->torn_tails, 1u);
  EXPECT_EQ(stats->torn_tail_bytes, 9u);
  EXPECT_EQ(stats->bytes_scanned, kTinyLogBytes);
  EXPECT_EQ(stats->skipped_files(), 0u);
}

TEST_F(CanonicalWriterTest, TinyLogDirCountsRowsBySourceStateAndError) {
  WriteTinyLogDir(log_);
  absl::StatusOr<BuildStats> stats = WriteIndex();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->rows[kJsonl][kActive], 1u);
  EXPECT_EQ(stats->rows[kJsonl][kCorrupt], 1u);
  EXPECT_EQ(stats->rows[kCodex][kActive], 2u);
  EXPECT_EQ(stats->rows[kCodex][kCorrupt], 0u);
  EXPECT_EQ(stats->rows[kClaude][kActive], 2u);
  EXPECT_EQ(stats->rows[kClaude][kCorrupt], 0u);
  EXPECT_EQ(stats->rows[kPi][kActive], 1u);
  EXPECT_EQ(stats->rows[kPi][kCorrupt], 1u);
  EXPECT_EQ(stats->errors[static_cast<int>(FrameError::kJson)], 1u);
  EXPECT_EQ(stats->errors[static_cast<int>(FrameError::kPayloadBytes)], 1u);
  EXPECT_EQ(stats->errors[static_cast<int>(FrameError::kPayloadHash)], 0u);
  EXPECT_EQ(stats->errors[static_cast<int>(FrameError::kSchema)], 0u);
  EXPECT_EQ(stats->errors[static_cast<int>(FrameError::kOversized)], 0u);
}

TEST_F(CanonicalWriterTest, EmptyLogDirGivesAnEmptyIndex) {
  absl::StatusOr<BuildStats> stats = WriteIndex();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(output_, "");
  EXPECT_EQ(stats->log_files, 0u);
  EXPECT_EQ(stats->frames, 0u);
}

TEST_F(CanonicalWriterTest, EmptyAndBlankFilesGiveNoRows) {
  log_.Write("empty.jsonl", "");
  log_.Write("blank.jsonl", "\n \n\t\r\n");
  absl::StatusOr<BuildStats> stats = WriteIndex();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(output_, "");
  EXPECT_EQ(stats->log_files, 2u);
  EXPECT_EQ(stats->torn_tails, 0u);
}

TEST_F(CanonicalWriterTest, FileWithOnlyATornTailGivesNoRowButCountsIt) {
  log_.Write("t.jsonl", "{\"a\":");
  absl::StatusOr<BuildStats> stats = WriteIndex();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(output_, "");
  EXPECT_EQ(stats->torn_tails, 1u);
  EXPECT_EQ(stats->torn_tail_bytes, 5u);
}

TEST_F(CanonicalWriterTest, FilesAreInByteOrderOfTheirPaths) {
  log_.Write("a/b.jsonl", "{}\n");
  log_.Write("a-b.jsonl", "{}\n");
  log_.Write("B.jsonl", "{}\n");
  ASSERT_TRUE(WriteIndex().ok());
  EXPECT_EQ(output_,
            R"({"file":"B.jsonl","byteOffset":0,"byteLength":3,"crc32c":"F01F9D27","source":"jsonl","state":"active"})"
            "\n"
            R"({"file":"a-b.jsonl","byteOffset":0,"byteLength":3,"crc32c":"F01F9D27","source":"jsonl","state":"active"})"
            "\n"
            R"({"file":"a/b.jsonl","byteOffset":0,"byteLength":3,"crc32c":"F01F9D27","source":"jsonl","state":"active"})"
            "\n");
}

TEST_F(CanonicalWriterTest, NonUtf8NameIsSkippedAndCounted) {
  log_.Write("bad\xff.jsonl", "{}\n");
  absl::StatusOr<BuildStats> stats = WriteIndex();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(output_, "");
  EXPECT_EQ(stats->skipped_non_utf8_names, 1u);
  EXPECT_EQ(stats->skipped_files(), 1u);
}

TEST_F(CanonicalWriterTest, FilteredSourcesAreLeftOutAndCounted) {
  WriteTinyLogDir(log_);
  ScanOptions pi_only;
  pi_only.sources = {true, false, false, false};  // indexed by Source: pi, codex, claude, jsonl
  absl::StatusOr<BuildStats> stats = WriteIndex(pi_only);
  ASSERT_TRUE(stats.ok()) << stats.status();
  const std::string_view tiny = kTinyIndex;
  EXPECT_EQ(output_, tiny.substr(tiny.find("{\"file\":\"s1.v2/")));
  EXPECT_EQ(stats->skipped_source_filtered, 3u);
}

TEST_F(CanonicalWriterTest, OutputDoesNotDependOnThreadCount) {
  for (int i = 0; i < 60; ++i) {
    std::string body;
    for (int j = 0; j <= i % 7; ++j) body += "{\"id\":\"" + std::to_string(i * 10 + j) + "\"}\n";
    log_.Write("d" + std::to_string(i % 5) + "/f" + std::to_string(i) + ".jsonl", body);
  }
  WriteTinyLogDir(log_);
  ScanOptions one;
  one.threads = 1;
  ASSERT_TRUE(WriteIndex(one).ok());
  const std::string single = output_;
  ScanOptions four;
  four.threads = 4;
  ASSERT_TRUE(WriteIndex(four).ok());
  EXPECT_EQ(output_, single);
  ASSERT_TRUE(WriteIndex().ok());
  EXPECT_EQ(output_, single);
}

TEST_F(CanonicalWriterTest, OversizedFrameIsACorruptRowBetweenItsNeighbours) {
  std::string giant(kMaxFrameBytes + 1, 'x');
  giant.back() = '\n';
  log_.Write("big.jsonl", "{\"uuid\":\"u\"}\n" + giant + "{}\n");
  absl::StatusOr<BuildStats> stats = WriteIndex();
  ASSERT_TRUE(stats.ok()) << stats.status();
  char crc[9];
  std::snprintf(crc, sizeof crc, "%08X", Crc32c(giant));
  EXPECT_EQ(
      output_,
      R"({"file":"big.jsonl","byteOffset":0,"byteLength":13,"crc32c":"95FE1279","source":"claude","state":"active","entryId":"u"})"
      "\n"
      R"({"file":"big.jsonl","byteOffset":13,"byteLength":104857601,"crc32c":")" +
          std::string(crc) +
          R"(","source":"claude","state":"corrupt","error":"oversized"})"
          "\n"
          R"({"file":"big.jsonl","byteOffset":104857614,"byteLength":3,"crc32c":"F01F9D27","source":"claude","state":"active"})"
          "\n");
  EXPECT_EQ(stats->errors[static_cast<int>(FrameError::kOversized)], 1u);
}

TEST_F(CanonicalWriterTest, MissingLogDirIsAnError) {
  EXPECT_FALSE(WriteIndexOf(log_.Path("missing"), {}).ok());
}

TEST_F(CanonicalWriterTest, LogDirThatIsAFileIsAnError) {
  log_.Write("f.jsonl", "{}\n");
  EXPECT_FALSE(WriteIndexOf(log_.Path("f.jsonl"), {}).ok());
}

TEST_F(CanonicalWriterTest, UnwritableOutputIsAnError) {
  WriteTinyLogDir(log_);
  const std::string path = out_.Path("ro.out");
  out_.Write("ro.out", "");
  const int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_FALSE(WriteCanonicalIndex(log_.path(), {}, fd).ok());
  close(fd);
}

}  // namespace
}  // namespace logdex::index
