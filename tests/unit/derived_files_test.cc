// Derived files (fs/derived_files.h): one node per version, handles that
// read their own version to its end, lookups that always lead to the newest.
#include "fs/derived_files.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "fs/kernel_notifier.h"
#include "gtest/gtest.h"
#include "index/file_version.h"

namespace logdex::fs {
namespace {

// A version whose bytes the test appends to.
class TextVersion : public index::FileVersion {
 public:
  using FileVersion::FileVersion;
  uint64_t Size() const override {
    absl::MutexLock lock(&mu_);
    return text_.size();
  }
  absl::Status Read(uint64_t offset, uint64_t length, std::string* out) const override {
    absl::MutexLock lock(&mu_);
    if (offset < text_.size()) out->append(text_, offset, length);
    return absl::OkStatus();
  }
  int64_t ChangedNs() const override { return 1; }
  void Append(const std::string& rows) {
    absl::MutexLock lock(&mu_);
    text_ += rows;
  }
  void Supersede() { MarkSuperseded(); }

 private:
  mutable absl::Mutex mu_;
  std::string text_;
};

// A source the test drives: it opens on first use and has a current version.
class FakeSource : public DerivedSource {
 public:
  absl::StatusOr<VersionPtr> Current(bool may_open) override {
    ++calls;
    if (!open) {
      if (!may_open) return VersionPtr();
      open = true;
    }
    return VersionPtr(current);
  }
  DerivedPerms Permissions() override { return DerivedPerms{0444, 0, 0}; }
  // A regeneration: a new version with `text`.
  void Regenerate(const std::string& text) {
    auto next = std::make_shared<TextVersion>(current->generation() + 1);
    next->Append(text);
    current->Supersede();
    current = next;
  }

  bool open = false;
  int calls = 0;
  std::shared_ptr<TextVersion> current = std::make_shared<TextVersion>(1);
};

class DerivedFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_.current->Append("row1\n");
    files_.Add("", "index.ndjson", DerivedSpec{DerivedSpec::Kind::kFile, &source_, false});
  }
  NodeId Lookup() {
    auto e = files_.Lookup(kRootId, "", "index.ndjson");
    EXPECT_TRUE(e.has_value() && e->ok());
    return e.has_value() && e->ok() ? (*e)->ino : 0;
  }
  uint64_t Size(NodeId id) {
    absl::StatusOr<struct stat> st = files_.Getattr(id);
    EXPECT_TRUE(st.ok()) << st.status();
    return st.ok() ? static_cast<uint64_t>(st->st_size) : 0;
  }
  std::string ReadAll(const FileHandle& h) {
    std::string out;
    EXPECT_TRUE(h.Read(0, 1 << 20, &out).ok());
    return out;
  }

  KernelNotifier notifier_;  // never started: notices only queue
  FakeSource source_;
  DerivedFiles files_{&notifier_};
};

TEST_F(DerivedFilesTest, OnlyRegisteredNamesAreDerivedFiles) {
  EXPECT_TRUE(files_.Find("", "index.ndjson").has_value());
  EXPECT_TRUE(files_.IsCandidate("index.ndjson"));
  EXPECT_FALSE(files_.IsCandidate("other.ndjson"));
  EXPECT_FALSE(files_.Lookup(kRootId, "", "other.ndjson").has_value());
  EXPECT_FALSE(files_.Lookup(123, "sub", "index.ndjson").has_value());
}

TEST_F(DerivedFilesTest, AResolverAddsPathsThatComeAndGo) {
  FakeSource store;
  store.current->Append("s1\n");
  bool exists = true;
  files_.SetResolver(
      [&](std::string_view dir, std::string_view name) -> std::optional<DerivedSpec> {
        if (exists && dir == "s/index" && name == "offsets.jsonl") {
          return DerivedSpec{DerivedSpec::Kind::kFile, &store, true};
        }
        if (exists && dir == "s" && name == "index") {
          return DerivedSpec{DerivedSpec::Kind::kDirectory, &store, true};
        }
        return std::nullopt;
      },
      [&](std::string_view dir) {
        DerivedFiles::Listed listed;
        if (exists && dir == "s") {
          listed.emplace_back("index", DerivedSpec{DerivedSpec::Kind::kDirectory, &store, true});
        }
        return listed;
      },
      {"offsets.jsonl", "index"});
  EXPECT_TRUE(files_.IsCandidate("offsets.jsonl"));
  auto dir = files_.Lookup(50, "s", "index");
  ASSERT_TRUE(dir.has_value() && dir->ok());
  EXPECT_TRUE(S_ISDIR((*dir)->attr.st_mode));
  ASSERT_EQ(files_.Entries("s").size(), 1u);
  EXPECT_EQ(files_.Entries("s")[0].ino, static_cast<ino_t>((*dir)->ino));
  const std::optional<DerivedFiles::NodeInfo> info = files_.Info((*dir)->ino);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->path(), "s/index");
  EXPECT_EQ(info->parent, 50u);
  auto file = files_.Lookup((*dir)->ino, "s/index", "offsets.jsonl");
  ASSERT_TRUE(file.has_value() && file->ok());
  EXPECT_TRUE(files_.Info((*file)->ino)->spec.pass_writes);
  absl::StatusOr<std::unique_ptr<FileHandle>> h = files_.Open((*file)->ino);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(ReadAll(**h), "s1\n");
  exists = false;  // the store went: the names are not derived any more
  EXPECT_FALSE(files_.Lookup((*dir)->ino, "s/index", "offsets.jsonl").has_value());
  EXPECT_TRUE(files_.Entries("s").empty());
}

