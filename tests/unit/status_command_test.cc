// `logdex status`'s summary (fs/status_command.h) of a status.json read with
// simdjson (fs/logdex_mount.h): the verdict and exit code for healthy,
// damaged and degraded mounts, "?" for fields a daemon does not write, and a
// clear error for a file that is not JSON.
#include "fs/status_command.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_replace.h"
#include "fs/logdex_mount.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "temp_dir.h"

namespace logdex::fs {
namespace {

using ::testing::HasSubstr;

// The fields the summary reads, as fs/status_files.cc writes them; the
// tests change one thing at a time with Replace.
constexpr char kHealthy[] = R"({
  "health": "ok",
  "warnings": [],
  "log_dir": "/logs",
  "mountpoint": "/mnt",
  "pid": 4242,
  "mounted_at": "2026-12-01T10:00:00+00:00",
  "cache_dir": "/cache",
  "cache": {"dir": "/cache", "verify": "full", "start": "reused", "detail": "3 rows checked",
            "last_save": 1764583200, "saves": 2, "save_errors": 0, "last_save_error": null},
  "index_state": "ready",
  "index": {"state": "ready", "size_bytes": 900, "rows": 3, "version": 2, "regenerations": 1,
            "changed_at": "2026-12-01T10:05:00+00:00"},
  "log_files": 2,
  "frames": 3,
  "rows": {
    "pi": {"active": 0, "corrupt": 0},
    "codex": {"active": 0, "corrupt": 0},
    "claude": {"active": 1, "corrupt": 0},
    "jsonl": {"active": 2, "corrupt": 0}
  },
  "corrupt_by_error": {"json": 0, "oversized": 0},
  "torn_tails": 1,
  "torn_tail_bytes": 7,
  "skipped": {"total": 0, "non_utf8_names": 0, "unreadable": 0, "source_filtered": 0, "lz4_damaged": 0},
  "pi": {"stores": 1, "pending": 0, "drifted": 0, "drift_by_kind": {"missing": 0, "stale": 0},
         "stopped": 0, "damaged": 0, "listed": []},
  "sessions": {"files": 12, "ids_without_file": 0, "frames": 40, "memory_bytes": 5000}
}
)";

class StatusSummaryTest : public ::testing::Test {
 protected:
  // Verb: writes `json` as MNT/.logdex/status.json and summarizes it; the
  // exit code lands in code_.
  std::string Summary(const std::string& json) {
    dir_.Write(".logdex/status.json", json);
    absl::StatusOr<MountStatus> status = MountStatus::Read(dir_.path());
    EXPECT_TRUE(status.ok()) << status.status();
    if (!status.ok()) return "";
    return StatusSummary("/mnt", *status, &code_);
  }
  static std::string Replace(const std::string& from, const std::string& to) {
    std::string json = kHealthy;
    EXPECT_NE(json.find(from), std::string::npos) << from;
    return absl::StrReplaceAll(json, {{from, to}});
  }

  testing::TempDir dir_;
  int code_ = -1;
};

TEST_F(StatusSummaryTest, HealthyMountSaysHealthyAndExitsZero) {
  const std::string text = Summary(kHealthy);
  EXPECT_EQ(code_, kStatusHealthy);
  EXPECT_THAT(text, HasSubstr("/mnt: ok\n"));
  EXPECT_THAT(text, HasSubstr("pid 4242, mounted 2026-12-01T10:00:00+00:00, log dir /logs"));
  EXPECT_THAT(text, HasSubstr("ready: 2 files, 3 frames, 900 bytes; version 2, 1 regenerations"));
  EXPECT_THAT(text, HasSubstr("claude 1 active, 0 corrupt; jsonl 2 active, 0 corrupt"));
  EXPECT_THAT(text, HasSubstr("torn tails  1 (7 bytes"));
  EXPECT_THAT(text, HasSubstr("reused (3 rows checked); last save 2025-12-01T10:00:00+00:00, 2 saves"));
  EXPECT_THAT(text, HasSubstr("pi stores   1: 0 drifted, 0 stopped, 0 damaged"));
  EXPECT_THAT(text, HasSubstr("verdict     healthy\n"));
}

TEST_F(StatusSummaryTest, CorruptRowsAreDamageNamedByError) {
  std::string json = Replace(R"("jsonl": {"active": 2, "corrupt": 0})", R"("jsonl": {"active": 2, "corrupt": 2})");
  json = absl::StrReplaceAll(json, {{R"("json": 0)", R"("json": 2)"}});
  const std::string text = Summary(json);
  EXPECT_EQ(code_, kStatusDamageOrWarnings);
  EXPECT_THAT(text, HasSubstr("corrupt     2 (json 2)"));
  EXPECT_THAT(text, HasSubstr("verdict     2 corrupt rows\n"));
}

TEST_F(StatusSummaryTest, UnreadableFilesAreDamage) {
  const std::string text = Summary(Replace(R"("unreadable": 0)", R"("unreadable": 1)"));
  EXPECT_EQ(code_, kStatusDamageOrWarnings);
  EXPECT_THAT(text, HasSubstr("verdict     1 unreadable file\n"));
}

