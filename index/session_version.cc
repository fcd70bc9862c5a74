#include "index/session_version.h"

#include <algorithm>
#include <cerrno>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "index/crc32c.h"

namespace logdex::index {
namespace {

// Reads n bytes at offset as far as the file has them: the count read.
uint64_t ReadUpTo(LogBytes& file, char* dst, uint64_t n, uint64_t offset) {
  uint64_t done = 0;
  while (done < n) {
    const ssize_t got = file.Pread(dst + done, static_cast<size_t>(n - done), offset + done);
    if (got <= 0) break;
    done += static_cast<uint64_t>(got);
  }
  return done;
}

bool SameFile(const LogStat& a, const LogStat& b) {
  return a.regular && b.regular && a.ino == b.ino && a.size == b.size && a.mtime_ns == b.mtime_ns;
}

}  // namespace

SessionVersion::SessionVersion(uint64_t generation, std::shared_ptr<const LogFileTable> files,
                               FrameList frames, int64_t changed_ns)
    : FileVersion(generation),
      files_(std::move(files)),
      frames_(std::move(frames)),
      changed_ns_(changed_ns) {}

uint64_t SessionVersion::Size() const {
  absl::ReaderMutexLock lock(&mu_);
  return frames_.size();
}

uint64_t SessionVersion::FrameCount() const {
  absl::ReaderMutexLock lock(&mu_);
  return frames_.count();
}

uint64_t SessionVersion::MemoryBytes() const {
  absl::ReaderMutexLock lock(&mu_);
  absl::MutexLock checked_lock(&checked_mu_);
  return sizeof(*this) + frames_.memory_bytes() + (checked_ != nullptr ? sizeof(Checked) : 0);
}

std::vector<std::string> SessionVersion::SourceFiles() const {
  std::vector<uint32_t> ids;
  {
    absl::ReaderMutexLock lock(&mu_);
    FrameList::Cursor c = frames_.FromIndex(0);
    FrameList::Placed p;
    while (c.Next(&p)) {
      // Frames of a file mostly follow each other: a short list, searched.
      if (ids.empty() || ids.back() != p.frame.file) {
        if (std::find(ids.begin(), ids.end(), p.frame.file) == ids.end()) ids.push_back(p.frame.file);
      }
    }
  }
  std::vector<std::string> paths;
  paths.reserve(ids.size());
  for (uint32_t id : ids) paths.emplace_back(files_->Name(id).path());
  return paths;
}

bool SessionVersion::IsPrefixOf(const FrameList& frames) const {
  absl::ReaderMutexLock lock(&mu_);
  return frames.StartsWith(frames_);
}

void SessionVersion::Append(const FrameLocation& frame, int64_t frame_ns) {
  {
    absl::MutexLock lock(&mu_);
    frames_.Append(frame);
  }
  if (frame_ns > changed_ns_.load(std::memory_order_relaxed)) {
    changed_ns_.store(frame_ns, std::memory_order_release);
  }
}

absl::Status SessionVersion::Gone(const FrameList::Placed& p, std::string_view why) const {
  return absl::DataLossError(absl::StrFormat(
      "session view: the frame at byte %d (%s, offset %d) is no longer there: %s", p.start,
      files_->Name(p.frame.file).path(), p.frame.offset, why));
}

absl::Status SessionVersion::Read(uint64_t offset, uint64_t length, std::string* out) const {
  // The frames the range touches, copied out: the files are read unlocked.
  std::vector<FrameList::Placed> frames;
  uint64_t end = 0;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (offset >= frames_.size() || length == 0) return absl::OkStatus();
    end = offset + std::min(length, frames_.size() - offset);
    FrameList::Cursor c = frames_.FromOffset(offset);
    FrameList::Placed p;
    while (c.Next(&p) && p.start < end) frames.push_back(p);
  }
  std::unique_ptr<LogBytes> file;
  uint32_t open_id = 0;
  std::string whole;
  for (const FrameList::Placed& p : frames) {
    if (file == nullptr || p.frame.file != open_id) {
      file = files_->Open(p.frame.file);
      open_id = p.frame.file;
      if (file == nullptr) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
          return absl::ResourceExhaustedError(absl::StrFormat(
              "open of log file %s for a session view: out of descriptors",
              files_->Name(p.frame.file).path()));
        }
        return Gone(p, "its log file is gone");
      }
    }
    const uint64_t from = std::max(offset, p.start) - p.start;
    const uint64_t to = std::min(end, p.start + p.frame.length) - p.start;
    const LogStat st = file->Stat();
    bool checked = false;
    {
      absl::MutexLock lock(&checked_mu_);
      checked = checked_ != nullptr && checked_->start == p.start &&
                checked_->frame == p.frame && SameFile(checked_->file, st);
    }
    if (checked) {
      const size_t at = out->size();
      out->resize(at + (to - from));
      const uint64_t got = ReadUpTo(*file, out->data() + at, to - from, p.frame.offset + from);
      out->resize(at + got);
      if (got < to - from) return Gone(p, "its log file is shorter");
      continue;
    }
    whole.resize(p.frame.length);
    if (ReadUpTo(*file, whole.data(), p.frame.length, p.frame.offset) != p.frame.length ||
        Crc32c(whole) != p.frame.crc32c) {
      return Gone(p, "its bytes in the log file changed");
    }
    {
      absl::MutexLock lock(&checked_mu_);
      if (checked_ == nullptr) checked_ = std::make_unique<Checked>();
      *checked_ = Checked{p.start, p.frame, st};
    }
    out->append(whole, from, to - from);
  }
  return absl::OkStatus();
}

}  // namespace logdex::index
