// `logdex verify LOGDIR [--json]` (SPEC §8, issue 7 item 2): what it finds,
// what counts as damage (the exit code), and the exact shape of both reports.
#include "recovery/verify.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fs/command_line.h"
#include "fs/verify_command.h"
#include "gtest/gtest.h"
#include "open_watch.h"
#include "pi_fixtures.h"
#include "simdjson.h"
#include "temp_dir.h"
#include "tiny_log_dir.h"

namespace logdex::recovery {
namespace {

using index::FrameError;
using testing::OpenWatch;
using testing::ReadFile;
using testing::pi::kFrame1;
using testing::pi::kFrame2;
using testing::pi::kRow1;
using testing::pi::kRow2;

constexpr char kSegment[] = "w.v2/segments/0000000000000001.seg";
constexpr char kOffsets[] = "w.v2/index/offsets.jsonl";

// Reads a JSON value of the report, failing the test if it has another type.
using JsonValue = simdjson::simdjson_result<simdjson::dom::element>;
int64_t Int(JsonValue v) {
  int64_t n = -1;
  EXPECT_EQ(v.get(n), simdjson::SUCCESS);
  return n;
}
bool Bool(JsonValue v) {
  bool b = false;
  EXPECT_EQ(v.get(b), simdjson::SUCCESS);
  return b;
}
std::string Str(JsonValue v) {
  std::string_view s;
  EXPECT_EQ(v.get(s), simdjson::SUCCESS);
  return std::string(s);
}

// A finding, copied out of the reporter call.
struct Seen {
  FindingKind kind;
  bool damage;
  std::string file;
  std::optional<uint64_t> offset;
  uint64_t length;
  FrameError error;
  std::string reason;
};

class Collector : public FindingReporter {
 public:
  void OnFinding(const Finding& f) override {
    seen.push_back({f.kind, f.damage, std::string(f.file), f.byte_offset, f.byte_length, f.error,
                    std::string(f.reason)});
  }
  void OnPiStore(const PiStoreCheck& s) override { stores.push_back(s); }
  std::vector<Seen> seen;
  std::vector<PiStoreCheck> stores;
};

class VerifyTest : public ::testing::Test {
 protected:
  // Verb: runs the engine on log_; findings land in found_.
  VerifyCounts Verify(int threads = 0) {
    found_ = Collector();
    VerifyOptions options;
    options.threads = threads;
    absl::StatusOr<VerifyCounts> counts = VerifyLogDir(log_.path(), options, &found_);
    EXPECT_TRUE(counts.ok()) << counts.status();
    return counts.ok() ? *counts : VerifyCounts();
  }
  // Verb: runs `logdex verify ARGS`; returns the exit code, the report lands
  // in out_ and the messages in err_.
  int Command(const std::vector<std::string>& args) {
    const std::string path = scratch_.Path("report");
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    EXPECT_GE(fd, 0);
    std::FILE* err = std::tmpfile();
    fs::VerifyIo io;
    io.out_fd = fd;
    io.err = err;
    std::vector<std::string> line = {"verify"};
    line.insert(line.end(), args.begin(), args.end());
    std::FILE* help = std::tmpfile();
    const fs::ParsedCommandLine parsed = fs::ParseCommandLine(line, "/", help, err);
    std::fclose(help);
    const int rc = parsed.exit_code ? *parsed.exit_code : fs::VerifyCommand(parsed.line.verify, io);
    close(fd);
    out_ = ReadFile(path);
    std::rewind(err);
    err_.clear();
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, err)) > 0) err_.append(buf, n);
    std::fclose(err);
    return rc;
  }
  // Verb: the PI_FORMAT §8 store at w.v2, backing copy right.
  void WriteWorkedStore() {
    log_.Write(kSegment, std::string(kFrame1) + std::string(kFrame2));
    log_.Write(kOffsets, std::string(kRow1) + std::string(kRow2));
  }
  // The findings of one kind.
  std::vector<Seen> Found(FindingKind kind) const {
    std::vector<Seen> out;
    for (const Seen& s : found_.seen) {
      if (s.kind == kind) out.push_back(s);
    }
    return out;
  }
  // Verb: parses out_ as JSON into doc_.
  void ParseReport() {
    json_ = simdjson::padded_string(out_);
    ASSERT_EQ(parser_.parse(json_).get(doc_), simdjson::SUCCESS) << out_;
  }

  logdex::testing::TempDir log_;
  logdex::testing::TempDir scratch_;
  Collector found_;
  std::string out_, err_;
  simdjson::padded_string json_;
  simdjson::dom::parser parser_;
  simdjson::dom::element doc_;
};

