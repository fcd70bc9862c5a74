// Every bad frame content has a defined row (SPEC §1–§3, §9), asserted as the
// exact bytes `logdex index` prints: the log dir goes through
// WriteCanonicalIndex, the code path of `logdex index`, of a full build of the
// mount and (through ScanFile) of verify and the live index.
//
// Each case is a file of lines. A line's expected row is given by the part
// after the fields every row has (file, byteOffset, byteLength, crc32c), so
// the test states what matters (source, state, error, fields) and the rest is
// computed from the line's bytes.
#include <pthread.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "index/build_stats.h"
#include "index/canonical_writer.h"
#include "index/crc32c.h"
#include "index/file_scan.h"
#include "index/frame_reader.h"
#include "index/live_index.h"
#include "index/row_format.h"
#include "index/row_maker.h"
#include "index/sha256.h"
#include "tests/unit/index_text.h"
#include "tests/unit/temp_dir.h"

namespace logdex::index {
namespace {

using ::logdex::testing::CanonicalIndex;
using ::logdex::testing::TempDir;

// The tail of a row after its crc32c.
constexpr char kJson[] = R"("source":"jsonl","state":"corrupt","error":"json"})";
constexpr char kNoRow[] = "";  // blank line or torn tail: no row

struct Line {
  std::string bytes;
  std::string row_tail;  // kNoRow for none
};

std::string Active(std::string_view fields, std::string_view source = "jsonl") {
  return "\"source\":\"" + std::string(source) + "\",\"state\":\"active\"" +
         (fields.empty() ? "" : ",") + std::string(fields) + "}";
}

std::string Hex8(uint32_t crc) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08X", crc);
  return buf;
}

// The row a frame gets, from its position, its bytes and the row's tail.
std::string ExpectedRow(std::string_view file, uint64_t offset, std::string_view frame,
                        std::string_view tail) {
  return "{\"file\":\"" + std::string(file) + "\",\"byteOffset\":" + std::to_string(offset) +
         ",\"byteLength\":" + std::to_string(frame.size()) + ",\"crc32c\":\"" +
         Hex8(Crc32c(frame)) + "\"," + std::string(tail) + "\n";
}

class BadFramesTest : public ::testing::Test {
 protected:
  // Writes `lines` as file `rel` of a fresh log dir; expects the index to be
  // exactly their rows.
  void ExpectRows(std::string_view rel, const std::vector<Line>& lines) {
    std::string contents, expected;
    for (const Line& l : lines) {
      if (!l.row_tail.empty()) expected += ExpectedRow(rel, contents.size(), l.bytes, l.row_tail);
      contents += l.bytes;
    }
    dir_.Write(rel, contents);
    EXPECT_EQ(CanonicalIndex(dir_.path()), expected);
  }
  BuildStats Build() {
    FILE* f = tmpfile();
    absl::StatusOr<BuildStats> st = WriteCanonicalIndex(dir_.path(), {}, fileno(f));
    fclose(f);
    EXPECT_TRUE(st.ok()) << st.status();
    return st.ok() ? *st : BuildStats{};
  }

