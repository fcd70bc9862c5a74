#include "tests/bench/bench_data.h"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "index/sha256.h"

namespace logdex::bench {
namespace {

// Needs no JSON escaping; a few non-ASCII words as real sessions have.
constexpr const char* kWords[] = {
    "the",  "a",      "to",     "of",    "and",    "in",      "is",     "it",     "that",
    "for",  "on",     "with",   "file",  "test",   "build",   "index",  "row",    "frame",
    "mount", "cache", "error",  "value", "return", "string",  "line",   "offset", "read",
    "write", "append", "session", "agent", "tool", "call",    "result", "output", "parse",
    "check", "fix",   "update", "please", "run",   "works",   "fails",  "because", "naïve",
    "café", "résumé", "Straße", "日本語", "テスト", "中文",   "✓",      "→",      "🚀"};

}  // namespace

std::string LineMaker::Uuid() {
  uint64_t a = rng_(), b = rng_();
  return absl::StrFormat("%08x-%04x-4%03x-%04x-%012x", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                         b >> 48, b & 0xffffffffffffull);
}

std::string LineMaker::Hex8() { return absl::StrFormat("%08x", rng_() & 0xffffffffu); }

std::string LineMaker::Timestamp() {
  clock_ms_ += 200 + rng_() % 30000;
  uint64_t ms = clock_ms_ % 1000, s = clock_ms_ / 1000;
  uint64_t day = s / 86400 % 28, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
  return absl::StrFormat("2026-02-%02dT%02d:%02d:%02d.%03dZ", day + 1, h, m, sec, ms);
}

std::string LineMaker::Text(int min_words, int max_words) {
  int n = min_words + static_cast<int>(rng_() % (max_words - min_words + 1));
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i) out += ' ';
    out += kWords[rng_() % (sizeof(kWords) / sizeof(kWords[0]))];
  }
  return out;
}

std::string LineMaker::ClaudeLine(int seq, const std::string& session) {
  std::string uuid = Uuid();
  std::string parent = prev_id_.empty() ? "null" : absl::StrCat("\"", prev_id_, "\"");
  std::string message;
  const char* type;
  if (seq % 2 == 1) {
    type = "user";
    message = absl::StrCat("{\"role\":\"user\",\"content\":\"", Text(20, 80), "\"}");
  } else {
    type = "assistant";
    message = absl::StrCat(
        "{\"id\":\"msg_", Hex8(), Hex8(), Hex8(),
        "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-20250514\","
        "\"content\":[{\"type\":\"text\",\"text\":\"",
        Text(30, 120), "\"}],\"stop_reason\":null,\"usage\":{\"input_tokens\":", rng_() % 9000,
        ",\"output_tokens\":", rng_() % 2000, "}}");
  }
  prev_id_ = uuid;
  return absl::StrCat("{\"parentUuid\":", parent,
                      ",\"isSidechain\":false,\"userType\":\"external\",\"cwd\":\"/home/dev/"
                      "proj1\",\"sessionId\":\"",
                      session, "\",\"version\":\"1.0.51\",\"gitBranch\":\"main\",\"type\":\"",
                      type, "\",\"message\":", message, ",\"uuid\":\"", uuid,
                      "\",\"timestamp\":\"", Timestamp(), "\"}\n");
}

std::string LineMaker::CodexLine(int seq, const std::string& session) {
  if (seq == 1) {
    return absl::StrCat("{\"timestamp\":\"", Timestamp(),
                        "\",\"type\":\"session_meta\",\"payload\":{\"id\":\"", session,
                        "\",\"cwd\":\"/home/dev/work\",\"originator\":\"codex_cli_rs\","
                        "\"cli_version\":\"0.36.0\"}}\n");
  }
  if (seq % 3 == 0) {
    return absl::StrCat("{\"timestamp\":\"", Timestamp(),
                        "\",\"type\":\"event_msg\",\"payload\":{\"type\":\"agent_message\","
                        "\"message\":\"",
                        Text(10, 60), "\"}}\n");
  }
  return absl::StrCat("{\"timestamp\":\"", Timestamp(),
                      "\",\"type\":\"response_item\",\"payload\":{\"type\":\"message\","
                      "\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"",
                      Text(20, 100), "\"}]}}\n");
}

