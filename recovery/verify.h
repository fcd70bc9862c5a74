// `logdex verify LOGDIR` (SPEC §8, issue 7): the engine. Checks a log dir
// without a mount and without changing a byte, and hands every finding to a
// reporter as it goes; fs/verify_command.cc renders them (text or JSON).
//
// What is checked, and what counts as damage (exit 1):
//   - every frame of every log file, with the scan `logdex index` runs
//     (index/parallel_scan.h): a corrupt row is a corrupt frame (damage); a
//     torn tail is reported but is not damage (a writer may be mid-append);
//   - files and directories the scan could not read: damage (verify could not
//     check them); a file deleted while verify runs is not (nothing is left to
//     check); log files whose path is not valid UTF-8 are reported but are not
//     damage (SPEC §1: shown, not indexed, by design);
//   - every pi store: its backing index/offsets.jsonl against the bytes pi's
//     rebuild_index would write (index/pi_offsets.h, recovery/pi_drift.h):
//     drift is damage; a pi stop is damage when PiStop::damage says so (not
//     for a torn tail or missing '\n' at the very end of the last segment).
//
// Memory stays bounded whatever the log dir holds: the scan keeps a window of
// files in flight, a file's findings are held only while an earlier file is
// still being scanned (at most kMaxHeldFindings, then its worker waits its
// turn), and a pi store's rows only while that store is compared. Pi stores
// are checked on their own threads while the scan goes on, each once the scan
// is past its segments (so pi's reading of them hits the page cache); their
// findings are reported after the log files'.
#ifndef LOGDEX_RECOVERY_VERIFY_H_
#define LOGDEX_RECOVERY_VERIFY_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "index/build_stats.h"
#include "index/pi_offsets.h"
#include "index/row.h"
#include "recovery/pi_drift.h"

namespace logdex::recovery {

enum class FindingKind : uint8_t {
  kCorruptFrame,    // a frame whose row is corrupt; `error` says why          damage
  kTornTail,        // bytes after a file's last '\n'                          not damage
  kUnreadableFile,  // a log file that could not be opened or read             damage
  kVanishedFile,    // a log file deleted (or replaced) while verify ran       not damage
  kUnreadableDir,   // a directory that could not be listed                    damage
  kNonUtf8Name,     // a log file whose path is not valid UTF-8                not damage
  kPiDrift,         // a pi store's offsets.jsonl differs from pi's rebuild    damage
  kPiStop,          // pi's rebuild would stop at a line of a segment          PiStop::damage
  kPiUnreadable,    // a pi store whose segments or offsets.jsonl cannot be read  damage
  kDamagedLz4,      // a NAME.lz4 readable only up to some point (index/lz4_map.h)  damage
};
inline constexpr int kFindingKindCount = 10;

// "corrupt_frame", "torn_tail", "unreadable_file", "vanished_file",
// "unreadable_dir", "non_utf8_name", "pi_drift", "pi_stop", "pi_unreadable",
// "damaged_lz4".
std::string_view FindingKindName(FindingKind kind);

// The backing index/offsets.jsonl of a pi store.
enum class BackingState : uint8_t { kPresent, kMissing, kUnreadable };
std::string_view BackingStateName(BackingState state);  // "present", "missing", "unreadable"

// What verify found out about one pi store.
struct PiStoreCheck {
  std::string path;  // the store directory relative to the log dir ("" = the log dir itself)
  std::string error;  // the store directory could not be opened (nothing else is known)
  BackingState backing = BackingState::kMissing;
  std::string backing_error;   // why, when kUnreadable
  std::string segments_error;  // why the segments could not be listed (then no stop, no drift)
  uint64_t derived_rows = 0;   // rows pi's rebuild would write
  std::optional<index::PiStop> stop;  // where pi's rebuild would stop; nullopt: not known
  std::optional<PiDrift> drift;  // nullopt when the two could not be compared

