// Compact row storage: whatever the encoding (packed UUIDs, timestamps,
// "same as before" references, checkpoints), the store must render exactly
// the bytes AppendRow renders for the same rows, for any byte range.
#include "index/row_store.h"

#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "index/json_string.h"
#include "index/row_format.h"

namespace logdex::index {
namespace {

// A row that owns its strings.
struct OwnedRow {
  uint64_t offset = 0, length = 0;
  uint32_t crc = 0;
  Source source = Source::kJsonl;
  FrameError error = FrameError::kNone;
  std::optional<std::string> type, id, parent, session, time;
  std::optional<uint64_t> seq;

  RowView View() const {
    RowView v;
    v.byte_offset = offset;
    v.byte_length = length;
    v.crc32c = crc;
    v.source = source;
    v.error = error;
    if (type) v.entry_type = *type;
    if (id) v.entry_id = *id;
    if (parent) v.parent_entry_id = *parent;
    if (session) v.session_id = *session;
    if (time) v.timestamp = *time;
    v.entry_seq = seq;
    return v;
  }
};

std::string Literal(std::string_view path) {
  std::string lit;
  AppendJsonString(path, &lit);
  return lit;
}

std::string Rendered(std::string_view path, const OwnedRow& row) {
  std::string out;
  AppendRow(Literal(path), row.View(), &out);
  return out;
}

// Deterministic generator of awkward rows.
class RowGen {
 public:
  explicit RowGen(uint32_t seed) : x_(seed) {}
  uint32_t Next() {
    x_ = x_ * 1664525u + 1013904223u;
    return x_ >> 8;
  }
  template <size_t N>
  std::string Pick(const std::string (&options)[N]) { return options[Next() % N]; }

  std::string Uuid(bool upper) {
    static constexpr char kLower[] = "0123456789abcdef", kUpper[] = "0123456789ABCDEF";
    const char* digits = upper ? kUpper : kLower;
    std::string s;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) s += '-';
      const uint32_t d = Next() % 16;
      s += digits[d];
    }
    return s;
  }
  std::string Id() {
    switch (Next() % 10) {
      case 0: case 1: case 2: case 3: return Uuid(false);
      case 4: return Uuid(true);
      case 5: { std::string u = Uuid(false); u[Next() % 36] = 'g'; return u; }  // almost
      case 6: { char b[9]; std::snprintf(b, sizeof b, "%08x", Next()); return b; }
      case 7: { char b[9]; std::snprintf(b, sizeof b, "%08X", Next()); return b; }
      case 8: return Pick(kOddIds);
      default: return "msg_" + std::to_string(Next());
    }
  }
  std::string Time() {
    if (Next() % 4 != 0) {
      char b[32];
      std::snprintf(b, sizeof b, "20%02u-%02u-%02uT%02u:%02u:%02u.%03uZ", Next() % 100,
                    1 + Next() % 12, 1 + Next() % 28, Next() % 24, Next() % 60, Next() % 60,
                    Next() % 1000);
      return b;
    }
    return Pick(kOddTimes);
  }
  std::string Text() { return Pick(kOddTexts); }

  inline static const std::string kOddIds[] = {
      "", "1", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
      "0123456789abcdef0123456789abcdef0123",  // 36 chars, no dashes
      "01234567-89ab-cdef-0123-456789abcdef0",  // 37 chars
      "0123456", "012345678", "a\"b\\c", "\xED\xA0\x80", std::string("nul\0id", 6)};
  inline static const std::string kOddTimes[] = {
      "2026-01-28T10:00:00Z",           "2026-01-28T10:00:00.123456Z",
      "2026-01-28 10:00:00.000Z",       "2026-01-28T10:00:00.000+01:00",
      "0000-00-00T00:00:00.000Z",       "9999-99-99T99:99:99.999Z",
      "2026-13-45T25:61:61.999Z",       "2026-01-28T10:00:00.000z",
      "2026-01-28T10:00:00.00Z",        "",
      "1769594400",                     "２０２６-01-28T10:00:00.000Z"};
  inline static const std::string kOddTexts[] = {
      "user", "assistant", "tool_use", "", "a\"b\\c/d", "line\nbreak\ttab\r",
      std::string("\0\x01\x1f", 3), "caf\xC3\xA9 \xF0\x9F\x98\x80", "\xED\xA0\x80",
      "x\xED\xBF\xBFy\xED\xA0\x80", "\x7f"};

