// Compressed logs in the index (SPEC §7): a NAME.lz4 is indexed as NAME with
// offsets into its decompressed bytes, exactly as the plain NAME would be;
// damage is indexed up to the readable prefix and counted; verify names it;
// the live index follows new and replaced .lz4 files; pi's own views ignore
// .seg.lz4 segments, as pi does.
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "index/canonical_writer.h"
#include "index/live_index.h"
#include "index/log_tree.h"
#include "index/pi_offsets.h"
#include "recovery/pi_views.h"
#include "recovery/verify.h"
#include "recovery/warm_start.h"
#include "tests/unit/index_text.h"
#include "tests/unit/lz4_fixtures.h"
#include "tests/unit/pi_fixtures.h"
#include "tests/unit/temp_dir.h"

namespace logdex::index {
namespace {

using ::logdex::testing::CanonicalIndex;
using ::logdex::testing::Lz4Frame;
using ::logdex::testing::Lz4Options;
using ::logdex::testing::SortedCanonically;
using ::logdex::testing::TempDir;

const std::string kA = "{\"type\":\"a0\",\"id\":\"1\"}\n{\"type\":\"a1\",\"id\":\"2\"}\nnot json\n";
const std::string kB = "{\"uuid\":\"u0\",\"sessionId\":\"s\"}\n   \n{\"uuid\":\"u1\",\"sessionId\":\"s\"}\ntorn";

std::string PiSegment() {
  namespace pi = ::logdex::testing::pi;
  return pi::Frame(1, 1, 1, "\"e1\"", "{}") + "\n" + pi::Frame(1, 2, 2, "\"e2\"", "{}") + "\n";
}

class Lz4IndexTest : public ::testing::Test {
 protected:
  // The same logs twice: plain in plain_, as .lz4 files in packed_.
  void WriteBoth(const std::string& rel, const std::string& text, const Lz4Options& o = {}) {
    plain_.Write(rel, text);
    packed_.Write(rel + ".lz4", Lz4Frame(text, o));
  }
  BuildStats Stats(const TempDir& dir) {
    const int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    absl::StatusOr<BuildStats> st = WriteCanonicalIndex(dir.path(), {}, fd);
    close(fd);
    EXPECT_TRUE(st.ok());
    return st.value_or(BuildStats());
  }