// --- clean -----------------------------------------------------------------

TEST_F(VerifyTest, CleanLogDirHasNoFindingsAndExitsZero) {
  log_.Write("a.jsonl", "{\"type\":\"x\",\"id\":\"1\"}\n\n{\"id\":\"2\"}\r\n");
  log_.Write("codex/r.jsonl", "{\"type\":\"session_meta\",\"payload\":{\"id\":\"c1\"}}\n");
  WriteWorkedStore();
  const VerifyCounts c = Verify();
  EXPECT_TRUE(found_.seen.empty());
  EXPECT_EQ(c.stats.log_files, 3u);
  EXPECT_EQ(c.stats.frames, 5u);
  EXPECT_EQ(c.pi_stores, 1u);
  EXPECT_EQ(VerifyExitCode(c), 0);
  EXPECT_EQ(Command({log_.path()}), 0);
  EXPECT_EQ(out_, "summary: 3 log files (5 frames, " + std::to_string(c.stats.bytes_scanned) +
                      " bytes), 1 pi store: nothing found: clean (exit 0)\n");
}

TEST_F(VerifyTest, EmptyLogDirIsClean) {
  EXPECT_EQ(Command({log_.path()}), 0);
  EXPECT_EQ(out_, "summary: 0 log files (0 frames, 0 bytes), 0 pi stores: nothing found: clean (exit 0)\n");
}

// --- log files -----------------------------------------------------------

TEST_F(VerifyTest, CorruptFrameIsDamageWithItsFileOffsetAndError) {
  log_.Write("a.jsonl", "{}\nnot json\n{}\n");
  const VerifyCounts c = Verify();
  ASSERT_EQ(found_.seen.size(), 1u);
  const Seen& s = found_.seen[0];
  EXPECT_EQ(s.kind, FindingKind::kCorruptFrame);
  EXPECT_TRUE(s.damage);
  EXPECT_EQ(s.file, "a.jsonl");
  EXPECT_EQ(s.offset, 3u);
  EXPECT_EQ(s.length, 9u);
  EXPECT_EQ(s.error, FrameError::kJson);
  EXPECT_EQ(c.stats.errors[static_cast<int>(FrameError::kJson)], 1u);
  EXPECT_EQ(VerifyExitCode(c), 1);
}

TEST_F(VerifyTest, PiFrameErrorsAreNamedSchemaPayloadHashAndPayloadBytes) {
  std::string schema(kFrame1), hash(kFrame1), bytes(kFrame1);
  schema.replace(schema.find("segment_frame.v1"), 16, "segment_frame.v9");
  hash.replace(hash.find("9d936797"), 8, "00000000");
  bytes.replace(bytes.find("\"payloadBytes\":143"), 18, "\"payloadBytes\":144");
  log_.Write("x.v2/segments/0000000000000001.seg", schema + hash + bytes);
  Verify();
  const std::vector<Seen> corrupt = Found(FindingKind::kCorruptFrame);
  ASSERT_EQ(corrupt.size(), 3u);
  EXPECT_EQ(corrupt[0].error, FrameError::kSchema);
  EXPECT_EQ(corrupt[1].error, FrameError::kPayloadHash);
  EXPECT_EQ(corrupt[1].offset, kFrame1.size());
  EXPECT_EQ(corrupt[2].error, FrameError::kPayloadBytes);
}

TEST_F(VerifyTest, OversizedFrameIsDamage) {
  std::string giant(index::kMaxFrameBytes + 1, 'x');
  giant.back() = '\n';
  log_.Write("big.jsonl", "{}\n" + giant);
  const VerifyCounts c = Verify();
  ASSERT_EQ(found_.seen.size(), 1u);
  EXPECT_EQ(found_.seen[0].error, FrameError::kOversized);
  EXPECT_EQ(found_.seen[0].offset, 3u);
  EXPECT_EQ(found_.seen[0].length, index::kMaxFrameBytes + 1);
  EXPECT_EQ(VerifyExitCode(c), 1);
}