 private:
  uint32_t x_;
};

// Makes `count` rows of one file: offsets ascending, ids chained as parents,
// repeated sessions and types, now and then a corrupt row or a missing field.
std::vector<OwnedRow> MakeRows(RowGen& g, Source source, size_t count, uint64_t start) {
  std::vector<OwnedRow> rows;
  uint64_t offset = start;
  std::string session = g.Id();
  std::optional<std::string> prev_id;
  for (size_t i = 0; i < count; ++i) {
    OwnedRow r;
    r.offset = offset;
    r.length = 1 + g.Next() % 5000;
    if (g.Next() % 50 == 0) r.length = 104857601 + g.Next();  // oversized
    offset += r.length + (g.Next() % 7 == 0 ? g.Next() % 100 : 0);  // blank lines between
    if (g.Next() % 97 == 0) offset += uint64_t{1} << 40;
    r.crc = g.Next() % 3 == 0 ? g.Next() % 4096 : g.Next() * 2654435761u;
    r.source = source;
    if (g.Next() % 11 == 0) {
      r.error = static_cast<FrameError>(1 + g.Next() % 5);
      rows.push_back(r);
      continue;
    }
    const uint32_t shape = g.Next();
    if (shape % 5 != 0) r.type = g.Next() % 3 == 0 ? g.Text() : std::string("message");
    if (shape % 7 != 0) r.id = g.Id();
    if (shape % 3 == 0) r.parent = prev_id;          // usual chain (maybe absent)
    else if (shape % 3 == 1) r.parent = g.Id();      // something else
    if (shape % 13 != 0) r.session = g.Next() % 20 == 0 ? g.Id() : session;
    if (shape % 17 != 0) r.time = g.Time();
    if (source == Source::kPi && shape % 19 != 0) {
      switch (g.Next() % 4) {
        case 0: r.seq = i; break;
        case 1: r.seq = 18446744073709551615ull; break;
        case 2: r.seq = 0; break;
        default: r.seq = g.Next();
      }
    }
    if (shape % 23 == 0) r.type = r.id;  // the same text in another slot
    prev_id = r.id;
    rows.push_back(r);
  }
  return rows;
}

class RowStoreTest : public ::testing::Test {
 protected:
  // Verb: adds the rows of `path` as one run (a file may have several runs)
  // and appends what AppendRow makes of them to expected_.
  void AddRun(std::string_view path, const std::vector<OwnedRow>& rows) {
    uint32_t id;
    auto it = ids_.find(std::string(path));
    if (it == ids_.end()) {
      id = store_.AddFile(path);
      ids_[std::string(path)] = id;
      paths_.push_back(std::string(path));
    } else {
      id = it->second;
    }
    EXPECT_EQ(store_.file_literal(id), Literal(path));
    RunBuilder builder(id, store_.file_literal(id));
    for (const OwnedRow& r : rows) {
      builder.Add(r.View());
      expected_ += Rendered(path, r);
      expected_rows_.push_back({id, Rendered(path, r)});
    }
    store_.AppendRun(builder.Finish());
  }

  // The varied store most tests use.
  void AddManyRuns() {
    RowGen g(2026);
    AddRun("claude/proj/a.jsonl", MakeRows(g, Source::kClaude, kCheckpointRows * 3 + 17, 0));
    AddRun("codex/rollout.jsonl", MakeRows(g, Source::kCodex, kCheckpointRows, 0));
    AddRun("s1.v2/segments/0000000000000001.seg", MakeRows(g, Source::kPi, 250, 0));
    AddRun("we\"ird\nname \xC3\xA9.jsonl", MakeRows(g, Source::kJsonl, 1, 0));
    AddRun("j.ndjson", MakeRows(g, Source::kJsonl, kCheckpointRows + 1, 0));
    AddRun("claude/proj/a.jsonl", MakeRows(g, Source::kClaude, 40, 1u << 30));  // appended
    AddRun("s1.v2/segments/0000000000000001.seg", MakeRows(g, Source::kPi, 31, 1u << 20));
  }

  std::string RenderAll() const {
    std::string out;
    store_.Render(0, store_.rendered_size(), &out);
    return out;
  }

