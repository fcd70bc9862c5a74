// One version of a derived file of the mount: the bytes one inode serves.
//
// index.ndjson is the first derived file; pi offsets views and session views
// will be others. They all follow one rule (SPEC §4, whole rows): a version is
// append-only. While it is current it grows at its end, by whole rows, and
// never changes a byte it already holds; when the file must change in any
// other way (a regeneration), a new version replaces it, the way
// `mv new index.ndjson` replaces a file, and the old one never changes again.
// So any read of a version, at any offset and size, is a substring of that
// version's final bytes, and a reader that keeps one version reads whole rows
// to its end, then EOF. Readers hold a version by shared_ptr for as long as
// they may read it (an open file handle, a node the kernel still knows).
#ifndef LOGDEX_INDEX_FILE_VERSION_H_
#define LOGDEX_INDEX_FILE_VERSION_H_

#include <time.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace logdex::index {

// The realtime clock in ns since the Unix epoch: what a version that changes
// now stamps into ChangedNs().
inline int64_t NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

class FileVersion {
 public:
  explicit FileVersion(uint64_t generation) : generation_(generation) {}
  virtual ~FileVersion() = default;
  FileVersion(const FileVersion&) = delete;
  FileVersion& operator=(const FileVersion&) = delete;

  // Increases with every version of the same file: a newer version has a
  // larger generation.
  uint64_t generation() const { return generation_; }

  // The bytes held now; only grows, and is final once superseded().
  virtual uint64_t Size() const = 0;
  // Appends bytes [offset, offset + length) of the version, as far as it
  // reaches now, to *out: fewer only past its end. An error when the bytes
  // cannot be read now: ResourceExhausted when they may be later
  // (descriptors), DataLoss when they are gone for good (a session view
  // whose frame left its log file). What *out holds then is not a reply.
  virtual absl::Status Read(uint64_t offset, uint64_t length, std::string* out) const = 0;
  // When the version last grew (or was made), in ns since the Unix epoch:
  // the file's st_mtime.
  virtual int64_t ChangedNs() const = 0;
  // The log files whose bytes the version serves (paths as shown, relative
  // to the log dir): whoever opens it must be allowed to read each of them
  // (SPEC §5, other users). None for a version of the daemon's own rows.
  virtual std::vector<std::string> SourceFiles() const { return {}; }

  // True once a newer version replaced this one.
  bool superseded() const { return superseded_.load(std::memory_order_acquire); }

 protected:
  // Called by the version's one writer when it makes the next version.
  void MarkSuperseded() { superseded_.store(true, std::memory_order_release); }

 private:
  const uint64_t generation_;
  std::atomic<bool> superseded_{false};
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_FILE_VERSION_H_
