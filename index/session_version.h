// One version of a session view (SPEC §10; file_version.h for the rule
// every version follows): the frames of one session, in index order, read
// from the log files on demand. What the version holds is where the frames
// are (frame_list.h: ~8 bytes a frame), never their bytes.
//
// Reads check every frame they serve against its CRC-32C, reading it whole
// (a frame the read only partly covers too). A read that needs a frame whose
// bytes are gone or differ (its file was truncated, rewritten or renamed:
// the index is regenerated, and a handle on this version reads on) fails
// with DataLoss: never bytes of another version, and never fewer bytes than
// the version holds, which a reader through the page cache could not tell
// from the end of the file (or would see as NUL bytes, if the kernel's idea
// of the size moved meanwhile). So any read is the version's bytes, or an
// error. The last frame checked whole is remembered with its file's identity
// (inode, size, mtime), so reading one large frame in kernel-sized pieces
// reads it whole once, not once a piece.
//
// The session index (session_index.h) is the one writer: it appends frames
// while the version is current and supersedes it when the session's frames
// change otherwise.
#ifndef LOGDEX_INDEX_SESSION_VERSION_H_
#define LOGDEX_INDEX_SESSION_VERSION_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "index/file_version.h"
#include "index/frame_list.h"
#include "index/log_file_table.h"

namespace logdex::index {

class SessionVersion final : public FileVersion {
 public:
  // `changed_ns`: the time of the session's last new frame (its st_mtime).
  SessionVersion(uint64_t generation, std::shared_ptr<const LogFileTable> files,
                 FrameList frames, int64_t changed_ns);

  uint64_t Size() const override ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Read(uint64_t offset, uint64_t length, std::string* out) const override
      ABSL_LOCKS_EXCLUDED(mu_, checked_mu_);
  int64_t ChangedNs() const override { return changed_ns_.load(std::memory_order_acquire); }

  std::vector<std::string> SourceFiles() const override ABSL_LOCKS_EXCLUDED(mu_);

  uint64_t FrameCount() const ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t MemoryBytes() const ABSL_LOCKS_EXCLUDED(mu_);
  // Whether `frames` begins with this version's frames (then the version
  // can grow into it).
  bool IsPrefixOf(const FrameList& frames) const ABSL_LOCKS_EXCLUDED(mu_);

  // The writer's side (one thread at a time, never on a superseded one).
  // Appends a frame; the session's last new frame is now from `frame_ns`
  // (st_mtime only ever moves forward).
  void Append(const FrameLocation& frame, int64_t frame_ns) ABSL_LOCKS_EXCLUDED(mu_);
  void Supersede() { MarkSuperseded(); }

 private:
  // The error of a read that needs frame `p`, no longer in its file.
  absl::Status Gone(const FrameList::Placed& p, std::string_view why) const;

  // Where a frame that was read whole and matched its CRC was.
  struct Checked {
    uint64_t start = 0;
    FrameLocation frame;
    LogStat file;
  };

  const std::shared_ptr<const LogFileTable> files_;
  mutable absl::Mutex mu_;
  FrameList frames_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> changed_ns_;
  mutable absl::Mutex checked_mu_;
  // Made at the first read: most versions of a large tree are never read.
  mutable std::unique_ptr<Checked> checked_ ABSL_GUARDED_BY(checked_mu_);
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_SESSION_VERSION_H_