  RowStore store_;
  std::string expected_;
  std::vector<std::pair<uint32_t, std::string>> expected_rows_;
  std::map<std::string, uint32_t> ids_;
  std::vector<std::string> paths_;
};

TEST_F(RowStoreTest, EmptyStoreRendersNothing) {
  EXPECT_EQ(store_.rendered_size(), 0u);
  EXPECT_EQ(store_.row_count(), 0u);
  std::string out;
  store_.Render(0, 100, &out);
  EXPECT_EQ(out, "");
}

TEST_F(RowStoreTest, OneRowRendersAsAppendRowDoes) {
  OwnedRow r;
  r.offset = 0;
  r.length = 312;
  r.crc = 0x1F0C7A2B;
  r.source = Source::kClaude;
  r.type = "user";
  r.id = "u1";
  r.session = "s-1";
  r.time = "2026-01-28T10:00:00Z";
  AddRun("proj/a.jsonl", {r});
  EXPECT_EQ(
      RenderAll(),
      R"({"file":"proj/a.jsonl","byteOffset":0,"byteLength":312,"crc32c":"1F0C7A2B","source":"claude","state":"active","entryType":"user","entryId":"u1","sessionId":"s-1","timestamp":"2026-01-28T10:00:00Z"})"
      "\n");
}

TEST_F(RowStoreTest, FileLiteralIsThePathAsAJsonString) {
  const uint32_t id = store_.AddFile("a\"b\n\xC3\xA9.jsonl");
  EXPECT_EQ(store_.file_literal(id), "\"a\\\"b\\n\xC3\xA9.jsonl\"");
  EXPECT_EQ(store_.file_count(), 1u);
}

TEST_F(RowStoreTest, ManyVariedRowsRenderToExactlyTheBytesOfAppendRow) {
  AddManyRuns();
  const std::string all = RenderAll();
  ASSERT_EQ(all.size(), expected_.size());
  // Find the first differing row for a readable failure.
  for (size_t pos = 0, i = 0; i < expected_rows_.size(); pos += expected_rows_[i].second.size(), ++i) {
    ASSERT_EQ(all.substr(pos, expected_rows_[i].second.size()), expected_rows_[i].second)
        << "row " << i;
  }
  EXPECT_TRUE(all == expected_);
}

TEST_F(RowStoreTest, RenderedSizeAndRowCountCountEveryRun) {
  AddManyRuns();
  EXPECT_EQ(store_.rendered_size(), expected_.size());
  EXPECT_EQ(store_.row_count(), expected_rows_.size());
  EXPECT_EQ(store_.file_count(), 5u);
}

TEST_F(RowStoreTest, EveryRangeRendersAsTheSameSubstring) {
  AddManyRuns();
  const uint64_t size = store_.rendered_size();
  ASSERT_EQ(size, expected_.size());
  for (uint64_t offset = 0; offset <= size + 7; offset += 7) {
    for (uint64_t length : {0, 1, 13, 500}) {
      std::string out;
      store_.Render(offset, length, &out);
      const std::string want = offset >= size ? "" : expected_.substr(offset, length);
      ASSERT_EQ(out, want) << "Render(" << offset << ", " << length << ")";
    }
  }
}

TEST_F(RowStoreTest, RangesStartingAtEveryRowBoundaryRenderWholeRows) {
  AddManyRuns();
  uint64_t pos = 0;
  for (const auto& [id, row] : expected_rows_) {
    std::string out;
    store_.Render(pos, row.size(), &out);
    ASSERT_EQ(out, row) << "at " << pos;
    pos += row.size();
  }
}

TEST_F(RowStoreTest, RangePastTheEndIsCutShort) {
  AddManyRuns();
  const uint64_t size = store_.rendered_size();
  std::string out;
  store_.Render(size - 10, 1000, &out);
  EXPECT_EQ(out, expected_.substr(size - 10));
  out.clear();
  store_.Render(size, 10, &out);
  EXPECT_EQ(out, "");
  out.clear();
  store_.Render(size + 1000, 10, &out);
  EXPECT_EQ(out, "");
}

TEST_F(RowStoreTest, RangeWhoseEndOverflowsIsCutShortAtTheEnd) {
  AddManyRuns();
  std::string out;
  store_.Render(5, UINT64_MAX - 2, &out);  // offset + length wraps around 2^64
  EXPECT_EQ(out.size(), expected_.size() - 5);
  EXPECT_TRUE(out == expected_.substr(5));
}

