#include "index/session_index.h"

#include <malloc.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/string_view.h"
#include "index/run.h"
#include "index/session_name.h"

namespace logdex::index {

SessionIndex::SessionIndex(const std::string& log_dir)
    : files_(std::make_shared<LogFileTable>(log_dir)) {}

template <typename Add>
void SessionIndex::ForEachSessionRow(const std::vector<IndexVersion::NamedRun>& runs,
                                     uint64_t skip, Add add) {
  // st_mtime of each file read, stat'ed once per pass.
  absl::flat_hash_map<uint32_t, int64_t> mtimes;
  for (const IndexVersion::NamedRun& named : runs) {
    const Run& run = *named.run;
    const uint32_t file = files_->Intern(named.file);
    std::optional<int64_t> mtime;
    RunDecoder dec(run, 0);
    RowView row;
    for (uint64_t i = 0; dec.Next(&row); ++i) {
      if (i < skip || row.error != FrameError::kNone || !row.session_id) continue;
      if (!mtime) {
        auto it = mtimes.find(file);
        if (it == mtimes.end()) {
          it = mtimes.emplace(file, files_->MtimeNs(file).value_or(NowNs())).first;
        }
        mtime = it->second;
      }
      add(*row.session_id, FrameLocation{file, row.byte_offset, row.byte_length, row.crc32c}, *mtime);
    }
    skip = 0;
  }
}

void SessionIndex::Update(const std::shared_ptr<const IndexVersion>& index) {
  absl::MutexLock lock(&update_mu_);
  // A caller that took its version before another caller's newer one came
  // through first: the views already follow the newer one.
  if (seen_any_ && index->generation() < seen_generation_) return;
  const uint64_t rows = index->RowCount();
  const bool same = seen_any_ && index->generation() == seen_generation_;
  if (same && rows == seen_rows_) return;
  if (same) {
    Follow(*index);
  } else {
    Rebuild(*index);
  }
  seen_any_ = true;
  seen_generation_ = index->generation();
}

void SessionIndex::Follow(const IndexVersion& index) {
  const size_t first = seen_runs_ == 0 ? 0 : seen_runs_ - 1;
  const std::vector<IndexVersion::NamedRun> runs = index.RunsFrom(first);
  if (runs.empty()) return;
  // Rows of a run are mostly one session's: look its version up once.
  std::string last_id;
  std::shared_ptr<SessionVersion> last;
  bool looked_up = false;
  ForEachSessionRow(runs, seen_runs_ == 0 ? 0 : seen_rows_in_last_,
                    [&](std::string_view id, const FrameLocation& frame, int64_t ns) {
    if (!looked_up || last_id != id) {
      looked_up = true;
      last_id.assign(id);
      last = nullptr;
      std::optional<std::string> name = SessionFileName(id);
      if (!name) {
        absl::MutexLock lock(&mu_);
        without_file_.insert(std::string(id));
        return;
      }
      absl::MutexLock lock(&mu_);
      auto it = sessions_.find(*name);
      if (it == sessions_.end()) {
        FrameList frames;
        frames.Append(frame);
        sessions_.emplace(*name, std::make_shared<SessionVersion>(next_generation_++, files_,
                                                                  std::move(frames), ns));
        last = sessions_.find(*name)->second;
        return;
      }
      last = it->second;
    }
    if (last != nullptr) last->Append(frame, ns);
  });
  for (const IndexVersion::NamedRun& r : runs) seen_rows_ += r.run->rows;
  seen_rows_ -= seen_runs_ == 0 ? 0 : seen_rows_in_last_;
  seen_runs_ = first + runs.size();
  seen_rows_in_last_ = runs.back().run->rows;
}

void SessionIndex::Rebuild(const IndexVersion& index) {
  const std::vector<IndexVersion::NamedRun> runs = index.RunsFrom(0);
  absl::flat_hash_map<std::string, Pending> pending;
  std::string last_id;
  Pending* last = nullptr;
  ForEachSessionRow(runs, 0, [&](std::string_view id, const FrameLocation& frame, int64_t ns) {
    if (last == nullptr || last_id != id) {
      last_id.assign(id);
      last = &pending[last_id];
    }
    last->frames.Append(frame);
    last->changed_ns = std::max(last->changed_ns, ns);
  });

  absl::flat_hash_map<std::string, std::shared_ptr<SessionVersion>> old;
  {
    absl::MutexLock lock(&mu_);
    old = std::move(sessions_);
    sessions_.clear();
    without_file_.clear();
  }
  absl::flat_hash_map<std::string, std::shared_ptr<SessionVersion>> next;
  absl::flat_hash_set<std::string> without_file;
  next.reserve(pending.size());
  for (auto& [id, p] : pending) {
    std::optional<std::string> name = SessionFileName(id);
    if (!name) {
      without_file.insert(id);
      continue;
    }
    auto it = old.find(*name);
    if (it != old.end() && it->second->IsPrefixOf(p.frames)) {
      // The file held these frames first: it grows into the new list.
      std::shared_ptr<SessionVersion> kept = std::move(it->second);
      old.erase(it);
      FrameList::Cursor c = p.frames.FromIndex(kept->FrameCount());
      FrameList::Placed f;
      while (c.Next(&f)) kept->Append(f.frame, p.changed_ns);
      next.emplace(*std::move(name), std::move(kept));
      continue;
    }
    p.frames.ShrinkToFit();
    next.emplace(*std::move(name), std::make_shared<SessionVersion>(
                                       next_generation_++, files_, std::move(p.frames),
                                       p.changed_ns));
  }
  {
    absl::MutexLock lock(&mu_);
    sessions_ = std::move(next);
    without_file_ = std::move(without_file);
  }
  // Sessions replaced or gone: their versions end here (holders read on).
  for (auto& [name, version] : old) version->Supersede();
  old.clear();
  pending.clear();
  // The lay-out's scratch (a list per session) is as large as the result:
  // give it back to the system rather than keep it as the daemon's RSS.
  ::malloc_trim(0);

  seen_rows_ = 0;
  for (const IndexVersion::NamedRun& r : runs) seen_rows_ += r.run->rows;
  seen_runs_ = runs.size();
  seen_rows_in_last_ = runs.empty() ? 0 : runs.back().run->rows;
}

std::shared_ptr<const SessionVersion> SessionIndex::Find(std::string_view name) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = sessions_.find(absl::string_view(name.data(), name.size()));
  return it == sessions_.end() ? nullptr : it->second;
}

std::vector<std::string> SessionIndex::Names() const {
  std::vector<std::string> names;
  {
    absl::ReaderMutexLock lock(&mu_);
    names.reserve(sessions_.size());
    for (const auto& [name, version] : sessions_) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

SessionIndex::Report SessionIndex::GetReport() const {
  Report r;
  absl::ReaderMutexLock lock(&mu_);
  r.files = sessions_.size();
  r.ids_without_file = without_file_.size();
  r.memory_bytes = files_->memory_bytes() +
                   sessions_.capacity() * (sizeof(std::string) + sizeof(std::shared_ptr<void>) + 1) +
                   without_file_.capacity() * (sizeof(std::string) + 1);
  for (const auto& [name, version] : sessions_) {
    r.frames += version->FrameCount();
    // The control block make_shared puts beside the version; the name's heap
    // bytes when it does not fit the string itself.
    r.memory_bytes += version->MemoryBytes() + 16 + (name.size() > 15 ? name.capacity() + 1 : 0);
  }
  for (const std::string& id : without_file_) r.memory_bytes += id.size() > 15 ? id.capacity() + 1 : 0;
  return r;
}

}  // namespace logdex::index
