// Conditions of now as log events of their changes (fs/problem_watch.h): a
// warning logs when it starts and when it clears, a pi store's stop once, a
// damaged .lz4 once per distinct damage.
#include "fs/problem_watch.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "fs/daemon_log.h"
#include "fs/mount_options.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "temp_dir.h"

namespace logdex::fs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ProblemWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MountConfig config;
    config.log_file = dir_.Path("daemon.log");
    auto log = DaemonLog::ForMount(config);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    watch_ = std::make_unique<ProblemWatch>(log_.get());
  }
  // The messages logged since the last call, without time, pid and level.
  std::vector<std::string> NewMessages() {
    std::vector<std::string> all =
        absl::StrSplit(logdex::testing::ReadFile(dir_.Path("daemon.log")), '\n', absl::SkipEmpty());
    std::vector<std::string> out;
    for (size_t i = seen_; i < all.size(); ++i) out.push_back(all[i].substr(all[i].find("] ") + 2));
    seen_ = all.size();
    return out;
  }
  static Warning W(std::string kind) { return Warning{kind, kind + " is short", 1, absl::Now()}; }
  static recovery::PiViews::StoreReport Stop(std::string segment, uint64_t offset, bool damage) {
    recovery::PiViews::StoreReport r;
    r.store = "sessions/a.v2";
    r.rows = 7;
    r.stop.reason = damage ? index::PiStopReason::kBadFrame : index::PiStopReason::kTornTail;
    r.stop.action = damage ? index::PiAction::kTruncate : index::PiAction::kNone;
    r.stop.segment = std::move(segment);
    r.stop.byte_offset = offset;
    r.stop.damage = damage;
    return r;
  }

  logdex::testing::TempDir dir_;
  std::unique_ptr<DaemonLog> log_;
  std::unique_ptr<ProblemWatch> watch_;
  size_t seen_ = 0;
};

TEST_F(ProblemWatchTest, AWarningIsLoggedWhenItStartsAndWhenItClearsNotWhileItLasts) {
  watch_->Update({}, {}, {});
  EXPECT_THAT(NewMessages(), IsEmpty());
  watch_->Update({W("descriptors")}, {}, {});
  EXPECT_THAT(NewMessages(), ElementsAre("warning: warning descriptors started: descriptors is short"));
  watch_->Update({W("descriptors")}, {}, {});
  watch_->Update({W("descriptors")}, {}, {});
  EXPECT_THAT(NewMessages(), IsEmpty());
  watch_->Update({}, {}, {});
  EXPECT_THAT(NewMessages(), ElementsAre("info: warning descriptors cleared"));
  watch_->Update({W("descriptors")}, {}, {});
  EXPECT_THAT(NewMessages(), ElementsAre("warning: warning descriptors started: descriptors is short"));
}

TEST_F(ProblemWatchTest, IndexAndCacheSaveWarningsAreLeftToWhereTheyHappen) {
  watch_->Update({W("index"), W("cache_save")}, {}, {});
  watch_->Update({}, {}, {});
  EXPECT_THAT(NewMessages(), IsEmpty());
}

TEST_F(ProblemWatchTest, APiStopIsLoggedOnceAndAnotherStopAgain) {
  watch_->Update({}, {Stop("0000000000000001.seg", 120, true)}, {});
  EXPECT_THAT(NewMessages(),
              ElementsAre("warning: pi store sessions/a.v2: offsets view stops at "
                          "0000000000000001.seg byte 120 (bad_frame, pi's rebuild: truncate); "
                          "7 rows before it"));
  watch_->Update({}, {Stop("0000000000000001.seg", 120, true)}, {});
  EXPECT_THAT(NewMessages(), IsEmpty());
  watch_->Update({}, {Stop("0000000000000002.seg", 0, false)}, {});
  const std::vector<std::string> m = NewMessages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_THAT(m[0], HasSubstr("info: pi store sessions/a.v2: offsets view stops at "
                              "0000000000000002.seg byte 0 (torn_tail"));
}

TEST_F(ProblemWatchTest, ADamagedLz4IsLoggedOnceWithItsOffsetAndAgainWhenItsDamageMoves) {
  index::Lz4DamagedFile f{"old/x.jsonl", index::Lz4Damage{"truncated mid-block", 524307}, 1966080};
  watch_->Update({}, {}, {f});
  EXPECT_THAT(NewMessages(),
              ElementsAre("warning: file old/x.jsonl.lz4: damaged lz4 at byte 524307 (truncated "
                          "mid-block); old/x.jsonl shows and indexes its first 1966080 "
                          "decompressed bytes"));
  watch_->Update({}, {}, {f});
  EXPECT_THAT(NewMessages(), IsEmpty());
  f.damage.compressed_offset = 600000;  // the writer went on: a new place, a new line
  watch_->Update({}, {}, {f});
  EXPECT_THAT(NewMessages(), ElementsAre(HasSubstr("damaged lz4 at byte 600000")));
}

}  // namespace
}  // namespace logdex::fs