TEST_F(StatusSummaryTest, PiStoresNotLookedAtYetAreNamedNotHidden) {
  const std::string text = Summary(Replace(R"("stores": 1, "pending": 0)", R"("stores": 0, "pending": 2)"));
  EXPECT_THAT(text, HasSubstr("pi stores   0 (+2 not looked at yet): 0 drifted"));
  EXPECT_EQ(code_, kStatusHealthy);
}

TEST_F(StatusSummaryTest, DamagedLz4FilesAreDamage) {
  const std::string text = Summary(Replace(R"("lz4_damaged": 0)", R"("lz4_damaged": 2)"));
  EXPECT_EQ(code_, kStatusDamageOrWarnings);
  EXPECT_THAT(text, HasSubstr("damaged .lz4 2)"));
  EXPECT_THAT(text, HasSubstr("verdict     2 damaged .lz4 files\n"));
}

TEST_F(StatusSummaryTest, PiDriftAndDamagingStopsAreDamageButAHarmlessStopIsNot) {
  std::string text = Summary(Replace(R"("drifted": 0, "drift_by_kind": {"missing": 0, "stale": 0})",
                                     R"("drifted": 1, "drift_by_kind": {"missing": 0, "stale": 1})"));
  EXPECT_EQ(code_, kStatusDamageOrWarnings);
  EXPECT_THAT(text, HasSubstr("1 drifted (stale 1)"));
  EXPECT_THAT(text, HasSubstr("verdict     1 pi store drifted\n"));
  text = Summary(Replace(R"("stopped": 0, "damaged": 0)", R"("stopped": 1, "damaged": 1)"));
  EXPECT_EQ(code_, kStatusDamageOrWarnings);
  EXPECT_THAT(text, HasSubstr("1 pi store stopped by damage"));
  text = Summary(Replace(R"("stopped": 0, "damaged": 0)", R"("stopped": 1, "damaged": 0)"));
  EXPECT_EQ(code_, kStatusHealthy) << text;
}

TEST_F(StatusSummaryTest, WarningsAreListedAndExitOne) {
  std::string json = Replace(R"("warnings": [])",
                             R"("warnings": [{"kind": "cache_save", "message": "disk full", "count": 3,
                                 "since": "2026-12-01T10:01:00+00:00"}])");
  json = absl::StrReplaceAll(json, {{R"("health": "ok")", R"("health": "degraded")"}});
  const std::string text = Summary(json);
  EXPECT_EQ(code_, kStatusDamageOrWarnings);
  EXPECT_THAT(text, HasSubstr("/mnt: degraded\n"));
  EXPECT_THAT(text, HasSubstr("warning     cache_save: disk full (3 times since 2026-12-01T10:01:00+00:00)"));
  EXPECT_THAT(text, HasSubstr("verdict     1 warning\n"));
}

TEST_F(StatusSummaryTest, AnIndexNotBuiltYetIsSaidSo) {
  const std::string text = Summary(Replace(R"("index": {"state": "ready")", R"("index": {"state": "not_built")"));
  EXPECT_THAT(text, HasSubstr("not built yet"));
}

TEST_F(StatusSummaryTest, MissingFieldsShowAsQuestionMarksNeverGuessed) {
  const std::string text = Summary(R"({"health": "ok"})");
  EXPECT_EQ(code_, kStatusHealthy);
  EXPECT_THAT(text, HasSubstr("pid ?, mounted ?, log dir ?"));
  EXPECT_THAT(text, HasSubstr("torn tails  ? (? bytes"));
}

TEST_F(StatusSummaryTest, PathsWithControlBytesStayOnTheirLine) {
  const std::string text = Summary(Replace(R"("log_dir": "/logs")", R"("log_dir": "/lo\ngs\u001b")"));
  EXPECT_THAT(text, HasSubstr("log dir /lo\\ngs\\x1b\n"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 11) << text;
}

TEST_F(StatusSummaryTest, TheSessionCountIsShownWithIdsThatGotNoFile) {
  EXPECT_THAT(Summary(kHealthy), HasSubstr("  sessions    12\n"));
  EXPECT_THAT(Summary(Replace(R"("ids_without_file": 0)", R"("ids_without_file": 3)")),
              HasSubstr("  sessions    12 (3 ids without a file)\n"));
  EXPECT_THAT(Summary(Replace(R"("sessions": {"files")", R"("sessions": null, "x": {"files")")),
              HasSubstr("  sessions    - (index not open yet)\n"));
}

TEST_F(StatusSummaryTest, AFileThatIsNotAJsonObjectIsAnError) {
  for (const std::string bad : {"", "{", "[1, 2]", "{\"health\": }", "\xff\xfe"}) {
    dir_.Write(".logdex/status.json", bad);
    absl::StatusOr<MountStatus> status = MountStatus::Read(dir_.path());
    EXPECT_FALSE(status.ok()) << bad;
    EXPECT_THAT(std::string(status.status().message()), HasSubstr("status.json")) << bad;
  }
}

TEST_F(StatusSummaryTest, AMissingFileIsAnError) {
  absl::StatusOr<MountStatus> status = MountStatus::Read(dir_.path());
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.status().message()), HasSubstr("cannot open"));
}

}  // namespace
}  // namespace logdex::fs