  bool drifted() const { return drift && drift->differs(); }
  bool damage() const {
    return !error.empty() || backing == BackingState::kUnreadable || !segments_error.empty() ||
           drifted() || (stop && stop->damage);
  }
};

// One finding. Views are valid only during the reporter call.
struct Finding {
  FindingKind kind = FindingKind::kCorruptFrame;
  bool damage = false;
  // Relative to the log dir, '/'-separated: the log file, the directory
  // (kUnreadableDir), the raw path bytes (kNonUtf8Name: not valid UTF-8), the
  // store's offsets.jsonl (kPiDrift), segment (kPiStop), what could not be
  // read (kPiUnreadable), or the backing NAME.lz4 file (kDamagedLz4).
  std::string_view file;
  // Where in `file`: the frame (kCorruptFrame), the first torn byte
  // (kTornTail), where reading stopped (kUnreadableFile, when some was read;
  // kDamagedLz4: the offset of the damage in the compressed file),
  // the first byte that differs (kPiDrift, when known), the line pi stops at
  // (kPiStop); nullopt otherwise.
  std::optional<uint64_t> byte_offset;
  // The frame (kCorruptFrame), torn tail (kTornTail), or the readable
  // decompressed prefix (kDamagedLz4).
  uint64_t byte_length = 0;
  uint32_t crc32c = 0;       // kCorruptFrame: of the frame's bytes, as its row says
  index::FrameError error = index::FrameError::kNone;  // kCorruptFrame
  index::Source source = index::Source::kJsonl;        // kCorruptFrame: as its row says
  std::string_view reason;  // kUnreadable*, kVanishedFile, kPiUnreadable, kDamagedLz4: why
  const PiStoreCheck* store = nullptr;  // kPi*: the store
};

// A finding of `kind` about `file`, the rest as above.
inline Finding MakeFinding(FindingKind kind, bool damage, std::string_view file) {
  Finding f;
  f.kind = kind;
  f.damage = damage;
  f.file = file;
  return f;
}

// Receives the findings. Calls never overlap but may come from different
// threads. Order: skipped paths (non-UTF-8 names, unreadable directories) by
// path; then log files in canonical order, each file's findings by offset
// (corrupt frames, then a torn tail or why reading stopped); then pi stores
// by path, each store's findings followed by OnPiStore for it.
class FindingReporter {
 public:
  virtual ~FindingReporter() = default;
  virtual void OnFinding(const Finding& finding) = 0;
  virtual void OnPiStore(const PiStoreCheck& store) {}
};

struct VerifyCounts {
  index::BuildStats stats;  // log files, frames, bytes, torn tails, corrupt rows by error
  std::array<uint64_t, kFindingKindCount> findings = {};  // by kind
  uint64_t damage_findings = 0;
  uint64_t pi_stores = 0;
  uint64_t pi_stores_drifted = 0;
  uint64_t pi_stops = 0;         // stores where pi's rebuild would stop early
  uint64_t pi_stops_damage = 0;  // of which damage

  uint64_t of(FindingKind kind) const { return findings[static_cast<int>(kind)]; }
  uint64_t corrupt_frames() const { return of(FindingKind::kCorruptFrame); }
  bool damage() const { return damage_findings > 0; }
};

// 0: nothing but findings that are not damage; 1: damage or drift.
int VerifyExitCode(const VerifyCounts& counts);

// Readable from another thread while VerifyLogDir runs (a progress line).
struct VerifyProgress {
  std::atomic<uint64_t> files_total{0};
  std::atomic<uint64_t> files_done{0};
  std::atomic<uint64_t> bytes_total{0};  // of the log files, as listed
  std::atomic<uint64_t> bytes_done{0};
  std::atomic<uint64_t> pi_stores_total{0};
  std::atomic<uint64_t> pi_stores_done{0};
  std::atomic<uint64_t> findings{0};
};

struct VerifyOptions {
  int threads = 0;  // scanning threads; 0: one per core
  VerifyProgress* progress = nullptr;
};

// A file's findings held while an earlier file is still being scanned; past
// this its worker waits until every earlier file has been reported.
inline constexpr size_t kMaxHeldFindings = 8192;

// Checks the log dir and reports every finding. Fails only if the log dir
// cannot be opened as a directory; everything found inside it is a finding.
absl::StatusOr<VerifyCounts> VerifyLogDir(const std::string& log_dir,
                                          const VerifyOptions& options,
                                          FindingReporter* reporter);

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_VERIFY_H_
