// The live pi views (recovery/pi_views.h): after every update of the live
// index, each store's view equals a full derivation of its segments, grows
// in place while the store only grows, and becomes a new version otherwise;
// the backing copy's drift follows both.
#include "recovery/pi_views.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "index/live_index.h"
#include "index/pi_offsets.h"
#include "pi_fixtures.h"
#include "temp_dir.h"

namespace logdex::recovery {
namespace {

using testing::pi::SegName;

// A frame line, its '\n' included, with entryId `id` and an empty payload.
std::string Frame(uint64_t seg, uint64_t frame, uint64_t entry, const std::string& id) {
  return testing::pi::Frame(seg, frame, entry, "\"" + id + "\"", "{}") + "\n";
}

class PiViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_.Write("s.v2/segments/" + SegName(1), Frame(1, 1, 1, "a1") + Frame(1, 2, 2, "a2"));
    log_.Write("other.jsonl", "{\"type\":\"x\"}\n");
  }

  // Verbs.
  void Start() {
    views_ = std::make_unique<PiViews>(log_.path());
    live_ = std::make_unique<index::LiveIndex>(log_.path(), index::ScanOptions());
    live_->SetChangeListener(views_.get());
    ASSERT_TRUE(live_->StartWatching().ok());
    ASSERT_TRUE(live_->Build().ok());
  }
  void Append(const std::string& rel, const std::string& text) {
    const int fd = open(log_.Path(rel).c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
  }
  std::string View(const std::string& store = "s.v2") const {
    std::shared_ptr<const PiOffsetsVersion> v = views_->Current(store);
    if (v == nullptr) return "(no view)";
    std::string out;
    EXPECT_TRUE(v->Read(0, v->Size(), &out).ok());
    return out;
  }
  // What a full derivation of the store gives now.
  std::string Derived(const std::string& store = "s.v2") const {
    const int fd = open(log_.Path(store).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    absl::StatusOr<index::PiDerivedIndex> d = index::DerivePiOffsets(fd);
    close(fd);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? d->bytes : "";
  }
  PiDrift DriftOf(const std::string& store = "s.v2") const {
    std::optional<PiDrift> d = views_->Drift(store);
    EXPECT_TRUE(d.has_value());
    return d.value_or(PiDrift());
  }

  logdex::testing::TempDir log_;
  std::unique_ptr<PiViews> views_;
  std::unique_ptr<index::LiveIndex> live_;
};

TEST_F(PiViewsTest, ABuildGivesEveryStoreTheRowsPiWouldWrite) {
  Start();
  EXPECT_TRUE(views_->IsStore("s.v2"));
  EXPECT_FALSE(views_->IsStore("other.jsonl"));
  EXPECT_EQ(View(), Derived());
  EXPECT_EQ(views_->Current("s.v2")->RowCount(), 2u);
}

TEST_F(PiViewsTest, OpeningTheIndexReadsNoStoreUntilAViewIsReadOrCaughtUp) {
  log_.Write("t.v2/segments/" + SegName(1), Frame(1, 1, 1, "t1"));
  Start();
  EXPECT_EQ(views_->Pending(), 2u);  // found by the build's walk, not read yet
  EXPECT_TRUE(views_->Report().empty());
  EXPECT_EQ(View(), Derived());  // reading a view looks at its store
  EXPECT_EQ(views_->Pending(), 1u);
  views_->CatchUp();
  EXPECT_EQ(views_->Pending(), 0u);
  EXPECT_EQ(views_->Report().size(), 2u);
}

TEST_F(PiViewsTest, FramesAppendedToTheLastSegmentGrowTheSameVersion) {
  Start();
  const auto v = views_->Current("s.v2");
  Append("s.v2/segments/" + SegName(1), Frame(1, 3, 3, "a3"));
  live_->Refresh();
  EXPECT_EQ(views_->Current("s.v2"), v);
  EXPECT_EQ(View(), Derived());
  EXPECT_EQ(v->RowCount(), 3u);
}

TEST_F(PiViewsTest, ANewSegmentAfterTheLastGrowsTheSameVersion) {
  Start();
  const auto v = views_->Current("s.v2");
  log_.Write("s.v2/segments/" + SegName(2), Frame(2, 1, 3, "b1"));
  live_->Refresh();
  EXPECT_EQ(views_->Current("s.v2"), v);
  EXPECT_EQ(View(), Derived());
}

TEST_F(PiViewsTest, ATornTailBecomesARowWhenItsNewlineArrives) {
  Start();
  const std::string frame = Frame(1, 3, 3, "a3");
  Append("s.v2/segments/" + SegName(1), frame.substr(0, 40));
  live_->Refresh();
  EXPECT_EQ(views_->Current("s.v2")->RowCount(), 2u);
  Append("s.v2/segments/" + SegName(1), frame.substr(40));
  live_->Refresh();
  EXPECT_EQ(views_->Current("s.v2")->RowCount(), 3u);
  EXPECT_EQ(View(), Derived());
}

TEST_F(PiViewsTest, ATruncatedSegmentMakesANewVersionAndTheOldOneKeepsItsBytes) {
  Start();
  const auto old = views_->Current("s.v2");
  const std::string old_bytes = View();
  ASSERT_EQ(truncate(log_.Path("s.v2/segments/" + SegName(1)).c_str(),
                     static_cast<off_t>(Frame(1, 1, 1, "a1").size())),
            0);
  live_->Refresh();
  const auto now = views_->Current("s.v2");
  EXPECT_NE(now, old);
  EXPECT_TRUE(old->superseded());
  EXPECT_GT(now->generation(), old->generation());
  std::string read_old;
  ASSERT_TRUE(old->Read(0, old->Size(), &read_old).ok());
  EXPECT_EQ(read_old, old_bytes);
  EXPECT_EQ(View(), Derived());
  EXPECT_EQ(now->RowCount(), 1u);
}

TEST_F(PiViewsTest, AStoreMadeWhileWatchedIsFoundAndOneRemovedIsForgotten) {
  Start();
  log_.Write("new.v2/segments/" + SegName(1), Frame(1, 1, 1, "n1"));
  live_->Refresh();
  EXPECT_TRUE(views_->IsStore("new.v2"));
  EXPECT_EQ(View("new.v2"), Derived("new.v2"));
  ASSERT_EQ(rename(log_.Path("new.v2").c_str(), log_.Path("moved.v2").c_str()), 0);
  live_->Refresh();
  EXPECT_FALSE(views_->IsStore("new.v2"));
  EXPECT_TRUE(views_->IsStore("moved.v2"));
  EXPECT_EQ(View("moved.v2"), Derived("moved.v2"));
}

TEST_F(PiViewsTest, TheBackingCopysDriftFollowsItAndTheView) {
  Start();
  EXPECT_TRUE(DriftOf().missing);
  log_.Write("s.v2/index/offsets.jsonl", View());
  live_->Refresh();
  EXPECT_FALSE(DriftOf().differs());
  Append("s.v2/segments/" + SegName(1), Frame(1, 3, 3, "a3"));
  live_->Refresh();
  EXPECT_EQ(DriftOf().kind(), "stale");
  log_.Write("s.v2/index/offsets.jsonl", View() + View().substr(0, View().find('\n') + 1));
  live_->Refresh();
  EXPECT_GT(DriftOf().ghost_rows, 0u);
}

TEST_F(PiViewsTest, ANonPiFileChangingLeavesTheViewsAlone) {
  Start();
  const auto v = views_->Current("s.v2");
  Append("other.jsonl", "{\"type\":\"y\"}\n");
  live_->Refresh();
  EXPECT_EQ(views_->Current("s.v2"), v);
  EXPECT_EQ(v->RowCount(), 2u);
}

}  // namespace
}  // namespace logdex::recovery