TEST_F(RowStoreTest, RenderAppendsToWhatIsAlreadyThere) {
  AddManyRuns();
  std::string out = "x";
  store_.Render(0, 20, &out);
  EXPECT_EQ(out, "x" + expected_.substr(0, 20));
}

TEST_F(RowStoreTest, ForEachRowGivesTheRowsBackInOrder) {
  AddManyRuns();
  size_t i = 0;
  store_.ForEachRow([&](uint32_t file_id, const RowView& row) {
    ASSERT_LT(i, expected_rows_.size());
    EXPECT_EQ(file_id, expected_rows_[i].first) << "row " << i;
    std::string got;
    AppendRow(store_.file_literal(file_id), row, &got);
    EXPECT_EQ(got, expected_rows_[i].second) << "row " << i;
    ++i;
  });
  EXPECT_EQ(i, expected_rows_.size());
}

TEST_F(RowStoreTest, RunKnowsItsRowsAndRenderedSize) {
  RowGen g(7);
  const std::vector<OwnedRow> rows = MakeRows(g, Source::kClaude, kCheckpointRows * 3 + 5, 0);
  const uint32_t id = store_.AddFile("a.jsonl");
  RunBuilder builder(id, store_.file_literal(id));
  std::string rendered;
  for (const OwnedRow& r : rows) {
    builder.Add(r.View());
    rendered += Rendered("a.jsonl", r);
  }
  const index::Run run = builder.Finish();
  EXPECT_EQ(run.file_id, id);
  EXPECT_EQ(run.rows, rows.size());
  EXPECT_EQ(run.rendered_size, rendered.size());
}

TEST_F(RowStoreTest, DecodingFromEachCheckpointStartsAtItsRow) {
  RowGen g(11);
  const std::vector<OwnedRow> rows = MakeRows(g, Source::kPi, kCheckpointRows * 4 + 3, 0);
  const uint32_t id = store_.AddFile("s/segments/1.seg");
  RunBuilder builder(id, store_.file_literal(id));
  std::vector<std::string> rendered;
  std::vector<uint64_t> starts;
  uint64_t pos = 0;
  for (const OwnedRow& r : rows) {
    builder.Add(r.View());
    rendered.push_back(Rendered("s/segments/1.seg", r));
    starts.push_back(pos);
    pos += rendered.back().size();
  }
  const index::Run run = builder.Finish();
  ASSERT_GE(run.checkpoints.size(), 4u);
  for (size_t c = 0; c < run.checkpoints.size(); ++c) {
    const size_t first = c * kCheckpointRows;
    ASSERT_LT(first, rows.size());
    EXPECT_EQ(run.checkpoints[c].rendered_offset, starts[first]) << "checkpoint " << c;
    RunDecoder dec(run, c);
    RowView row;
    for (size_t i = first; i < rows.size(); ++i) {
      ASSERT_TRUE(dec.Next(&row)) << "checkpoint " << c << " row " << i;
      std::string got;
      AppendRow(store_.file_literal(id), row, &got);
      ASSERT_EQ(got, rendered[i]) << "checkpoint " << c << " row " << i;
    }
    EXPECT_FALSE(dec.Next(&row));
  }
}

TEST_F(RowStoreTest, EmptyRunAddsNothing) {
  AddManyRuns();
  const uint64_t size = store_.rendered_size();
  AddRun("empty.jsonl", {});
  EXPECT_EQ(store_.rendered_size(), size);
  EXPECT_TRUE(RenderAll() == expected_);
}

TEST_F(RowStoreTest, RepeatedValuesAcrossRunsOfOneFileAreNotCarriedOver) {
  // The second run starts without a "previous row": its first row must render
  // its own values even when they equal the last row of the first run.
  OwnedRow r;
  r.length = 10;
  r.crc = 5;
  r.source = Source::kClaude;
  r.type = "user";
  r.id = "11111111-2222-3333-4444-555555555555";
  r.session = "s";
  r.time = "2026-01-28T10:00:00.000Z";
  OwnedRow r2 = r;
  r2.offset = 10;
  r2.parent = r.id;
  r2.id = "66666666-2222-3333-4444-555555555555";
  AddRun("a.jsonl", {r, r2});
  AddRun("b.jsonl", {r2});
  OwnedRow r3 = r2;
  r3.offset = 20;
  AddRun("a.jsonl", {r3});
  EXPECT_TRUE(RenderAll() == expected_) << RenderAll();
}

}  // namespace
}  // namespace logdex::index

