#include "fs/page_cache_stamps.h"

namespace logdex::fs {
namespace {

bool SameTime(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

bool PageCacheStamps::Stamp::operator==(const Stamp& o) const {
  return dev == o.dev && ino == o.ino && size == o.size && SameTime(mtime, o.mtime) &&
         SameTime(ctime, o.ctime);
}

bool PageCacheStamps::KeepAtOpen(NodeId id, const struct stat& st, const struct timespec& now) {
  Stamp s;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.size = st.st_size;
  s.mtime = st.st_mtim;
  s.ctime = st.st_ctim;
  // ctime moves with every change of bytes (and mtime can be set back by
  // utimens, ctime cannot).
  s.trusted = st.st_ctim.tv_sec + kRacySeconds < now.tv_sec &&
              st.st_mtim.tv_sec + kRacySeconds < now.tv_sec;
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = stamps_.try_emplace(id, s);
  if (inserted) return false;  // the kernel may hold pages from before we knew
  const bool keep = it->second.trusted && it->second == s;
  it->second = s;
  return keep;
}

void PageCacheStamps::Drop(NodeId id) {
  absl::MutexLock lock(&mu_);
  stamps_.erase(id);
}

size_t PageCacheStamps::size() const {
  absl::MutexLock lock(&mu_);
  return stamps_.size();
}

}  // namespace logdex::fs