  TempDir dir_;
};

// ---- invalid UTF-8 ----

TEST_F(BadFramesTest, EveryKindOfInvalidUtf8InAStringIsAJsonRowAndItsNeighboursStayActive) {
  const std::vector<std::string> bad = {
      "\xC0\x80",                  // overlong NUL (2 bytes)
      "\xC1\xBF",                  // overlong 2-byte
      "\xE0\x80\xAF",              // overlong 3-byte '/'
      "\xF0\x80\x80\xAF",          // overlong 4-byte
      "\xED\xA0\x80",              // U+D800 encoded in UTF-8
      "\xED\xBF\xBF",              // U+DFFF encoded in UTF-8
      "\xED\xA0\xBD\xED\xB8\x80",  // a surrogate pair encoded as two 3-byte forms (CESU-8)
      "\xE2\x82",                  // truncated 3-byte sequence
      "\xF0\x9F\x98",              // truncated 4-byte sequence
      "\xC3",                      // truncated 2-byte sequence
      "\xF4\x90\x80\x80",          // above U+10FFFF
      "\xF5\x80\x80\x80",          // lead byte > 0xF4
      "\xFE",                      // never valid
      "\xFF",                      // never valid
      "\x80",                      // stray continuation byte
      "a\xBFz",                    // stray continuation byte mid-text
      "\xF8\x88\x80\x80\x80",      // 5-byte form
      "\xFC\x84\x80\x80\x80\x80",  // 6-byte form
  };
  std::vector<Line> lines = {{"{\"type\":\"before\"}\n", Active(R"("entryType":"before")")}};
  for (const std::string& b : bad) {
    lines.push_back({"{\"type\":\"x\",\"s\":\"" + b + "\"}\n", kJson});
  }
  const std::string after = Active(R"("entryType":"after")");
  lines.push_back({"{\"type\":\"after\"}\n", after});
  ExpectRows("utf8.jsonl", lines);
}

TEST_F(BadFramesTest, InvalidUtf8OutsideStringsInKeysAndAfterTheObjectIsAJsonRow) {
  ExpectRows("outside.jsonl", {
      {"{\"a\":1,\x80\"b\":2}\n", kJson},        // between members
      {"{\"k\xFF\":1}\n", kJson},                  // in a key
      {"{\"a\":1}\xC3\xA9\n", kJson},             // valid UTF-8, but after the object
      {"{\"a\":1}\xE9\n", kJson},                 // invalid byte after the object
      {"\xE9{\"a\":1}\n", kJson},                 // before the object
  });
}

TEST_F(BadFramesTest, ValidUtf8AtTheEdgesOfEachRangeStaysLiteralInTheRow) {
  const std::string edges =
      "\xC2\x80"            // U+0080
      "\xDF\xBF"            // U+07FF
      "\xE0\xA0\x80"        // U+0800
      "\xED\x9F\xBF"        // U+D7FF, just below the surrogates
      "\xEE\x80\x80"        // U+E000, just above them
      "\xEF\xBF\xBF"        // U+FFFF
      "\xEF\xBB\xBF"        // U+FEFF inside a string is just a character
      "\xF0\x90\x80\x80"    // U+10000
      "\xF4\x8F\xBF\xBF";   // U+10FFFF
  const std::string tail = Active("\"entryType\":\"" + edges + "\"");
  ExpectRows("edges.jsonl", {{"{\"type\":\"" + edges + "\"}\n", tail}});
}

// ---- NUL runs, binary, empty, torn ----

TEST_F(BadFramesTest, NulRunsWithinALineAndAsWholeLinesAreJsonRows) {
  using std::string_literals::operator""s;
  ExpectRows("nul.jsonl", {
      {"{\"type\":\"a\"}\n", "\"source\":\"jsonl\",\"state\":\"active\",\"entryType\":\"a\"}"},
      {"{\"type\":\"a\0\0\0b\"}\n"s, kJson},        // raw NULs inside a string
      {"{\"type\":\"a\"}\0\0\0\0\n"s, kJson},       // after the object
      {"\0\0\0\0{\"type\":\"a\"}\n"s, kJson},       // before it
      {std::string(4096, '\0') + "\n", kJson},      // a whole "line" of NULs (a hole
                                                     // left by a crash) is not blank
      {"{\"type\":\"b\"}\n", "\"source\":\"jsonl\",\"state\":\"active\",\"entryType\":\"b\"}"},
  });
}

TEST_F(BadFramesTest, NulRunAtTheEndWithoutANewlineIsATornTail) {
  ExpectRows("holes.jsonl", {
      {"{\"type\":\"a\"}\n", "\"source\":\"jsonl\",\"state\":\"active\",\"entryType\":\"a\"}"},
      {std::string(1000, '\0'), kNoRow},
  });
  const BuildStats st = Build();
  EXPECT_EQ(st.torn_tails, 1u);
  EXPECT_EQ(st.torn_tail_bytes, 1000u);
}

TEST_F(BadFramesTest, BinaryFileNamedJsonlIsOneJsonRowPerLineAndATornTail) {
  using std::string_literals::operator""s;
  ExpectRows("image.jsonl", {
      {"\x89PNG\r\n"s, kJson},
      {"\x1A\n"s, kJson},
      {"\0\0\0\rIHDR\0\0\x01\0\xFF\xFE\xFD\n"s, kJson},
      {"\x7F" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0\n"s, kJson},
      {"\xDE\xAD\xBE\xEF"s, kNoRow},
  });
  const BuildStats st = Build();
  EXPECT_EQ(st.torn_tails, 1u);
  EXPECT_EQ(st.errors[static_cast<int>(FrameError::kJson)], 4u);
}

TEST_F(BadFramesTest, EmptyFileHasNoRowsAndNoTornTail) {
  ExpectRows("empty.jsonl", {});
  const BuildStats st = Build();
  EXPECT_EQ(st.log_files, 1u);
  EXPECT_EQ(st.frames, 0u);
  EXPECT_EQ(st.torn_tails, 0u);
}

TEST_F(BadFramesTest, FileThatIsOnlyATornLineHasNoRowsAndOneTornTail) {
  ExpectRows("torn.jsonl", {{"{\"type\":\"half", kNoRow}});
  const BuildStats st = Build();
  EXPECT_EQ(st.frames, 0u);
  EXPECT_EQ(st.torn_tails, 1u);
  EXPECT_EQ(st.torn_tail_bytes, 13u);
}

// ---- CRLF, blank lines, BOM ----

TEST_F(BadFramesTest, CrlfLinesAreActiveAndTheirRowsCountTheCarriageReturn) {
  const std::string a = Active(R"("entryType":"a")");
  ExpectRows("crlf.jsonl", {
      {"{\"type\":\"a\"}\r\n", a},
      {"{\"type\":\"a\"}\r\r\n", a},       // one \r stripped, the other is JSON whitespace
      {"  {\"type\":\"a\"} \t\r\n", a},     // whitespace around the value
      {"{\"type\":\"a\"}\n", a},
  });
}

TEST_F(BadFramesTest, BlankLinesOfAnyLengthAreNotFramesButOtherControlBytesAre) {
  const std::string a = Active(R"("entryType":"a")");
  ExpectRows("blank.jsonl", {
      {"\n", kNoRow},
      {"\r\n", kNoRow},
      {"   \t \r \n", kNoRow},
      {std::string(70000, ' ') + "\t\r\n", kNoRow},  // spans no chunk, but is long
      {"{\"type\":\"a\"}\n", a},
      {"\r\r\r\n", kNoRow},
      {"\x0B\n", kJson},  // vertical tab is not blank (not JSON whitespace)
      {"\x0C\n", kJson},  // nor is form feed
      {" \t \r", kNoRow},  // a blank unterminated tail is not a torn tail
  });
  EXPECT_EQ(Build().torn_tails, 0u);
}

TEST_F(BadFramesTest, ByteOrderMarkMakesALineInvalidButNotAFile) {
  const std::string a = Active(R"("entryType":"a")");
  ExpectRows("bom.jsonl", {
      {"\xEF\xBB\xBF{\"type\":\"a\"}\n", kJson},
      {"{\"type\":\"a\"}\n", a},
      {"\xEF\xBB\xBF\n", kJson},
      {"\xFE\xFF{\"type\":\"a\"}\n", kJson},  // a UTF-16 BOM
  });
}

TEST_F(BadFramesTest, BomBeforeTheFirstFrameDoesNotDecideTheSource) {
  // The first *valid* frame decides: the claude line after the BOM'd one.
  ExpectRows("bom-claude.jsonl", {
      {"\xEF\xBB\xBF{\"type\":\"session_meta\",\"payload\":{\"id\":\"c\"}}\n", kJson},
      {"{\"type\":\"user\",\"sessionId\":\"s1\",\"uuid\":\"u1\"}\n",
       R"("source":"claude","state":"active","entryType":"user","entryId":"u1","sessionId":"s1"})"},
  });
}

// ---- nesting ----

std::string Nest(int depth, std::string_view open, std::string_view close, std::string_view inner) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += open;
  s += inner;
  for (int i = 0; i < depth; ++i) s += close;
  return s;
}

// `{"type":"d","v":` + value + `}`: the object itself is one level.
std::string Deep(const std::string& value) { return "{\"type\":\"d\",\"v\":" + value + "}\n"; }

TEST_F(BadFramesTest, NestingOf1024IsValidAnd1025IsNotInEveryShape) {
  const std::string d = Active(R"("entryType":"d")");
  // Mixed: alternate arrays and objects.
  auto mixed = [](int depth) {
    std::string open, close;
    for (int i = 0; i < depth; ++i) {
      open += (i % 2 == 0) ? "[" : "{\"k\":";
      close.insert(0, (i % 2 == 0) ? "]" : "}");
    }
    return open + "1" + close;
  };
  ExpectRows("depth.jsonl", {
      {Deep(Nest(1023, "[", "]", "")), d},
      {Deep(Nest(1024, "[", "]", "")), kJson},
      {Deep(Nest(1023, "{\"a\":", "}", "null")), d},
      {Deep(Nest(1024, "{\"a\":", "}", "null")), kJson},
      {Deep(mixed(1023)), d},
      {Deep(mixed(1024)), kJson},
      {Deep(Nest(1023, "[", "]", "\"deep\"")), d},
  });
}

TEST_F(BadFramesTest, NestingOf100000IsAJsonRowClosedOrNot) {
  const std::string d = Active(R"("entryType":"d")");
  ExpectRows("deep.jsonl", {
      {Deep(Nest(100000, "[", "]", "")), kJson},
      {Deep(Nest(100000, "{\"a\":", "}", "1")), kJson},
      {Deep(Nest(50000, "[{\"a\":", "}]", "1")), kJson},
      {"{\"v\":" + std::string(100000, '[') + "\n", kJson},            // never closed
      {"{\"v\":" + std::string(100000, '{') + "\n", kJson},            // keys missing too
      {std::string(100000, ']') + "\n", kJson},                          // closers only
      {"{\"type\":\"d\"}\n", d},
  });
}

// The scanner runs on the daemon's worker threads; no check may recurse per
// level. 100,000 levels on a 64 KiB stack would overflow any recursion.
TEST_F(BadFramesTest, DeepNestingIsJudgedOnASmallThreadStack) {
  struct Job {
    std::vector<std::string> lines;
    std::vector<FrameError> errors;
  } job;
  job.lines = {Deep(Nest(100000, "[", "]", "")), Deep(Nest(100000, "{\"a\":", "}", "1")),
               "{\"v\":" + std::string(100000, '[') + "\n", Deep(Nest(1023, "[", "]", ""))};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 64 * 1024), 0);
  pthread_t t;
  ASSERT_EQ(pthread_create(
                &t, &attr,
                [](void* arg) -> void* {
                  auto* j = static_cast<Job*>(arg);
                  FrameTools tools;
                  RowMaker maker("deep.jsonl");
                  for (const std::string& l : j->lines) {
                    std::string padded = l + std::string(kJsonPadding, ' ');
                    j->errors.push_back(
                        maker.MakeRow(0, std::string_view(padded.data(), l.size()), tools).error);
                  }
                  return nullptr;
                },
                &job),
            0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
  EXPECT_EQ(job.errors, (std::vector<FrameError>{FrameError::kJson, FrameError::kJson,
                                                 FrameError::kJson, FrameError::kNone}));
}