TEST_F(VerifyTest, TornTailIsReportedButIsNotDamage) {
  log_.Write("a.jsonl", "{}\n{\"id\":\"2\"");
  const VerifyCounts c = Verify();
  ASSERT_EQ(found_.seen.size(), 1u);
  EXPECT_EQ(found_.seen[0].kind, FindingKind::kTornTail);
  EXPECT_FALSE(found_.seen[0].damage);
  EXPECT_EQ(found_.seen[0].offset, 3u);
  EXPECT_EQ(found_.seen[0].length, 9u);
  EXPECT_EQ(VerifyExitCode(c), 0);
}

TEST_F(VerifyTest, NonUtf8NameIsReportedButIsNotDamage) {
  log_.Write("ok.jsonl", "{}\n");
  log_.Write("bad\xff.jsonl", "{}\n");
  log_.Write("dir\xfe/in.jsonl", "{}\n");
  const VerifyCounts c = Verify();
  const std::vector<Seen> names = Found(FindingKind::kNonUtf8Name);
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].file, "bad\xff.jsonl");
  EXPECT_EQ(names[1].file, "dir\xfe/in.jsonl");
  EXPECT_FALSE(names[0].damage);
  EXPECT_EQ(found_.seen.size(), 2u);
  EXPECT_EQ(VerifyExitCode(c), 0);
}

