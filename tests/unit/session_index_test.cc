// Session views (SPEC §10) over a live index: each session's frames, byte
// for byte, in the order their rows stand in index.ndjson; growing at the
// end as frames arrive; a new version only when a session's own frames
// change otherwise, the old one read on as far as its frames are still in
// the log files, and failing where they are not.
#include "index/session_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <string>

#include "gtest/gtest.h"
#include "index/live_index.h"
#include "index/session_name.h"
#include "index_text.h"
#include "simdjson.h"
#include "temp_dir.h"

namespace logdex::index {
namespace {

using ::logdex::testing::Rows;

std::string Frame(const std::string& session, const std::string& text) {
  return "{\"type\":\"user\",\"uuid\":\"" + text + "\",\"sessionId\":\"" + session + "\"}\n";
}

class SessionIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_.Write("p/s1.jsonl", Frame("s1", "a") + Frame("s1", "b"));
    log_.Write("p/s1/subagents/agent-x.jsonl", Frame("s1", "sub1") + Frame("s1", "sub2"));
    log_.Write("p/s2.jsonl", Frame("s2", "c") + "not json\n" + Frame("s2", "d") +
                                 "{\"type\":\"summary\",\"uuid\":\"n\"}\n" + Frame("s2", "torn"));
    // Drop the torn tail's newline: not a frame yet.
    std::string s2 = ::logdex::testing::ReadFile(log_.Path("p/s2.jsonl"));
    s2.pop_back();
    log_.Write("p/s2.jsonl", s2);
    log_.Write("q/resumed.jsonl", Frame("s1", "e") + Frame("a/b%c", "f") + Frame(".dot", "g"));
  }
  void Start() {
    live_ = std::make_unique<LiveIndex>(log_.path(), ScanOptions());
    ASSERT_TRUE(live_->StartWatching().ok());
    ASSERT_TRUE(live_->Build().ok());
    sessions_ = std::make_unique<SessionIndex>(log_.path());
    Update();
  }
  void Update() {
    live_->Refresh();
    sessions_->Update(live_->Current());
  }
  void Append(const std::string& rel, const std::string& text) {
    const int fd = open(log_.Path(rel).c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
  }
  static std::string Bytes(const std::shared_ptr<const SessionVersion>& v) {
    std::string out;
    EXPECT_TRUE(v->Read(0, v->Size() + 100, &out).ok());
    return out;
  }
  // What each session file must hold, from the index's own rows: the bytes
  // each active row with a sessionId points at, in index order.
  std::map<std::string, std::string> Expected() const {
    std::string text;
    live_->Read(0, live_->Size(), &text);
    std::map<std::string, std::string> out;
    simdjson::dom::parser parser;
    for (const std::string& row : Rows(text)) {
      simdjson::dom::element e = parser.parse(row);
      std::string_view state = e["state"];
      if (state != "active" || e["sessionId"].error()) continue;
      std::string_view id = e["sessionId"];
      std::string_view file = e["file"];
      const std::string bytes = ::logdex::testing::ReadFile(log_.Path(file));
      out[*SessionFileName(id)] += bytes.substr(uint64_t(e["byteOffset"]), uint64_t(e["byteLength"]));
    }
    return out;
  }
  void ExpectMatchesTheIndex() const {
    const std::map<std::string, std::string> want = Expected();
    std::vector<std::string> names;
    for (const auto& [name, bytes] : want) {
      names.push_back(name);
      std::shared_ptr<const SessionVersion> v = sessions_->Find(name);
      ASSERT_NE(v, nullptr) << name;
      EXPECT_EQ(v->Size(), bytes.size()) << name;
      EXPECT_EQ(Bytes(v), bytes) << name;
    }
    EXPECT_EQ(sessions_->Names(), names);
  }

  ::logdex::testing::TempDir log_;
  std::unique_ptr<LiveIndex> live_;
  std::unique_ptr<SessionIndex> sessions_;
};

TEST_F(SessionIndexTest, EachSessionFileIsItsFramesInIndexOrderAcrossFiles) {
  Start();
  ExpectMatchesTheIndex();
  EXPECT_EQ(Bytes(sessions_->Find("s1.ndjson")),
            Frame("s1", "a") + Frame("s1", "b") + Frame("s1", "sub1") + Frame("s1", "sub2") +
                Frame("s1", "e"));
  // Corrupt frames, rows without a sessionId and the torn tail are left out.
  EXPECT_EQ(Bytes(sessions_->Find("s2.ndjson")), Frame("s2", "c") + Frame("s2", "d"));
  EXPECT_NE(sessions_->Find("a%2Fb%25c.ndjson"), nullptr);
  EXPECT_NE(sessions_->Find("%2Edot.ndjson"), nullptr);
  const SessionIndex::Report r = sessions_->GetReport();
  EXPECT_EQ(r.files, 4u);
  EXPECT_EQ(r.ids_without_file, 0u);
  EXPECT_EQ(r.frames, 9u);
}

TEST_F(SessionIndexTest, IdsThatCannotBeNamedAreCountedNotShown) {
  log_.Write("x.jsonl", "{\"sessionId\":\"bad\\ud800\",\"uuid\":\"1\"}\n" +
                            Frame(std::string(249, 'L'), "2") + Frame(std::string(248, 'M'), "3"));
  Start();
  const SessionIndex::Report r = sessions_->GetReport();
  EXPECT_EQ(r.ids_without_file, 2u);
  EXPECT_EQ(r.files, 5u);
  EXPECT_NE(sessions_->Find(std::string(248, 'M') + ".ndjson"), nullptr);
}

TEST_F(SessionIndexTest, AnEmptyIdIsASessionTooAndGrowsLikeAnyOther) {
  log_.Write("e.jsonl", Frame("", "1"));
  Start();
  ASSERT_NE(sessions_->Find(".ndjson"), nullptr);
  Append("e.jsonl", Frame("", "2"));
  Append("e2.jsonl", Frame("", "3"));
  Update();
  ExpectMatchesTheIndex();
  EXPECT_EQ(sessions_->Find(".ndjson")->FrameCount(), 3u);
}

TEST_F(SessionIndexTest, AppendedFramesGrowTheSameVersionAtItsEnd) {
  Start();
  std::shared_ptr<const SessionVersion> before = sessions_->Find("s2.ndjson");
  const std::string old_bytes = Bytes(before);
  Append("p/s2.jsonl", "\n");  // the torn tail becomes a frame
  Append("p/s1/subagents/agent-x.jsonl", Frame("s2", "from-elsewhere"));
  Append("p/new.jsonl", Frame("s3", "new"));
  Update();
  std::shared_ptr<const SessionVersion> after = sessions_->Find("s2.ndjson");
  EXPECT_EQ(after, before);
  EXPECT_FALSE(before->superseded());
  // The two new frames follow, in the order the index added them.
  const std::string now = Bytes(after);
  EXPECT_EQ(now.substr(0, old_bytes.size()), old_bytes);
  EXPECT_EQ(now.size(), old_bytes.size() + Frame("s2", "torn").size() +
                            Frame("s2", "from-elsewhere").size());
  EXPECT_NE(sessions_->Find("s3.ndjson"), nullptr);
  ExpectMatchesTheIndex();
}

TEST_F(SessionIndexTest, ManySmallAppendsAcrossFilesKeepEverySessionEqualToTheIndex) {
  Start();
  const std::string files[] = {"p/s1.jsonl", "p/s2.jsonl", "q/resumed.jsonl", "p/new.jsonl"};
  const std::string ids[] = {"s1", "s2", "s3"};
  unsigned seed = 7;
  auto next = [&seed](unsigned n) {
    seed = seed * 1103515245 + 12345;
    return (seed >> 16) % n;
  };
  Append("p/s2.jsonl", "\n");
  for (int round = 0; round < 60; ++round) {
    const unsigned appends = 1 + next(4);
    for (unsigned i = 0; i < appends; ++i) {
      Append(files[next(4)], Frame(ids[next(3)], "r" + std::to_string(round) + "-" + std::to_string(i)));
    }
    // Sometimes the index takes several refreshes before the views look.
    live_->Refresh();
    if (next(3) != 0) {
      sessions_->Update(live_->Current());
      ExpectMatchesTheIndex();
    }
  }
  Update();
  ExpectMatchesTheIndex();
}

// The old version of a rewritten session reads on where its frames are
// still in the log files; a read that needs a frame that is gone fails
// (DataLoss; ESTALE at the mount) instead of coming back short, which a
// reader through the page cache would take for the end of the file, or see
// as NUL bytes.
TEST_F(SessionIndexTest, ARewriteOfASessionsFramesMakesANewVersionAndTheOldFailsWhereItsFramesAreGone) {
  Start();
  std::shared_ptr<const SessionVersion> old = sessions_->Find("s1.ndjson");
  const uint64_t old_size = old->Size();
  const std::string old_bytes = Bytes(old);
  // s1's first file loses its second frame: the index is regenerated.
  log_.Write("p/s1.jsonl", Frame("s1", "a"));
  Update();
  std::shared_ptr<const SessionVersion> now = sessions_->Find("s1.ndjson");
  ASSERT_NE(now, old);
  EXPECT_GT(now->generation(), old->generation());
  EXPECT_TRUE(old->superseded());
  ExpectMatchesTheIndex();
  // The old version still says its final size. Its first frame is still
  // there; its second is not, whether a read begins at it or inside it.
  EXPECT_EQ(old->Size(), old_size);
  const uint64_t a = Frame("s1", "a").size();
  std::string got;
  ASSERT_TRUE(old->Read(0, a, &got).ok());
  EXPECT_EQ(got, Frame("s1", "a"));
  got.clear();
  EXPECT_TRUE(absl::IsDataLoss(old->Read(0, old_size, &got)));
  got.clear();
  EXPECT_TRUE(absl::IsDataLoss(old->Read(a + 3, 10, &got)));
  // The frames after it, in the subagent file, are still there.
  const uint64_t sub = a + Frame("s1", "b").size();
  got.clear();
  ASSERT_TRUE(old->Read(sub, old_size - sub, &got).ok());
  EXPECT_EQ(got, old_bytes.substr(sub));
}

TEST_F(SessionIndexTest, AReadOfAFrameWhoseFileWasRenamedAwayFails) {
  Start();
  std::shared_ptr<const SessionVersion> v = sessions_->Find("s2.ndjson");
  ASSERT_EQ(rename(log_.Path("p/s2.jsonl").c_str(), log_.Path("p/moved.jsonl").c_str()), 0);
  std::string got;
  EXPECT_TRUE(absl::IsDataLoss(v->Read(0, v->Size(), &got)));
  got.clear();
  EXPECT_TRUE(absl::IsDataLoss(v->Read(5, 1, &got)));
  // Past the end is the end, not an error.
  got.clear();
  EXPECT_TRUE(v->Read(v->Size(), 10, &got).ok());
  EXPECT_EQ(got, "");
}

TEST_F(SessionIndexTest, ARegenerationElsewhereLeavesAnUnchangedSessionsVersionAlone) {
  Start();
  std::shared_ptr<const SessionVersion> s2 = sessions_->Find("s2.ndjson");
  const uint64_t before = live_->Current()->generation();
  log_.Write("p/s1.jsonl", Frame("s1", "rewritten"));
  Update();
  ASSERT_GT(live_->Current()->generation(), before);
  EXPECT_EQ(sessions_->Find("s2.ndjson"), s2);
  EXPECT_FALSE(s2->superseded());
  ExpectMatchesTheIndex();
}

TEST_F(SessionIndexTest, AnOlderIndexVersionArrivingLateChangesNothing) {
  Start();
  std::shared_ptr<const IndexVersion> old_index = live_->Current();
  log_.Write("p/s1.jsonl", Frame("s1", "rewritten"));
  Update();
  std::shared_ptr<const SessionVersion> now = sessions_->Find("s1.ndjson");
  sessions_->Update(old_index);  // a caller that took it before the regeneration
  EXPECT_EQ(sessions_->Find("s1.ndjson"), now);
  EXPECT_FALSE(now->superseded());
  ExpectMatchesTheIndex();
}

TEST_F(SessionIndexTest, ASessionWhoseFramesAllGoHasNoFileAfterwards) {
  Start();
  ASSERT_EQ(unlink(log_.Path("q/resumed.jsonl").c_str()), 0);
  Update();
  EXPECT_EQ(sessions_->Find("%2Edot.ndjson"), nullptr);
  ExpectMatchesTheIndex();
}

TEST_F(SessionIndexTest, MtimeIsTheLatestMtimeOfTheFilesHoldingTheSessionsFrames) {
  auto set_mtime = [this](const std::string& rel, time_t sec) {
    struct timespec ts[2] = {{sec, 0}, {sec, 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, log_.Path(rel).c_str(), ts, 0), 0);
  };
  set_mtime("p/s1.jsonl", 1000);
  set_mtime("p/s1/subagents/agent-x.jsonl", 3000);
  set_mtime("q/resumed.jsonl", 2000);
  set_mtime("p/s2.jsonl", 1500);
  Start();
  EXPECT_EQ(sessions_->Find("s1.ndjson")->ChangedNs(), int64_t{3000} * 1000000000);
  EXPECT_EQ(sessions_->Find("s2.ndjson")->ChangedNs(), int64_t{1500} * 1000000000);
  // A new frame moves it to its file's new mtime.
  Append("p/s2.jsonl", "\n");
  set_mtime("p/s2.jsonl", 5000);
  Update();
  EXPECT_EQ(sessions_->Find("s2.ndjson")->ChangedNs(), int64_t{5000} * 1000000000);
}

TEST_F(SessionIndexTest, ALargeFrameReadInPiecesGivesItsBytes) {
  const std::string big = "{\"sessionId\":\"big\",\"uuid\":\"x\",\"pad\":\"" +
                          std::string(1 << 20, 'z') + "\"}\n";
  log_.Write("big.jsonl", Frame("big", "0") + big + Frame("big", "2"));
  Start();
  std::shared_ptr<const SessionVersion> v = sessions_->Find("big.ndjson");
  std::string pieces;
  for (uint64_t at = 0; at < v->Size(); at += 4096) ASSERT_TRUE(v->Read(at, 4096, &pieces).ok());
  EXPECT_EQ(pieces, Frame("big", "0") + big + Frame("big", "2"));
}

}  // namespace
}  // namespace logdex::index