// ---- numbers ----

TEST_F(BadFramesTest, NumbersOfAnyMagnitudeAreValid) {
  const std::string n = Active(R"("entryType":"n")");
  ExpectRows("numbers.jsonl", {
      {"{\"type\":\"n\",\"v\":18446744073709551616}\n", n},
      {"{\"type\":\"n\",\"v\":-99999999999999999999999999999999999999}\n", n},
      {"{\"type\":\"n\",\"v\":1e400}\n", n},
      {"{\"type\":\"n\",\"v\":-1.5E-400}\n", n},
      {"{\"type\":\"n\",\"v\":" + std::string(5000, '7') + "}\n", n},
      {"{\"type\":\"n\",\"v\":0." + std::string(5000, '1') + "e-99999}\n", n},
      {"{\"type\":\"n\",\"v\":01}\n", kJson},     // leading zero
      {"{\"type\":\"n\",\"v\":1.}\n", kJson},     // fraction without digits
      {"{\"type\":\"n\",\"v\":+1}\n", kJson},     // plus sign
      {"{\"type\":\"n\",\"v\":NaN}\n", kJson},
      {"{\"type\":\"n\",\"v\":Infinity}\n", kJson},
  });
}

// A pi frame with an integer member given as raw JSON text.
std::string PiFrame(std::string_view entry_seq) {
  const std::string payload = R"({"role":"user"})";
  Sha256 sha;
  return R"({"schema":"pi.session_store_v2.segment_frame.v1","segmentSeq":1,"frameSeq":1,"entrySeq":)" +
         std::string(entry_seq) +
         R"(,"entryId":"e1","entryType":"message","timestamp":"t","payloadSha256":")" +
         sha.HexDigest(payload) + R"(","payloadBytes":)" + std::to_string(payload.size()) +
         R"(,"payload":)" + payload + "}\n";
}