// Root reads everything, so these run the command in a child that gives up
// root first (CI runs as root); the child's exit status is verify's.
int CommandAsNobody(const std::string& log_dir, const std::string& report) {
  const pid_t child = fork();
  if (child == 0) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(10);
    const int fd = open(report.c_str(), O_WRONLY | O_TRUNC);
    if (fd < 0) _exit(11);
    fs::VerifyIo io;
    io.out_fd = fd;
    _exit(fs::VerifyCommand(fs::VerifyArgs{.log_dir = log_dir, .json = true}, io));
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST_F(VerifyTest, UnreadableFileAndDirectoryAreDamage) {
  log_.Write("ok.jsonl", "{}\n");
  log_.Write("locked.jsonl", "{}\n");
  log_.Write("sealed/a.jsonl", "{}\n");
  ASSERT_EQ(chmod(log_.Path("locked.jsonl").c_str(), 0), 0);
  ASSERT_EQ(chmod(log_.Path("sealed").c_str(), 0), 0);
  ASSERT_EQ(chmod(log_.path().c_str(), 0755), 0);
  ASSERT_EQ(chmod(scratch_.path().c_str(), 0777), 0);
  scratch_.Write("report", "");
  ASSERT_EQ(chmod(scratch_.Path("report").c_str(), 0666), 0);
  EXPECT_EQ(CommandAsNobody(log_.path(), scratch_.Path("report")), 1) << "10 setuid, 11 open";
  out_ = ReadFile(scratch_.Path("report"));
  ParseReport();
  simdjson::dom::array findings = doc_["findings"].get_array();
  ASSERT_EQ(findings.size(), 2u) << out_;
  // Skipped paths come first, then log files.
  EXPECT_EQ(Str(findings.at(0)["kind"]), "unreadable_dir");
  EXPECT_EQ(Str(findings.at(0)["file"]), "sealed");
  EXPECT_EQ(Str(findings.at(0)["reason"]), "Permission denied");
  EXPECT_EQ(Str(findings.at(1)["kind"]), "unreadable_file");
  EXPECT_EQ(Str(findings.at(1)["file"]), "locked.jsonl");
  EXPECT_TRUE(findings.at(1)["byte_offset"].is_null());
  EXPECT_EQ(Int(doc_["counts"]["unreadable_files"]), 1);
  EXPECT_EQ(Int(doc_["counts"]["unreadable_dirs"]), 1);
}

TEST_F(VerifyTest, FindingsOfManyFilesComeInCanonicalOrderWhateverTheThreads) {
  // More corrupt frames per file than are ever held: workers wait their turn.
  std::string garbage;
  for (size_t i = 0; i < kMaxHeldFindings + 1000; ++i) garbage += "x\n";
  for (int f = 0; f < 6; ++f) log_.Write("f" + std::to_string(f) + ".jsonl", garbage);
  Verify(1);
  const std::vector<Seen> one = found_.seen;
  Verify(4);
  ASSERT_EQ(found_.seen.size(), one.size());
  ASSERT_EQ(one.size(), 6 * (kMaxHeldFindings + 1000));
  for (size_t i = 0; i < one.size(); ++i) {
    const size_t per_file = kMaxHeldFindings + 1000;
    ASSERT_EQ(found_.seen[i].file, "f" + std::to_string(i / per_file) + ".jsonl") << i;
    ASSERT_EQ(found_.seen[i].offset, 2 * (i % per_file)) << i;
    ASSERT_EQ(one[i].offset, found_.seen[i].offset) << i;
  }
}

// --- pi stores -----------------------------------------------------------

TEST_F(VerifyTest, RightPiOffsetsAreNotDrift) {
  WriteWorkedStore();
  const VerifyCounts c = Verify();
  EXPECT_TRUE(found_.seen.empty());
  ASSERT_EQ(found_.stores.size(), 1u);
  EXPECT_EQ(found_.stores[0].path, "w.v2");
  EXPECT_EQ(found_.stores[0].backing, BackingState::kPresent);
  EXPECT_EQ(found_.stores[0].derived_rows, 2u);
  ASSERT_TRUE(found_.stores[0].drift.has_value());
  EXPECT_FALSE(found_.stores[0].drift->differs());
  EXPECT_EQ(VerifyExitCode(c), 0);
}

TEST_F(VerifyTest, AFifoAsPiOffsetsIsUnreadableAndNeverOpened) {
  log_.Write(kSegment, std::string(kFrame1) + std::string(kFrame2));
  std::filesystem::create_directories(std::filesystem::path(log_.Path(kOffsets)).parent_path());
  ASSERT_EQ(mkfifo(log_.Path(kOffsets).c_str(), 0600), 0);
  OpenWatch opens(std::filesystem::path(log_.Path(kOffsets)).parent_path(), "offsets.jsonl");
  Verify();
  ASSERT_EQ(found_.stores.size(), 1u);
  EXPECT_EQ(found_.stores[0].backing, BackingState::kUnreadable);
  EXPECT_EQ(found_.stores[0].backing_error, "not a regular file");
  EXPECT_EQ(opens.Opens(), 0) << "a FIFO was opened: a writer blocked on it would be released";
}

TEST_F(VerifyTest, MissingPiOffsetsIsDrift) {
  log_.Write(kSegment, std::string(kFrame1) + std::string(kFrame2));
  const VerifyCounts c = Verify();
  const std::vector<Seen> drift = Found(FindingKind::kPiDrift);
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_EQ(drift[0].file, kOffsets);
  EXPECT_FALSE(drift[0].offset.has_value());
  EXPECT_EQ(found_.stores[0].backing, BackingState::kMissing);
  EXPECT_EQ(found_.stores[0].drift->kind(), "missing");
  EXPECT_EQ(c.pi_stores_drifted, 1u);
  EXPECT_EQ(VerifyExitCode(c), 1);
}

TEST_F(VerifyTest, GhostPiRowIsDrift) {
  WriteWorkedStore();
  std::string ghost(kRow2);
  ghost.replace(ghost.find("\"entrySeq\":2"), 12, "\"entrySeq\":3");
  ghost.replace(ghost.find("\"byteOffset\":429"), 16, "\"byteOffset\":861");
  log_.Write(kOffsets, std::string(kRow1) + std::string(kRow2) + ghost);
  const VerifyCounts c = Verify();
  ASSERT_EQ(Found(FindingKind::kPiDrift).size(), 1u);
  EXPECT_EQ(Found(FindingKind::kPiDrift)[0].offset, kRow1.size() + kRow2.size());
  EXPECT_EQ(found_.stores[0].drift->kind(), "ghost_rows");
  EXPECT_EQ(found_.stores[0].drift->ghost_rows, 1u);
  EXPECT_EQ(VerifyExitCode(c), 1);
}

TEST_F(VerifyTest, TruncatedPiOffsetsIsStaleDrift) {
  WriteWorkedStore();
  log_.Write(kOffsets, kRow1);
  const VerifyCounts c = Verify();
  ASSERT_EQ(Found(FindingKind::kPiDrift).size(), 1u);
  EXPECT_EQ(found_.stores[0].drift->kind(), "stale");
  EXPECT_EQ(found_.stores[0].drift->missing_rows, 1u);
  EXPECT_EQ(VerifyExitCode(c), 1);
}

TEST_F(VerifyTest, PiRowWithAWrongCrcIsDrift) {
  WriteWorkedStore();
  std::string wrong(kRow2);
  wrong.replace(wrong.find("638DCC43"), 8, "638DCC44");
  log_.Write(kOffsets, std::string(kRow1) + wrong);
  const VerifyCounts c = Verify();
  ASSERT_EQ(Found(FindingKind::kPiDrift).size(), 1u);
  EXPECT_EQ(Found(FindingKind::kPiDrift)[0].offset, kRow1.size());
  EXPECT_EQ(found_.stores[0].drift->kind(), "wrong_rows");
  EXPECT_EQ(found_.stores[0].drift->wrong_rows, 1u);
  EXPECT_EQ(VerifyExitCode(c), 1);
}

TEST_F(VerifyTest, TornTailAtTheEndOfTheLastSegmentIsAPiStopButNotDamage) {
  WriteWorkedStore();
  log_.Write(kSegment, std::string(kFrame1) + std::string(kFrame2) + "{\"schema\":\"pi.sess");
  const VerifyCounts c = Verify();
  const std::vector<Seen> stops = Found(FindingKind::kPiStop);
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].file, kSegment);
  EXPECT_EQ(stops[0].offset, 861u);
  EXPECT_FALSE(stops[0].damage);
  EXPECT_EQ(found_.stores[0].stop->reason, index::PiStopReason::kTornTail);
  EXPECT_EQ(Found(FindingKind::kTornTail).size(), 1u);
  EXPECT_EQ(c.pi_stops, 1u);
  EXPECT_EQ(c.pi_stops_damage, 0u);
  EXPECT_EQ(VerifyExitCode(c), 0);
}

