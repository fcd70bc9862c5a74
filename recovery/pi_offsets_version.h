// One version of a pi store's `index/offsets.jsonl` as the mount serves it
// (SPEC §5; index/file_version.h for the rule every version follows): the
// rows pi's rebuild would write (index/pi_offsets.h), rendered on read.
//
// The pi views (pi_views.h) are the one writer: they append rows while the
// version is current (pi appended frames) and make a new version when the
// segments changed in any other way. Readers may read any version from any
// thread; they share mu_, the writer takes it to append.
//
// Rows are kept encoded, ~15 bytes each instead of a PiOffsetRow's ~90 (a
// store's view lives as long as the mount): per row, varints of entrySeq,
// segmentSeq and frameSeq, of byteOffset as a zigzag difference from the
// previous row's end and of byteLength; the CRC as 4 bytes; the entryId as
// 0x00 and 4 bytes when it is 8 lowercase hex digits (pi's ids), else
// varint(length + 1) and its bytes. Every kCheckpointRows rows a checkpoint
// records the rendered and encoded offsets and the previous row is
// forgotten, so a read decodes at most one group it does not return.
#ifndef LOGDEX_RECOVERY_PI_OFFSETS_VERSION_H_
#define LOGDEX_RECOVERY_PI_OFFSETS_VERSION_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "index/file_version.h"
#include "index/pi_offsets.h"

namespace logdex::recovery {

class PiOffsetsVersion final : public index::FileVersion {
 public:
  explicit PiOffsetsVersion(uint64_t generation);

  uint64_t Size() const override ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Read(uint64_t offset, uint64_t length, std::string* out) const override
      ABSL_LOCKS_EXCLUDED(mu_);
  int64_t ChangedNs() const override { return changed_ns_.load(std::memory_order_acquire); }
  uint64_t RowCount() const ABSL_LOCKS_EXCLUDED(mu_);
  // All bytes, rendered (for comparing with the backing copy).
  std::string Bytes() const ABSL_LOCKS_EXCLUDED(mu_);

  // The writer's side (pi_views.h), never on a superseded version.
  void Append(const std::vector<index::PiOffsetRow>& rows) ABSL_LOCKS_EXCLUDED(mu_);
  void Supersede() { MarkSuperseded(); }

 private:
  static constexpr uint64_t kCheckpointRows = 32;
  struct Checkpoint {
    uint64_t rendered_offset;
    uint64_t data_offset;
  };
  // Renders rows from checkpoint c on while fn(row_start, text) returns true.
  template <typename Fn>
  void Decode(size_t c, Fn&& fn) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::string data_ ABSL_GUARDED_BY(mu_);  // encoded rows
  std::vector<Checkpoint> checkpoints_ ABSL_GUARDED_BY(mu_);
  uint64_t rows_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t size_ ABSL_GUARDED_BY(mu_) = 0;      // rendered bytes
  uint64_t prev_end_ ABSL_GUARDED_BY(mu_) = 0;  // last row's byteOffset + byteLength
  std::atomic<int64_t> changed_ns_;
};

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_PI_OFFSETS_VERSION_H_