std::string LineMaker::PiFrame(int seq) {
  static index::Sha256 sha;  // the benchmarks run on one thread
  std::string id = Hex8();
  std::string ts = Timestamp();
  // pi's payload: keys sorted at every level (PI_FORMAT §2.3).
  std::string payload = absl::StrCat(
      "{\"id\":\"", id, "\",\"message\":{\"content\":\"", Text(20, 100), "\",\"role\":\"",
      seq % 2 ? "user" : "assistant", "\",\"timestamp\":", clock_ms_, "}",
      prev_id_.empty() ? "" : absl::StrCat(",\"parentId\":\"", prev_id_, "\""),
      ",\"timestamp\":\"", ts, "\",\"type\":\"message\"}");
  std::string line = absl::StrCat(
      "{\"schema\":\"pi.session_store_v2.segment_frame.v1\",\"segmentSeq\":1,\"frameSeq\":", seq,
      ",\"entrySeq\":", seq, ",\"entryId\":\"", id, "\"",
      prev_id_.empty() ? "" : absl::StrCat(",\"parentEntryId\":\"", prev_id_, "\""),
      ",\"entryType\":\"message\",\"timestamp\":\"", ts, "\",\"payloadSha256\":\"",
      sha.HexDigest(payload), "\",\"payloadBytes\":", payload.size(), ",\"payload\":", payload,
      "}\n");
  prev_id_ = id;
  return line;
}

std::string LineMaker::JsonlLine(int seq) {
  std::string id = Hex8();
  std::string line = absl::StrCat(
      "{\"type\":\"request\",\"id\":\"", id, "\"",
      prev_id_.empty() ? "" : absl::StrCat(",\"parentId\":\"", prev_id_, "\""),
      ",\"timestamp\":\"", Timestamp(), "\",\"level\":\"info\",\"msg\":\"", Text(8, 40),
      "\",\"latency_ms\":", rng_() % 900000 / 1000.0, "}\n");
  prev_id_ = id;
  return line;
}

std::string LineMaker::TinyClaudeLine(int seq, const std::string& session) {
  return absl::StrCat("{\"type\":\"", seq % 2 ? "user" : "assistant", "\",\"uuid\":\"", Uuid(),
                      "\",\"sessionId\":\"", session, "\",\"timestamp\":\"", Timestamp(),
                      "\",\"n\":", seq, "}\n");
}

std::string MakeFile(Kind kind, int lines, uint64_t seed) {
  LineMaker m(seed);
  std::string session = m.Uuid();
  std::string out;
  for (int seq = 1; seq <= lines; ++seq) {
    switch (kind) {
      case Kind::kPi: out += m.PiFrame(seq); break;
      case Kind::kClaude: out += m.ClaudeLine(seq, session); break;
      case Kind::kCodex: out += m.CodexLine(seq, session); break;
      case Kind::kJsonl: out += m.JsonlLine(seq); break;
    }
  }
  return out;
}

std::string PathFor(Kind kind) {
  switch (kind) {
    case Kind::kPi: return "pi/sessions/s0001.v2/segments/0000000000000001.seg";
    case Kind::kClaude: return "claude/projects/-home-dev-proj1/session.jsonl";
    case Kind::kCodex: return "codex/sessions/2026/02/01/rollout.jsonl";
    case Kind::kJsonl: return "misc/app-0001.ndjson";
  }
  return "x.jsonl";
}

TempDir::TempDir() {
  const char* tmp = getenv("TMPDIR");
  std::string templ = absl::StrCat(tmp && *tmp ? tmp : "/tmp", "/logdex-bench-XXXXXX");
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + templ);
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void WriteFile(const std::string& dir, const std::string& rel, const std::string& data) {
  std::filesystem::path p = std::filesystem::path(dir) / rel;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

}  // namespace logdex::bench