TEST_F(VerifyTest, BadPiFrameBeforeTheEndIsAPiStopThatIsDamage) {
  WriteWorkedStore();
  log_.Write(kSegment, std::string(kFrame1) + std::string(kFrame2) + "not a frame\n");
  const VerifyCounts c = Verify();
  const std::vector<Seen> stops = Found(FindingKind::kPiStop);
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].offset, 861u);
  EXPECT_TRUE(stops[0].damage);
  EXPECT_EQ(found_.stores[0].stop->reason, index::PiStopReason::kBadFrame);
  EXPECT_EQ(found_.stores[0].stop->action, index::PiAction::kFail);
  EXPECT_EQ(c.pi_stops_damage, 1u);
  EXPECT_EQ(VerifyExitCode(c), 1);
}

// --- exit decision -------------------------------------------------------

TEST(VerifyExitCode, OnlyDamageFindingsGiveOne) {
  VerifyCounts c;
  c.findings[static_cast<int>(FindingKind::kTornTail)] = 3;
  c.findings[static_cast<int>(FindingKind::kNonUtf8Name)] = 2;
  EXPECT_EQ(VerifyExitCode(c), 0);
  c.damage_findings = 1;
  EXPECT_EQ(VerifyExitCode(c), 1);
}

TEST(PiStoreCheck, DriftStopsThatAreDamageAndUnreadablePartsAreDamage) {
  PiStoreCheck s;
  s.backing = BackingState::kPresent;
  s.drift = PiDrift();
  s.stop = index::PiStop();
  EXPECT_FALSE(s.damage());
  s.stop->reason = index::PiStopReason::kTornTail;  // at the end of the last segment
  EXPECT_FALSE(s.damage());
  s.stop->damage = true;
  EXPECT_TRUE(s.damage());
  s.stop->damage = false;
  s.drift->ghost_rows = 1;
  EXPECT_TRUE(s.damage());
  s.drift = std::nullopt;
  s.backing = BackingState::kUnreadable;
  EXPECT_TRUE(s.damage());
}