TEST_F(DerivedFilesTest, ALookupNeverOpensTheSourceAndGetattrDoes) {
  const NodeId id = Lookup();
  EXPECT_FALSE(source_.open);
  EXPECT_TRUE(IsDerived(id));
  EXPECT_EQ(Size(id), 5u);  // opened now; the node is bound to version 1
  EXPECT_TRUE(source_.open);
  EXPECT_EQ(Lookup(), id);
}

TEST_F(DerivedFilesTest, GrowthKeepsTheNodeAndANewVersionGetsANewOne) {
  const NodeId first = Lookup();
  Size(first);
  source_.current->Append("row2\n");
  EXPECT_EQ(Lookup(), first);
  EXPECT_EQ(Size(first), 10u);
  source_.Regenerate("new1\n");
  const NodeId second = Lookup();
  EXPECT_NE(second, first);
  EXPECT_EQ(Size(second), 5u);
  EXPECT_EQ(Size(first), 10u);  // the old node keeps its version's final size
}

TEST_F(DerivedFilesTest, AHandleReadsItsOwnVersionToTheEndAfterARegeneration) {
  const NodeId id = Lookup();
  absl::StatusOr<std::unique_ptr<FileHandle>> h = files_.Open(id);
  ASSERT_TRUE(h.ok());
  source_.current->Append("row2\n");
  EXPECT_EQ(ReadAll(**h), "row1\nrow2\n");  // a current version grows
  source_.Regenerate("new1\n");
  EXPECT_EQ(ReadAll(**h), "row1\nrow2\n");  // then EOF: never the new bytes
  absl::StatusOr<std::unique_ptr<FileHandle>> fresh = files_.Open(Lookup());
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(ReadAll(**fresh), "new1\n");
}

TEST_F(DerivedFilesTest, ReadsOfTheCurrentVersionBringTheSourceUpToDate) {
  absl::StatusOr<std::unique_ptr<FileHandle>> h = files_.Open(Lookup());
  ASSERT_TRUE(h.ok());
  const int before = source_.calls;
  ReadAll(**h);
  EXPECT_GT(source_.calls, before);
  source_.Regenerate("new1\n");
  const int after = source_.calls;
  ReadAll(**h);
  EXPECT_EQ(source_.calls, after);  // a superseded version is final: no refresh
}

TEST_F(DerivedFilesTest, EntryAndSetattrRepliesNeverShowMoreThanTheKernelWasTold) {
  // The first lookup makes the kernel's inode with the size it shows (0:
  // the source is not open yet); getattr shows the whole version, and with
  // the notifier not running no store tells the kernel more, so later entry
  // and setattr replies keep showing what the kernel holds.
  const NodeId id = Lookup();
  EXPECT_EQ(Size(id), 5u);
  auto again = files_.Lookup(kRootId, "", "index.ndjson");
  ASSERT_TRUE(again.has_value() && again->ok());
  EXPECT_EQ((*again)->ino, id);
  EXPECT_EQ((*again)->attr.st_size, 0);
  absl::StatusOr<struct stat> changed = files_.AttrsAfterChange(id);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->st_size, 0);
  EXPECT_EQ(Size(id), 5u);
  // Once the kernel forgets the node, the next lookup makes a new inode.
  files_.Forget(id, 2);
  auto fresh = files_.Lookup(kRootId, "", "index.ndjson");
  ASSERT_TRUE(fresh.has_value() && fresh->ok());
  EXPECT_EQ((*fresh)->attr.st_size, 5);
}

TEST_F(DerivedFilesTest, AGetattrReplyGoesAtOnceWhenTheNotifierIsNotRunning) {
  const NodeId id = Lookup();
  ASSERT_EQ(Size(id), 5u);
  int sent = 0;
  files_.ReplyInOrder(id, 5, [&sent] { ++sent; });
  EXPECT_EQ(sent, 1);
  EXPECT_FALSE(notifier_.ordered_busy());
}