TEST_F(BadFramesTest, PiEntrySeqAbove64BitsIsASchemaErrorAndTheLargest64BitOneIsKept) {
  ExpectRows("s.v2/segments/1.seg", {
      {PiFrame("18446744073709551615"),
       Active(R"("entryType":"message","entryId":"e1","sessionId":"s","timestamp":"t",)"
              R"("entrySeq":18446744073709551615)",
              "pi")},
      {PiFrame("18446744073709551616"), R"("source":"pi","state":"corrupt","error":"schema"})"},
      {PiFrame("99999999999999999999999"), R"("source":"pi","state":"corrupt","error":"schema"})"},
      {PiFrame("1e3"), R"("source":"pi","state":"corrupt","error":"schema"})"},
  });
}

// ---- duplicate keys: the first occurrence counts ----

TEST_F(BadFramesTest, DuplicateTopLevelKeysTakeTheFirstOccurrence) {
  ExpectRows("dup.jsonl", {
      {R"({"type":"first","id":"i1","type":"second","id":"i2","sessionId":"s1","sessionId":"s2"})" "\n",
       R"("source":"claude","state":"active","entryType":"first","sessionId":"s1"})"},
  });
}

TEST_F(BadFramesTest, DuplicateKeyWhoseFirstValueIsNotAStringLeavesTheFieldOut) {
  ExpectRows("dup-types.jsonl", {
      {R"({"type":1,"type":"second","id":null,"id":"i2","parentId":"p"})" "\n",
       Active(R"("parentEntryId":"p")")},
      {R"({"typ\u0065":"escaped-first","type":"second"})" "\n", Active(R"("entryType":"escaped-first")")},
  });
}