// --- the command: arguments, text and JSON --------------------------------

TEST_F(VerifyTest, BadArgumentsAndPathsExitTwoWithOneLine) {
  log_.Write("f.jsonl", "{}\n");
  const std::vector<std::vector<std::string>> cases = {
      {}, {log_.path(), log_.path()}, {log_.path(), "--no-such-flag"},
      {log_.Path("missing")}, {log_.Path("f.jsonl")}};
  for (const auto& args : cases) {
    EXPECT_EQ(Command(args), 2) << (args.empty() ? "" : args[0]);
    EXPECT_EQ(out_, "");
    EXPECT_EQ(std::count(err_.begin(), err_.end(), '\n'), 1) << err_;
    EXPECT_EQ(err_.rfind("logdex verify: ", 0), 0u) << err_;
  }
}

TEST_F(VerifyTest, TextReportHasOneLinePerFindingAndASummary) {
  log_.Write("a.jsonl", "{\"id\":\"1\"}\nnot json\n{\"id\":\"2\"");
  log_.Write("n\xff\n.jsonl", "{}\n");
  EXPECT_EQ(Command({log_.path()}), 1);
  EXPECT_EQ(out_,
            "n\\xff\\n.jsonl: name not UTF-8: shown by the mount, not indexed (not damage)\n"
            "a.jsonl:11: corrupt frame (json), 9 bytes\n"
            "a.jsonl:20: torn tail, 9 bytes after the last newline (not damage: a writer may be "
            "mid-append)\n"
            "summary: 1 log file (2 frames, 29 bytes), 0 pi stores: 1 corrupt frame (json 1), "
            "1 torn tail (not damage), 1 name not UTF-8 (not damage): damage found (exit 1)\n");
}

