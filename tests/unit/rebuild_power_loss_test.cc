// `logdex rebuild`'s replace of pi stores' offsets.jsonl (recovery/
// pi_rebuild.h) through a kill, an I/O error and a power cut at every step,
// and inside every step (fault_injection_files.h), over a log dir of four
// stores run one after the other as the command runs them: one without
// index/, one with a stale index, one with a wrong index and an older .bak,
// one already right. After each fault every store's offsets.jsonl is its
// old index or its new one, whole (the new one once its rebuild returned
// OK); its .bak is the index the new one replaced, or what it was before;
// segments are untouched; a rerun makes every store right, keeping the
// replaced index as .bak, and a second rerun changes nothing. Power cuts
// keep every subset of the pending directory changes (or, past 6 of them,
// every prefix and every single one). A writer that renames before its
// bytes are durable is caught.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fault_injection_files.h"
#include "gtest/gtest.h"
#include "pi_fixtures.h"
#include "recovery/durable_files.h"
#include "recovery/pi_rebuild.h"
#include "temp_dir.h"

namespace logdex::recovery {
namespace {

using testing::Fault;
using testing::FaultInjectionFiles;
using testing::FaultKind;
using testing::ReadFile;
using testing::RenamesBeforeTheBytesAreDurable;
using testing::pi::kFrame1;
using testing::pi::kFrame2;
using testing::pi::kRow1;
using testing::pi::kRow2;

const std::string kSegment = std::string(kFrame1) + std::string(kFrame2);
const std::string kNew = std::string(kRow1) + std::string(kRow2);
// Row 2 with a CRC one off.
const std::string kWrong =
    std::string(kRow1) +
    R"({"schema":"pi.session_store_v2.offset_index.v1","entrySeq":2,"entryId":"e5f6a7b8","segmentSeq":1,"frameSeq":2,"byteOffset":429,"byteLength":432,"crc32c":"638DCC44","state":"active"})"
    "\n";

// A store as it is before the rebuild: its index and .bak (nullopt: none).
struct Store {
  std::string rel;
  std::optional<std::string> old_index;
  std::optional<std::string> old_backup;
};

const std::vector<Store> kStores = {
    {"a.v2", std::nullopt, std::nullopt},
    {"b.v2", std::string(kRow1), std::nullopt},
    {"p/c.v2", kWrong, std::string("an older index\n")},
    {"d.v2", kNew, std::nullopt},
};

// Pending directory changes up to which a power cut keeps every subset of
// them; past it, every prefix and every single one.
constexpr size_t kMaxAllSubsets = 6;

class RebuildPowerLossTest : public ::testing::Test {
 protected:
  void Reset() {
    for (const auto& e : std::filesystem::directory_iterator(log_.path())) std::filesystem::remove_all(e.path());
    for (const Store& s : kStores) {
      log_.Write(s.rel + "/segments/0000000000000001.seg", kSegment);
      if (s.old_index) log_.Write(s.rel + "/index/offsets.jsonl", *s.old_index);
      if (s.old_backup) log_.Write(s.rel + "/index/offsets.jsonl.bak", *s.old_backup);
    }
  }

  std::optional<std::string> Read(const Store& s, const std::string& rel) const {
    const std::string path = log_.Path(s.rel + "/" + rel);
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) return std::nullopt;
    return ReadFile(path);
  }