TEST_F(BadFramesTest, CodexSessionIsTheFirstPayloadsFirstId) {
  // SPEC §2: first wins at every level. (The reference model's Python json
  // keeps the last for the nested `id`; SPEC decides.)
  ExpectRows("codex.jsonl", {
      {R"({"type":"session_meta","payload":{"id":"one","id":"two"},"payload":{"id":"three"}})" "\n",
       R"("source":"codex","state":"active","entryType":"session_meta","sessionId":"one"})"},
      {R"({"type":"event","timestamp":"t"})" "\n",
       R"("source":"codex","state":"active","entryType":"event","sessionId":"one","timestamp":"t"})"},
  });
}

TEST_F(BadFramesTest, CodexFirstPayloadWithoutAStringIdGivesNoSessionEvenIfALaterOneHasOne) {
  ExpectRows("codex2.jsonl", {
      {R"({"type":"session_meta","payload":{"id":7,"id":"late"},"payload":{"id":"x"}})" "\n",
       R"("source":"codex","state":"active","entryType":"session_meta"})"},
  });
}

// ---- lone surrogates ----

TEST_F(BadFramesTest, LoneSurrogateEscapesAreValidAndRowsWriteThemAsLowercaseEscapes) {
  ExpectRows("surrogates.jsonl", {
      {R"({"type":"\uD800x","id":"\udc00","parentId":"\ude00\ud83d"})" "\n",
       Active(R"("entryType":"\ud800x","entryId":"\udc00","parentEntryId":"\ude00\ud83d")")},
      {R"({"type":"\uDBFF","id":"a\uDFFFb","sessionId":"\ud83d\ude00"})" "\n",
       Active(R"("entryType":"\udbff","entryId":"a\udfffb","sessionId":"😀")")},
      {R"({"type":"\ud83d\ude00\u00e9\u0000\u001f\/"})" "\n",
       Active(R"("entryType":"😀é\u0000\u001f/")")},
      {R"({"type":"\ud83"})" "\n", kJson},  // a short escape is not a surrogate
  });
}