  TempDir plain_, packed_;
};

TEST_F(Lz4IndexTest, TheIndexOfLz4FilesIsTheIndexOfTheirDecompressedBytesUnderTheirNames) {
  WriteBoth("a.jsonl", kA, {.linked = true});
  WriteBoth("p/b.ndjson", kB, {.block_checksum = true, .content_size = true});
  WriteBoth("big.jsonl", ::logdex::testing::LogLines(3 << 20), {.linked = true});
  WriteBoth("s.v2/segments/" + ::logdex::testing::pi::SegName(1), PiSegment());
  plain_.Write("c.jsonl", "{\"type\":\"c\"}\n");  // plain in both: the two kinds mix
  packed_.Write("c.jsonl", "{\"type\":\"c\"}\n");
  const std::string want = CanonicalIndex(plain_.path());
  ASSERT_NE(want.find("\"file\":\"s.v2/segments/"), std::string::npos);
  EXPECT_EQ(CanonicalIndex(packed_.path()), want);
  absl::StatusOr<LogTree> tree = ListLogFiles(packed_.path());
  ASSERT_TRUE(tree.ok());
  ASSERT_EQ(tree->files.size(), 5u);
  EXPECT_EQ(tree->files[0].rel_path, "a.jsonl");
  EXPECT_TRUE(tree->files[0].compressed);
  EXPECT_FALSE(tree->files[2].compressed);  // c.jsonl
  EXPECT_EQ(Stats(packed_).skipped_lz4_damaged, 0u);
  EXPECT_EQ(Stats(packed_).torn_tails, 1u);
}

TEST_F(Lz4IndexTest, ALz4BesideARealNameIsItselfAndNotIndexed) {
  packed_.Write("a.jsonl", kA);
  packed_.Write("a.jsonl.lz4", Lz4Frame("{\"type\":\"hidden\"}\n"));
  packed_.Write("notes.txt.lz4", Lz4Frame("{\"type\":\"not a log name\"}\n"));
  plain_.Write("a.jsonl", kA);
  EXPECT_EQ(CanonicalIndex(packed_.path()), CanonicalIndex(plain_.path()));
}

TEST_F(Lz4IndexTest, ADamagedLz4IsIndexedUpToItsReadablePrefixAndCountedAsSkipped) {
  const std::string text = ::logdex::testing::LogLines(400000);
  const std::string full = Lz4Frame(text, {.linked = true});
  packed_.Write("x.jsonl.lz4", full.substr(0, full.size() / 2));
  packed_.Write("y.jsonl.lz4", "garbage\n");
  const std::string packed = CanonicalIndex(packed_.path());
  EXPECT_EQ(packed.find("y.jsonl"), std::string::npos);
  // The prefix is whole 64 KiB blocks: the rows are those of that prefix.
  std::unique_ptr<LogBytes> bytes;
  {
    const int root = open(packed_.path().c_str(), O_RDONLY | O_DIRECTORY);
    bytes = OpenLogBytes(root, "x.jsonl");
    close(root);
  }
  ASSERT_NE(bytes, nullptr);
  const uint64_t readable = bytes->Stat().size;
  EXPECT_GT(readable, 0u);
  EXPECT_LT(readable, text.size());
  EXPECT_EQ(readable % (64 << 10), 0u);
  plain_.Write("x.jsonl", text.substr(0, readable));
  plain_.Write("y.jsonl", "");
  EXPECT_EQ(packed, CanonicalIndex(plain_.path()));
  const BuildStats st = Stats(packed_);
  EXPECT_EQ(st.skipped_lz4_damaged, 2u);
  EXPECT_EQ(st.log_files, 2u);
}

TEST_F(Lz4IndexTest, VerifyNamesADamagedLz4WithItsFileOffsetAndReadableBytes) {
  packed_.Write("ok.jsonl.lz4", Lz4Frame(kA));
  const std::string full = Lz4Frame(kA, {.block_checksum = true});
  std::string bad = full;
  bad[bad.size() - 9] ^= 0x40;  // the block checksum (before the end mark and content checksum)
  packed_.Write("bad.jsonl.lz4", bad);
  struct Reporter : recovery::FindingReporter {
    void OnFinding(const recovery::Finding& f) override {
      if (f.kind == recovery::FindingKind::kDamagedLz4) {
        files.emplace_back(f.file);
        offsets.push_back(f.byte_offset.value_or(99999));
        readable.push_back(f.byte_length);
        EXPECT_TRUE(f.damage);
        EXPECT_NE(std::string(f.reason).find("bad block"), std::string::npos) << f.reason;
      }
    }
    void OnPiStore(const recovery::PiStoreCheck&) override {}
    std::vector<std::string> files;
    std::vector<uint64_t> offsets, readable;
  } found;
  absl::StatusOr<recovery::VerifyCounts> counts = recovery::VerifyLogDir(packed_.path(), {}, &found);
  ASSERT_TRUE(counts.ok());
  EXPECT_TRUE(counts->damage());
  EXPECT_EQ(counts->of(recovery::FindingKind::kDamagedLz4), 1u);
  ASSERT_EQ(found.files, std::vector<std::string>{"bad.jsonl.lz4"});
  EXPECT_EQ(found.offsets[0], 7u);  // the first block, after the 7-byte header
  EXPECT_EQ(found.readable[0], 0u);
}

TEST_F(Lz4IndexTest, VerifyProgressCountsTheListedBytesOfLz4FilesNotTheirDecompressedBytes) {
  // A log that compresses well: its rows cover far more bytes than its .lz4 holds.
  packed_.Write("big.jsonl.lz4", Lz4Frame(::logdex::testing::LogLines(3 << 20), {.linked = true}));
  packed_.Write("plain.jsonl", kA);
  struct Quiet : recovery::FindingReporter {
    void OnFinding(const recovery::Finding&) override {}
    void OnPiStore(const recovery::PiStoreCheck&) override {}
  } quiet;
  recovery::VerifyProgress progress;
  recovery::VerifyOptions options;
  options.progress = &progress;
  ASSERT_TRUE(recovery::VerifyLogDir(packed_.path(), options, &quiet).ok());
  EXPECT_EQ(progress.files_done.load(), 2u);
  EXPECT_LT(progress.bytes_total.load(), uint64_t{3} << 20);
  EXPECT_EQ(progress.bytes_done.load(), progress.bytes_total.load());  // 100%, never more
}

TEST_F(Lz4IndexTest, TheLiveIndexAddsANewLz4AtTheEndAndRegeneratesOneReplaced) {
  packed_.Write("a.jsonl", kA);
  LiveIndex live(packed_.path(), ScanOptions());
  ASSERT_TRUE(live.StartWatching().ok());
  ASSERT_TRUE(live.Build().ok());
  const uint64_t before = live.Size();
  packed_.Write("0.jsonl.lz4", Lz4Frame(kB));
  IndexUpdate u = live.Refresh();
  EXPECT_FALSE(u.regenerated);
  std::string text;
  live.Read(0, live.Size(), &text);
  EXPECT_NE(text.find("\"file\":\"0.jsonl\""), std::string::npos);
  EXPECT_GT(text.find("\"file\":\"0.jsonl\""), before - 1);  // at the end, not in path order
  EXPECT_EQ(SortedCanonically(text), CanonicalIndex(packed_.path()));
  // Nothing changed: nothing happens, however often it is looked at.
  EXPECT_FALSE(live.Refresh().changed());
  // Replaced the way a rotate tool does it: a new file renamed over it.
  packed_.Write("tmp.lz4", Lz4Frame("{\"uuid\":\"v\",\"sessionId\":\"t\"}\n"));
  ASSERT_EQ(rename(packed_.Path("tmp.lz4").c_str(), packed_.Path("0.jsonl.lz4").c_str()), 0);
  u = live.Refresh();
  EXPECT_TRUE(u.regenerated);
  text.clear();
  live.Read(0, live.Size(), &text);
  EXPECT_EQ(text, CanonicalIndex(packed_.path()));
  // A real 0.jsonl appearing hides the .lz4: its rows are the real file's.
  packed_.Write("0.jsonl", "{\"type\":\"real\"}\n");
  live.Refresh();
  text.clear();
  live.Read(0, live.Size(), &text);
  EXPECT_EQ(SortedCanonically(text), CanonicalIndex(packed_.path()));
  EXPECT_NE(text.find("real"), std::string::npos);
  EXPECT_EQ(text.find("\"v\""), std::string::npos);
}

TEST_F(Lz4IndexTest, PiViewsIgnoreSegLz4FilesAsPiDoesButTheIndexHasTheirRows) {
  const std::string seg1 = "s.v2/segments/" + ::logdex::testing::pi::SegName(1);
  packed_.Write(seg1 + ".lz4", Lz4Frame(PiSegment()));
  // pi derives nothing from a .seg.lz4: no segment it reads.
  const int store = open(packed_.Path("s.v2").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  absl::StatusOr<PiDerivedIndex> derived = DerivePiOffsets(store);
  close(store);
  ASSERT_TRUE(derived.ok());
  EXPECT_EQ(derived->bytes, "");
  recovery::PiViews views(packed_.path());
  LiveIndex live(packed_.path(), ScanOptions());
  live.SetChangeListener(&views);
  ASSERT_TRUE(live.Build().ok());
  std::shared_ptr<const recovery::PiOffsetsVersion> v = views.Current("s.v2");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->Size(), 0u);
  std::string text;
  live.Read(0, live.Size(), &text);
  EXPECT_NE(text.find("\"file\":\"" + seg1 + "\""), std::string::npos);
  EXPECT_NE(text.find("\"source\":\"pi\""), std::string::npos);
}

TEST_F(Lz4IndexTest, ACachedIndexOfLz4FilesIsReusedOnlyAfterItsRowsMatchTheDecompressedBytes) {
  TempDir cache;
  packed_.Write("a.jsonl.lz4", Lz4Frame(kA, {.linked = true}));
  packed_.Write("d.jsonl.lz4", Lz4Frame(kA).substr(0, 12));  // damaged: nothing readable
  auto open = [&] {
    auto live = std::make_unique<LiveIndex>(packed_.path(), ScanOptions());
    absl::StatusOr<recovery::StartReport> r = recovery::OpenIndex(*live, cache.path(), recovery::VerifyMode::kFull);
    EXPECT_TRUE(r.ok());
    return std::make_pair(std::move(live), r.value_or(recovery::StartReport()));
  };
  {
    auto [live, report] = open();
    EXPECT_EQ(report.kind, recovery::StartKind::kBuilt);
    ASSERT_TRUE(recovery::SaveIndex(*live, cache.path()).ok());
  }
  {
    auto [live, report] = open();
    EXPECT_EQ(report.kind, recovery::StartKind::kReused);
    EXPECT_EQ(report.rows_checked, 3u);
    EXPECT_EQ(report.files_rescanned, 0u);
    std::string text;
    live->Read(0, live->Size(), &text);
    EXPECT_EQ(text, CanonicalIndex(packed_.path()));
    // The damage is known again without a rescan.
    ASSERT_EQ(live->Lz4Damaged().size(), 1u);
    EXPECT_EQ(live->Lz4Damaged()[0].rel_path, "d.jsonl");
    EXPECT_EQ(live->Stats().skipped_lz4_damaged, 1u);
  }
  // Rewritten while unmounted: same decompressed size, other bytes.
  std::string other = kA;
  other[10] = 'Z';
  packed_.Write("a.jsonl.lz4", Lz4Frame(other));
  {
    auto [live, report] = open();
    EXPECT_EQ(report.files_rescanned, 1u);
    std::string text;
    live->Read(0, live->Size(), &text);
    EXPECT_EQ(SortedCanonically(text), CanonicalIndex(packed_.path()));
  }
}

}  // namespace
}  // namespace logdex::index