TEST_F(VerifyTest, JsonReportIsOneObjectWithEveryField) {
  WriteTinyLogDir(log_);
  log_.Write("bad\xff.jsonl", "{}\n");
  EXPECT_EQ(Command({log_.path(), "--json"}), 1);
  ParseReport();  // also proves it is valid UTF-8: simdjson checks
  EXPECT_EQ(Str(doc_["log_dir"]), log_.path());
  EXPECT_EQ(Int(doc_["exit_code"]), 1);
  EXPECT_TRUE(Bool(doc_["damage"]));
  EXPECT_EQ(Str(doc_["summary"]).rfind("4 log files (8 frames, ", 0), 0u);

  simdjson::dom::array f = doc_["findings"].get_array();
  ASSERT_GE(f.size(), 4u) << out_;
  EXPECT_EQ(Str(f.at(0)["kind"]), "non_utf8_name");
  EXPECT_EQ(Str(f.at(0)["file"]), "bad\xEF\xBF\xBD.jsonl");
  EXPECT_EQ(Str(f.at(0)["file_hex"]), "626164ff2e6a736f6e6c");
  EXPECT_FALSE(Bool(f.at(0)["damage"]));
  EXPECT_TRUE(f.at(0)["byte_offset"].is_null());

  simdjson::dom::element corrupt = f.at(1);
  EXPECT_EQ(Str(corrupt["kind"]), "corrupt_frame");
  EXPECT_TRUE(Bool(corrupt["damage"]));
  EXPECT_EQ(Str(corrupt["file"]), "a.jsonl");
  EXPECT_EQ(Int(corrupt["byte_offset"]), 22);
  EXPECT_EQ(Int(corrupt["byte_length"]), 9);
  EXPECT_EQ(Str(corrupt["crc32c"]), "44805890");
  EXPECT_EQ(Str(corrupt["source"]), "jsonl");
  EXPECT_EQ(Str(corrupt["error"]), "json");

  simdjson::dom::element torn = f.at(2);
  EXPECT_EQ(Str(torn["kind"]), "torn_tail");
  EXPECT_FALSE(Bool(torn["damage"]));
  EXPECT_EQ(Int(torn["byte_offset"]), 31);
  EXPECT_EQ(Int(torn["byte_length"]), 9);

  simdjson::dom::element pi = f.at(3);
  EXPECT_EQ(Str(pi["kind"]), "corrupt_frame");
  EXPECT_EQ(Str(pi["error"]), "payload_bytes");
  EXPECT_EQ(Str(pi["source"]), "pi");

  // The tiny store has no offsets.jsonl: drift; its second frame repeats
  // frameSeq 1: pi's rebuild would truncate there.
  bool saw_drift = false, saw_stop = false;
  for (simdjson::dom::element e : f) {
    const std::string kind = Str(e["kind"]);
    if (kind == "pi_drift") {
      saw_drift = true;
      EXPECT_EQ(Str(e["file"]), "s1.v2/index/offsets.jsonl");
      EXPECT_EQ(Str(e["store"]), "s1.v2");
      EXPECT_EQ(Str(e["drift"]), "missing");
      EXPECT_EQ(Int(e["derived_rows"]), 1);
    } else if (kind == "pi_stop") {
      saw_stop = true;
      EXPECT_EQ(Str(e["file"]), "s1.v2/segments/0000000000000001.seg");
      EXPECT_EQ(Int(e["byte_offset"]), 276);
      EXPECT_EQ(Str(e["action"]), "truncate");
      EXPECT_TRUE(Bool(e["damage"]));
    }
  }
  EXPECT_TRUE(saw_drift);
  EXPECT_TRUE(saw_stop);

  simdjson::dom::array stores = doc_["pi_stores"].get_array();
  ASSERT_EQ(stores.size(), 1u);
  simdjson::dom::element s = stores.at(0);
  EXPECT_EQ(Str(s["path"]), "s1.v2");
  EXPECT_EQ(Str(s["backing"]), "missing");
  EXPECT_TRUE(s["backing_error"].is_null());
  EXPECT_EQ(Int(s["derived_rows"]), 1);
  EXPECT_EQ(Str(s["drift"]["kind"]), "missing");
  EXPECT_TRUE(Bool(s["drift"]["differs"]));
  EXPECT_EQ(Int(s["drift"]["derived_rows"]), 1);
  EXPECT_EQ(Str(s["stop"]["segment"]), "0000000000000001.seg");
  EXPECT_EQ(Int(s["stop"]["byte_offset"]), 276);
  EXPECT_TRUE(Bool(s["damage"]));

  simdjson::dom::element c = doc_["counts"];
  EXPECT_EQ(Int(c["log_files"]), 4);
  EXPECT_EQ(Int(c["frames"]), 8);
  EXPECT_EQ(Int(c["bytes"]), int64_t(logdex::testing::kTinyLogBytes));
  EXPECT_EQ(Int(c["corrupt_frames"]), 2);
  EXPECT_EQ(Int(c["corrupt_frames_by_error"]["json"]), 1);
  EXPECT_EQ(Int(c["corrupt_frames_by_error"]["payload_bytes"]), 1);
  EXPECT_EQ(Int(c["corrupt_frames_by_error"]["schema"]), 0);
  EXPECT_EQ(Int(c["torn_tails"]), 1);
  EXPECT_EQ(Int(c["torn_tail_bytes"]), 9);
  EXPECT_EQ(Int(c["non_utf8_names"]), 1);
  EXPECT_EQ(Int(c["unreadable_files"]), 0);
  EXPECT_EQ(Int(c["pi_stores"]), 1);
  EXPECT_EQ(Int(c["pi_stores_drifted"]), 1);
  EXPECT_EQ(Int(c["pi_stops"]), 1);
  EXPECT_EQ(Int(c["pi_stops_damage"]), 1);
  EXPECT_EQ(Int(c["findings"]), int64_t(f.size()));
  EXPECT_EQ(Int(c["damage_findings"]), int64_t(f.size()) - 2);
}

TEST_F(VerifyTest, JsonReportOfACleanDirHasEmptyArraysAndExitZero) {
  log_.Write("a.jsonl", "{}\n");
  EXPECT_EQ(Command({log_.path(), "--json"}), 0);
  ParseReport();
  EXPECT_EQ(doc_["findings"].get_array().size(), 0u);
  EXPECT_EQ(doc_["pi_stores"].get_array().size(), 0u);
  EXPECT_EQ(Int(doc_["exit_code"]), 0);
  EXPECT_FALSE(Bool(doc_["damage"]));
}

}  // namespace
}  // namespace logdex::recovery