namespace logdex::index {
namespace {

// Runs also come from the cache file: a decoder fed any bytes stops (and
// says the bytes are malformed) instead of reading past them or crashing.
TEST(RunDecoderOnHostileBytes, StopsAtEveryTruncationAndGarbageWithoutCrashing) {
  std::string literal;
  AppendJsonString("f.jsonl", &literal);
  RunBuilder b(0, literal);
  RowView r;
  r.byte_length = 10;
  r.source = Source::kClaude;
  r.entry_type = "user";
  r.entry_id = "0b8a4e0c-1f2d-4c3e-9a7b-5d6e7f8a9b0c";
  r.timestamp = "2026-01-28T10:00:00.000Z";
  r.session_id = "a literal";
  for (int i = 0; i < 40; ++i) {
    r.byte_offset = 10u * i;
    b.Add(r);
  }
  const index::Run good = b.Finish();
  for (size_t cut = 0; cut < good.data.size(); ++cut) {
    index::Run run = good;
    run.data.resize(cut);
    RunDecoder dec(run, 0);
    RowView row;
    int n = 0;
    while (dec.Next(&row)) ++n;
    EXPECT_LT(n, 40) << "cut at " << cut;
  }
  uint32_t seed = 12345;
  for (int trial = 0; trial < 2000; ++trial) {
    index::Run run = good;
    for (int k = 0; k < 4; ++k) {
      seed = seed * 1103515245 + 12345;
      run.data[seed % run.data.size()] = static_cast<char>(seed >> 16);
    }
    RunDecoder dec(run, 0);
    RowView row;
    while (dec.Next(&row)) {
      EXPECT_LT(static_cast<int>(row.error), kFrameErrorCount);
    }
  }
}

TEST(RunDecoderOnHostileBytes, AnErrorCodeOutOfRangeIsMalformed) {
  index::Run run;
  run.rows = 1;
  run.checkpoints = {{0, 0}};
  run.data = std::string("\x00\x01\x00\x00\x00\x00", 6) + static_cast<char>(7 << 2);
  RunDecoder dec(run, 0);
  RowView row;
  EXPECT_FALSE(dec.Next(&row));
  EXPECT_TRUE(dec.malformed());
}

}  // namespace
}  // namespace logdex::index

namespace logdex::index {
namespace {

TEST(RowStoreAppends, AnAppendToTheLastRunsFileExtendsItAndRendersTheSame) {
  RowStore store;
  const uint32_t a = store.AddFile("a.jsonl");
  const uint32_t b = store.AddFile("b.jsonl");
  std::string expected;
  auto add = [&](uint32_t file, uint64_t offset, bool extend) {
    RowView row;
    row.byte_offset = offset;
    row.byte_length = 10;
    row.source = Source::kJsonl;
    row.entry_type = offset % 20 == 0 ? "even" : "odd";
    RunBuilder builder(file, store.file_literal(file));
    builder.Add(row);
    AppendRow(store.file_literal(file), row, &expected);
    if (extend) {
      store.AppendOrExtendRun(builder.Finish(), 4);
    } else {
      store.AppendRun(builder.Finish());
    }
  };
  add(a, 0, false);
  add(a, 10, true);  // extends a's run
  add(b, 0, true);   // another file: a new run
  add(b, 10, true);
  add(b, 20, true);
  add(b, 30, true);  // b's run is full at 4 rows
  add(b, 40, true);  // so this starts another
  const std::shared_ptr<const index::Run> before = store.runs().back();
  add(b, 50, true);  // a holder of the old last run still sees it whole
  EXPECT_EQ(before->rows, 1u);
  ASSERT_EQ(store.runs().size(), 3u);
  EXPECT_EQ(store.runs()[0]->rows, 2u);
  EXPECT_EQ(store.runs()[1]->rows, 4u);
  EXPECT_EQ(store.runs()[2]->rows, 2u);
  EXPECT_EQ(store.row_count(), 8u);
  std::string got;
  store.Render(0, store.rendered_size(), &got);
  EXPECT_EQ(got, expected);
}

}  // namespace
}  // namespace logdex::index