TEST_F(DerivedFilesTest, AnOldNodeGoesWhenTheKernelForgetsIt) {
  const NodeId first = Lookup();
  Size(first);
  source_.Regenerate("new1\n");
  const NodeId second = Lookup();
  EXPECT_EQ(files_.node_count(), 2u);
  files_.Forget(first, 1);
  EXPECT_EQ(files_.node_count(), 1u);
  EXPECT_FALSE(files_.Getattr(first).ok());
  files_.Forget(second, 1);  // the current node stays: the name leads to it
  EXPECT_EQ(files_.node_count(), 1u);
  EXPECT_EQ(Size(second), 5u);
}

TEST_F(DerivedFilesTest, ReaddirShowsTheCurrentNodesNumber) {
  const NodeId first = Lookup();
  Size(first);
  ASSERT_EQ(files_.Entries("").size(), 1u);
  EXPECT_EQ(files_.Entries("")[0].ino, static_cast<ino_t>(first));
  source_.Regenerate("new1\n");
  const NodeId second = Lookup();
  EXPECT_EQ(files_.Entries("")[0].ino, static_cast<ino_t>(second));
  EXPECT_TRUE(files_.Entries("sub").empty());
}

TEST_F(DerivedFilesTest, AChangeFoundOutsideARequestMovesTheName) {
  const NodeId first = Lookup();
  Size(first);
  source_.Regenerate("new1\n");
  files_.Changed(&source_, source_.current, 0);
  EXPECT_EQ(files_.Entries("")[0].ino, static_cast<ino_t>(Lookup()));
  EXPECT_NE(Lookup(), first);
}

TEST_F(DerivedFilesTest, AGetattrOfACurrentNodeTheKernelForgotShowsItsOwnVersionAfterARegeneration) {
  // The refresh makes a node for the new version and drops the forgotten
  // one: the answer is still the forgotten node's own version (read before
  // the drop, never from the dropped entry).
  const NodeId first = Lookup();
  ASSERT_EQ(Size(first), 5u);
  files_.Forget(first, 1);
  source_.Regenerate("new1\nnew2\n");
  EXPECT_EQ(Size(first), 5u);
  const NodeId second = Lookup();
  EXPECT_NE(second, first);
  EXPECT_EQ(Size(second), 10u);
}

// A source for threads: one fixed, open version.
class FixedSource : public DerivedSource {
 public:
  FixedSource() { version_->Append("row1\n"); }
  absl::StatusOr<VersionPtr> Current(bool /*may_open*/) override { return VersionPtr(version_); }
  DerivedPerms Permissions() override { return DerivedPerms{0444, 0, 0, std::nullopt}; }

 private:
  const std::shared_ptr<TextVersion> version_ = std::make_shared<TextVersion>(1);
};

// Lookups of a name rewrite its file's spec (the resolver's answer) while
// getattrs and opens of the name's node read it: under -DLOGDEX_TSAN=ON,
// ThreadSanitizer reports a race if Getattr or Open read the spec once the
// lock is released (it did: fs/derived_files.cc, Refreshed's snapshot).
TEST(DerivedFilesThreadsTest, LookupsRaceFreeWithGetattrsAndOpensOfTheSameName) {
  KernelNotifier notifier;  // never started
  DerivedFiles files(&notifier);
  FixedSource source;
  files.Add("", "index.ndjson", DerivedSpec{DerivedSpec::Kind::kFile, &source, false});
  auto first = files.Lookup(kRootId, "", "index.ndjson");
  ASSERT_TRUE(first.has_value() && first->ok());
  const NodeId id = (*first)->ino;
  // Both threads run at once for at least kRounds each (a thread that ran
  // its rounds alone, before the other started, would show no race). The
  // counters are relaxed atomics: no happens-before edge of their own.
  constexpr int kRounds = 20000;
  std::atomic<int> started{0}, lookups_done{0}, reads_done{0}, failures{0};
  auto start_together = [&started] {
    started.fetch_add(1, std::memory_order_relaxed);
    while (started.load(std::memory_order_relaxed) < 2) std::this_thread::yield();
  };
  auto both_done = [&] {
    return lookups_done.load(std::memory_order_relaxed) >= kRounds &&
           reads_done.load(std::memory_order_relaxed) >= kRounds;
  };
  std::thread lookups([&] {
    start_together();
    while (!both_done()) {
      auto e = files.Lookup(kRootId, "", "index.ndjson");
      if (!e.has_value() || !e->ok() || (*e)->ino != id) failures.fetch_add(1);
      lookups_done.fetch_add(1, std::memory_order_relaxed);
    }
  });
  std::thread readers([&] {
    start_together();
    while (!both_done()) {
      absl::StatusOr<struct stat> st = files.Getattr(id);
      if (!st.ok() || st->st_size != 5) failures.fetch_add(1);
      absl::StatusOr<std::unique_ptr<FileHandle>> h = files.Open(id);
      std::string out;
      if (!h.ok() || !(*h)->Read(0, 100, &out).ok() || out != "row1\n") failures.fetch_add(1);
      reads_done.fetch_add(1, std::memory_order_relaxed);
    }
  });
  lookups.join();
  readers.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace logdex::fs