  // Every store through the real engine, as the command runs them; a dead
  // process does not go on to the next store. Results by store.
  std::vector<PiStoreReport> RebuildAll(DurableFiles& files, const FaultInjectionFiles* fault = nullptr) {
    const int root = open(log_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    EXPECT_GE(root, 0);
    std::vector<PiStoreReport> reports;
    for (const Store& s : kStores) {
      if (fault != nullptr && fault->dead()) break;
      PiRebuildOptions options;
      options.files = &files;
      reports.push_back(RebuildPiStore(root, s.rel, options));
    }
    close(root);
    return reports;
  }

  static std::string Shown(const std::optional<std::string>& bytes) {
    if (!bytes) return "absent";
    if (*bytes == kNew) return "new";
    return std::to_string(bytes->size()) + " bytes";
  }

  // Checks one state the fault left; then reruns the rebuild twice.
  void Check(const std::string& scenario, const std::vector<PiStoreReport>& reports,
             std::vector<std::string>* violations) {
    ++scenarios_;
    auto violation = [&](const Store& s, const std::string& what) {
      violations->push_back(scenario + ": " + s.rel + ": " + what);
    };
    for (size_t i = 0; i < kStores.size(); ++i) {
      const Store& s = kStores[i];
      const bool returned_ok = i < reports.size() && (reports[i].result == PiStoreResult::kRewritten ||
                                                      reports[i].result == PiStoreResult::kAlreadyRight);
      const std::optional<std::string> index = Read(s, "index/offsets.jsonl");
      const std::optional<std::string> backup = Read(s, "index/offsets.jsonl.bak");
      if (index != kNew && index != s.old_index) {
        violation(s, "offsets.jsonl is neither the old index nor the new one: " + Shown(index));
      } else if (index != kNew && returned_ok) {
        violation(s, "its rebuild returned OK, yet offsets.jsonl is the old one");
      }
      if (index == kNew && s.old_index && *s.old_index != kNew && backup != s.old_index) {
        violation(s, "the new index is in place, but .bak is not the index it replaced: " + Shown(backup));
      }
      if (backup != s.old_backup && !(s.old_index && backup == s.old_index)) {
        violation(s, ".bak is neither what it was nor the old index: " + Shown(backup));
      }
      if (Read(s, "segments/0000000000000001.seg") != kSegment) violation(s, "the segment changed");
    }
    // A rerun finishes the job.
    // Through files without faults, which skip the real fsyncs (slow, and
    // nothing here needs them).
    FaultInjectionFiles plain(log_.path());
    const std::vector<PiStoreReport> rerun = RebuildAll(plain);
    for (size_t i = 0; i < kStores.size(); ++i) {
      const Store& s = kStores[i];
      if (rerun[i].result != PiStoreResult::kRewritten && rerun[i].result != PiStoreResult::kAlreadyRight) {
        violation(s, "the rerun did not make it right: " + std::string(rerun[i].error.message()));
      }
      if (Read(s, "index/offsets.jsonl") != kNew) violation(s, "after the rerun, offsets.jsonl is not the new index");
      const std::optional<std::string> want_backup = s.old_index && *s.old_index != kNew ? s.old_index : s.old_backup;
      if (Read(s, "index/offsets.jsonl.bak") != want_backup) {
        violation(s, "after the rerun, .bak is not the index replaced: " + Shown(Read(s, "index/offsets.jsonl.bak")));
      }
    }
    // And a second rerun changes nothing.
    const testing::TreeContents before = testing::ReadTree(log_.path());
    FaultInjectionFiles plain_again(log_.path());
    const std::vector<PiStoreReport> again = RebuildAll(plain_again);
    for (size_t i = 0; i < kStores.size(); ++i) {
      if (again[i].result != PiStoreResult::kAlreadyRight) violation(kStores[i], "the second rerun rewrote it");
    }
    if (testing::ReadTree(log_.path()) != before) {
      violations->push_back(scenario + ": the second rerun changed the log dir");
    }
  }

  std::vector<std::string> Run(Fault fault, bool broken = false, size_t* steps = nullptr) {
    Reset();
    FaultInjectionFiles files(log_.path(), fault);
    RenamesBeforeTheBytesAreDurable no_sync(files);
    const std::vector<PiStoreReport> reports =
        RebuildAll(broken ? static_cast<DurableFiles&>(no_sync) : files, &files);
    if (steps != nullptr) *steps = files.steps().size();
    const std::string scenario = files.ScenarioName();
    std::vector<std::string> violations = files.RunViolations(scenario);
    const bool power_cut = testing::IsPowerCut(fault.kind);
    if (!power_cut) Check(scenario, reports, &violations);
    if (power_cut || fault.kind == FaultKind::kIoErrorAt) {
      for (uint64_t mask : files.PowerCutMasks(kMaxAllSubsets)) {
        files.PowerCut(mask);
        Check(scenario + ", power cut keeping pending changes " + std::to_string(mask), reports, &violations);
      }
    }
    return violations;
  }

  // Every fault of `kinds` at every step.
  std::vector<std::string> RunAll(bool broken = false,
                                  const std::vector<FaultKind>& kinds = {std::begin(testing::kAllFaults),
                                                                         std::end(testing::kAllFaults)}) {
    size_t steps = 0;
    std::vector<std::string> violations = testing::SweepFaults(
        [&](Fault fault, size_t* n) { return Run(fault, broken, n); }, kinds, &steps);
    EXPECT_GT(steps, 0u);
    std::printf("rebuild of %zu stores%s: %zu steps, %d scenarios checked\n", kStores.size(),
                broken ? " (broken writer)" : "", steps, scenarios_);
    return violations;
  }

  testing::TempDir log_{testing::ScratchParent()};
  int scenarios_ = 0;
};

TEST_F(RebuildPowerLossTest, ARebuildFaultedAnywhereLeavesEachStoreItsOldOrNewIndexAndARerunConverges) {
  const std::vector<std::string> violations = RunAll();
  EXPECT_TRUE(violations.empty()) << testing::ViolationLines(violations);
}

TEST_F(RebuildPowerLossTest, ARebuildThatReturnedOkSurvivesAPowerCutRightAfter) {
  size_t steps = 0;
  Run(Fault{}, false, &steps);
  const std::vector<std::string> violations = Run(Fault{FaultKind::kPowerCutAfter, static_cast<int>(steps) - 1});
  EXPECT_TRUE(violations.empty()) << testing::ViolationLines(violations);
}

TEST_F(RebuildPowerLossTest, AWriterThatRenamesBeforeItsBytesAreDurableIsCaught) {
  const std::vector<std::string> violations = RunAll(/*broken=*/true, {FaultKind::kPowerCutAfter});
  ASSERT_FALSE(violations.empty());
  EXPECT_NE(violations[0].find("neither the old index nor the new one"), std::string::npos)
      << testing::ViolationLines(violations);
}

}  // namespace
}  // namespace logdex::recovery