// ---- the live path: the whole fixture, appended in pieces ----

std::string ReadFile(const std::filesystem::path& p) {
  std::stringstream text;
  text << std::ifstream(p, std::ios::binary).rdbuf();
  return text.str();
}

// The daemon's incremental scan sees every file of tests/data/bad-frames
// arrive in pieces of odd sizes (splitting UTF-8 sequences, escapes, CRLFs
// and the 100,000-deep line anywhere), refreshed after each: its rows, sorted
// canonically, are the committed expected index, as is a fresh build.
TEST_F(BadFramesTest, TheFixtureAppendedInPiecesToALiveIndexGivesTheExpectedRows) {
  const std::filesystem::path fixture = std::string(LOGDEX_TEST_DATA) + "/bad-frames";
  const std::string expected = ReadFile(std::string(LOGDEX_TEST_DATA) + "/bad-frames.expected.ndjson");
  ASSERT_FALSE(expected.empty());
  std::vector<std::string> rels;
  for (const auto& e : std::filesystem::recursive_directory_iterator(fixture)) {
    if (e.is_regular_file()) rels.push_back(std::filesystem::relative(e.path(), fixture).string());
  }
  std::sort(rels.begin(), rels.end());
  ASSERT_GT(rels.size(), 10u);

  LiveIndex live(dir_.path(), ScanOptions());
  ASSERT_TRUE(live.Build().ok());
  uint64_t k = 0;
  for (const std::string& rel : rels) {
    const std::string bytes = ReadFile(fixture / rel);
    std::filesystem::create_directories(std::filesystem::path(dir_.Path(rel)).parent_path());
    const int fd = open(dir_.Path(rel).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ASSERT_GE(fd, 0);
    for (size_t at = 0; at < bytes.size();) {
      const size_t n = std::min<size_t>(bytes.size() - at, (++k * 7919) % 997 + 1);
      ASSERT_EQ(write(fd, bytes.data() + at, n), static_cast<ssize_t>(n));
      at += n;
      live.Refresh();
    }
    close(fd);
    live.Refresh();
  }
  std::string text;
  live.Read(0, live.Size(), &text);
  EXPECT_EQ(::logdex::testing::SortedCanonically(text), expected);
  EXPECT_EQ(CanonicalIndex(dir_.path()), expected);
  EXPECT_EQ(live.Stats().torn_tails, 3u);
}

}  // namespace
}  // namespace logdex::index
