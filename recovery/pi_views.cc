#include "recovery/pi_views.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "index/file_io.h"
#include "index/log_tree.h"
#include "index/pi_offsets_format.h"
#include "index/pi_segments.h"

namespace logdex::recovery {
namespace {

namespace pf = index::pi_format;

// A backing copy larger than this is not read to be compared (it is not a
// pi index: pi's rows are ~180 bytes, so this is ~6 million entries).
constexpr uint64_t kMaxBackingBytes = uint64_t{1} << 30;

// The store a segment file belongs to: "S/segments/NAME" -> S.
bool StoreOfSegment(std::string_view rel, std::string* store) {
  const size_t slash = rel.rfind('/');
  if (slash == std::string_view::npos) return false;
  std::optional<std::string> dir = index::RelPathDir(rel.substr(0, slash), pf::kSegmentsDir);
  if (!dir) return false;
  *store = std::move(*dir);
  return true;
}

// The store whose own index a path is or is in: "S/index", "S/index/..."
// (and "S/segments", "S/segments/..." for the segments directory).
bool StoreOfStorePath(std::string_view rel, std::string_view part, std::string* store) {
  for (size_t from = 0;;) {
    const size_t at = rel.find(part, from);
    if (at == std::string_view::npos) return false;
    const bool starts = at == 0 || rel[at - 1] == '/';
    const size_t after = at + part.size();
    const bool ends = after == rel.size() || rel[after] == '/';
    if (starts && ends) {
      *store = std::string(at == 0 ? std::string_view() : rel.substr(0, at - 1));
      return true;
    }
    from = at + 1;
  }
}

bool IsWithin(std::string_view path, std::string_view dir) {
  if (dir.empty()) return true;
  return path == dir || (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/');
}

}  // namespace

std::string PiOffsetsPath(std::string_view store) {
  return index::JoinRelPath(store, pf::kOffsetsPath);
}

PiViews::PiViews(std::string log_dir)
    : log_dir_(std::move(log_dir)),
      root_fd_(::open(log_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {}

PiViews::~PiViews() = default;

void PiViews::EnsureChecked(std::string_view store) {
  {
    absl::MutexLock lock(&mu_);
    if (marked_.find(store) == marked_.end()) return;
  }
  absl::MutexLock check(&check_mu_);
  bool rewritten = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = marked_.find(store);
    if (it == marked_.end()) return;  // looked at meanwhile
    rewritten = it->second;
    marked_.erase(it);  // a mark made while the check runs stays for the next one
  }
  Check(std::string(store), rewritten);
}

void PiViews::CatchUp() {
  for (;;) {
    std::string next;
    {
      absl::MutexLock lock(&mu_);
      if (marked_.empty()) return;
      next = marked_.begin()->first;
    }
    EnsureChecked(next);
  }
}

std::shared_ptr<const PiOffsetsVersion> PiViews::Current(std::string_view store) {
  EnsureChecked(store);
  absl::MutexLock lock(&mu_);
  auto it = stores_.find(store);
  return it == stores_.end() ? nullptr : it->second.current;
}

bool PiViews::IsStore(std::string_view store) {
  EnsureChecked(store);
  absl::MutexLock lock(&mu_);
  return stores_.find(store) != stores_.end();
}

std::optional<PiDrift> PiViews::Drift(std::string_view store) {
  EnsureChecked(store);
  absl::MutexLock lock(&mu_);
  auto it = stores_.find(store);
  if (it == stores_.end() || !it->second.compared) return std::nullopt;
  return it->second.drift;
}

uint64_t PiViews::Pending() const {
  absl::MutexLock lock(&mu_);
  return marked_.size();
}

std::vector<PiViews::StoreReport> PiViews::Report() const {
  absl::MutexLock lock(&mu_);
  std::vector<StoreReport> out;
  out.reserve(stores_.size());
  for (const auto& [path, s] : stores_) {
    out.push_back(StoreReport{path, s.current->RowCount(), s.stop, s.drift});
  }
  return out;
}

std::vector<std::string> PiViews::Discover(const std::string& rel) const {
  absl::StatusOr<index::LogTree> tree = index::ListLogFiles(log_dir_, rel);
  if (!tree.ok()) return {};
  return tree->pi_stores;
}

void PiViews::OnChanges(const index::ChangeFeed& feed) {
  std::map<std::string, bool> todo;  // store -> a segment file was replaced or removed
  // Known stores at or below `dir`: keys from `dir` on that start with it
  // (the map is ordered, so this costs what it finds, not the store count).
  auto known_under = [this](std::string_view dir, std::map<std::string, bool>* out) {
    absl::MutexLock lock(&mu_);
    for (auto it = stores_.lower_bound(dir); it != stores_.end() && it->first.starts_with(dir); ++it) {
      if (IsWithin(it->first, dir)) out->try_emplace(it->first, false);
    }
  };
  // Subtrees the index walked: the stores in them now, and the ones known
  // there before (gone, if the walk did not find them again).
  auto walked = [&feed](std::string_view path) {
    for (const auto& [root, stores] : feed.walked) {
      if (IsWithin(path, root)) return true;
    }
    return false;
  };
  for (const auto& [root, stores] : feed.walked) {
    for (const std::string& s : stores) todo.try_emplace(s, false);
    known_under(root, &todo);
  }
  if (feed.everything && !walked("")) {
    for (std::string& s : Discover("")) todo.try_emplace(std::move(s), false);
    known_under("", &todo);
  }
  std::string store;
  for (const auto& [rel, kind] : feed.files) {
    if (!StoreOfSegment(rel, &store)) continue;
    const bool rewritten = kind == index::ChangeFeed::Kind::kReplaced ||
                           kind == index::ChangeFeed::Kind::kRemoved;
    todo[store] |= rewritten;
  }
  for (const std::string& path : feed.paths) {
    if (StoreOfStorePath(path, pf::kIndexDir, &store) || StoreOfStorePath(path, pf::kSegmentsDir, &store)) {
      todo.try_emplace(store, false);
    }
    if (walked(path)) continue;  // what is below it is known already
    // A directory that appeared (stores below it are new) or went (stores
    // below it are gone).
    struct stat st;
    if (root_fd_.valid() && ::fstatat(root_fd_.get(), path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(st.st_mode)) {
      for (std::string& s : Discover(path)) todo.try_emplace(std::move(s), false);
    }
    known_under(path, &todo);
  }
  absl::MutexLock lock(&mu_);
  for (const auto& [s, rewritten] : todo) marked_[s] |= rewritten;
}

void PiViews::Forget(const std::string& store) {
  absl::MutexLock lock(&mu_);
  auto it = stores_.find(store);
  if (it == stores_.end()) return;
  it->second.current->Supersede();
  stores_.erase(it);
}

void PiViews::Check(const std::string& store, bool rewritten) {
  if (!root_fd_.valid()) return;
  const int fd = ::openat(root_fd_.get(), store.empty() ? "." : store.c_str(),
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) Forget(store);
    return;  // otherwise (no descriptors, no access): as it was
  }
  absl::Cleanup close_fd = [fd] { ::close(fd); };
  const int seg_fd = ::openat(fd, pf::kSegmentsDir.data(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (seg_fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) Forget(store);
    return;
  }
  absl::Cleanup close_seg = [seg_fd] { ::close(seg_fd); };
  absl::StatusOr<std::vector<index::PiSegment>> listed = index::ListPiSegments(seg_fd);
  if (!listed.ok()) return;
  std::vector<FileStat> stats;
  stats.reserve(listed->size());
  for (const index::PiSegment& seg : *listed) {
    struct stat st;
    FileStat f;
    if (::fstatat(seg_fd, seg.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      f = FileStat{true, st.st_dev, st.st_ino, static_cast<uint64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
    }
    stats.push_back(f);
  }

  // Resume where the last scan stopped when the store only grew: the
  // segments before the scan's one unchanged, that one the same file and no
  // shorter. Segments after it were not read, so they may be anything.
  index::PiScanPosition from;
  bool resume = false, unchanged = false;
  std::shared_ptr<PiOffsetsVersion> current;
  {
    absl::MutexLock lock(&mu_);
    auto it = stores_.find(store);
    if (it != stores_.end() && !rewritten) {
      const Store& s = it->second;
      const size_t at = s.end.segment_index;
      bool grew = at < s.end.segments.size() && s.segments.size() == s.end.segments.size() &&
                  listed->size() > at;
      for (size_t i = 0; grew && i <= at; ++i) {
        const FileStat& was = s.segments[i];
        const FileStat& now = stats[i];
        grew = (*listed)[i].name == s.end.segments[i].name && now.exists && was.exists &&
               now.dev == was.dev && now.ino == was.ino &&
               (i < at ? now.size == was.size && now.mtime_ns == was.mtime_ns
                       : now.size >= was.size);
      }
      if (grew) {
        resume = true;
        from = s.end;
        current = s.current;
        unchanged = stats == s.segments && listed->size() == s.end.segments.size();
        for (size_t i = 0; unchanged && i < listed->size(); ++i) {
          unchanged = (*listed)[i].name == s.end.segments[i].name;
        }
      }
    }
  }

  std::vector<index::PiOffsetRow> rows;
  index::PiScanResult result;
  if (!unchanged) {
    const auto collect = [&rows](const index::PiOffsetRow& row) { rows.push_back(row); };
    absl::StatusOr<index::PiScanResult> scanned = scanner_.Scan(fd, from, collect);
    if (resume && absl::IsFailedPrecondition(scanned.status())) {
      // The store changed between the look above and the scan: all again.
      resume = false;
      rows.clear();
      scanned = scanner_.Scan(fd, index::PiScanPosition(), collect);
    }
    if (!scanned.ok()) return;  // segments/ could not be listed: as it was
    result = *std::move(scanned);
  }

  bool rows_changed = false;
  {
    absl::MutexLock lock(&mu_);
    Store& s = stores_[store];
    if (!unchanged) {
      if (resume && s.current == current) {
        current->Append(rows);
      } else {
        auto next = std::make_shared<PiOffsetsVersion>(next_generation_++);
        next->Append(rows);
        if (s.current != nullptr) s.current->Supersede();
        s.current = std::move(next);
      }
      rows_changed = !rows.empty() || !resume;
      s.end = result.end;
      s.stop = result.stop;
      s.segments = stats;
    }
    current = s.current;
  }

  // The backing copy, compared again when it or the view changed.
  FileStat backing;
  struct stat st;
  const std::string index_rel(pf::kOffsetsPath);
  if (::fstatat(fd, index_rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
    backing = FileStat{true, st.st_dev, st.st_ino, static_cast<uint64_t>(st.st_size),
                       static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  }
  {
    absl::MutexLock lock(&mu_);
    const Store& s = stores_[store];
    if (s.compared && !rows_changed && s.backing == backing) return;
  }
  std::optional<std::string> bytes;
  if (backing.exists && backing.size <= kMaxBackingBytes) {
    const int bfd = index::OpenRegularAt(fd, index_rel.c_str());  // never a FIFO swapped in
    if (bfd >= 0) {
      absl::Cleanup close_b = [bfd] { ::close(bfd); };
      std::string data(backing.size, '\0');
      // A read that fails or ends early leaves the bytes before it, compared
      // as they are.
      data.resize(index::PreadAll(bfd, data.data(), data.size(), 0, /*error=*/nullptr));
      bytes = std::move(data);
    }
  }
  const std::string derived = current->Bytes();
  PiDrift drift = ComparePiOffsets(bytes ? std::optional<std::string_view>(*bytes) : std::nullopt,
                                   derived);
  if (backing.exists && !bytes) {
    // Present but unreadable or too large to compare: not the derived copy.
    drift = PiDrift();
    drift.derived_rows = current->RowCount();
    drift.wrong_rows = drift.derived_rows > 0 ? drift.derived_rows : 1;
  }
  absl::MutexLock lock(&mu_);
  Store& s = stores_[store];
  s.drift = drift;
  s.backing = backing;
  s.compared = true;
}

}  // namespace logdex::recovery
