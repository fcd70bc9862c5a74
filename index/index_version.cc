#include "index/index_version.h"

#include <utility>

namespace logdex::index {

IndexVersion::IndexVersion(uint64_t generation, RowStore store)
    : FileVersion(generation), store_(std::move(store)), changed_ns_(NowNs()) {}

uint64_t IndexVersion::Size() const {
  absl::ReaderMutexLock lock(&mu_);
  return store_.rendered_size();
}

absl::Status IndexVersion::Read(uint64_t offset, uint64_t length, std::string* out) const {
  absl::ReaderMutexLock lock(&mu_);
  store_.Render(offset, length, out);
  return absl::OkStatus();
}

uint64_t IndexVersion::RowCount() const {
  absl::ReaderMutexLock lock(&mu_);
  return store_.row_count();
}

uint64_t IndexVersion::MemoryBytes() const {
  absl::ReaderMutexLock lock(&mu_);
  return store_.memory_bytes();
}

uint32_t IndexVersion::AddFile(FileName name) {
  absl::MutexLock lock(&mu_);
  return store_.AddFile(std::move(name));
}

std::string IndexVersion::FileLiteral(uint32_t file_id) const {
  absl::ReaderMutexLock lock(&mu_);
  return std::string(store_.file_literal(file_id));
}

void IndexVersion::AppendOrExtendRun(Run run, uint64_t max_rows) {
  if (run.rows == 0) return;
  absl::MutexLock lock(&mu_);
  store_.AppendOrExtendRun(std::move(run), max_rows);
  changed_ns_.store(NowNs(), std::memory_order_release);
}

std::vector<std::shared_ptr<const Run>> IndexVersion::Runs() const {
  absl::ReaderMutexLock lock(&mu_);
  return store_.runs();
}

std::vector<IndexVersion::NamedRun> IndexVersion::RunsFrom(size_t first) const {
  absl::ReaderMutexLock lock(&mu_);
  const auto& runs = store_.runs();
  std::vector<NamedRun> out;
  for (size_t i = first; i < runs.size(); ++i) {
    out.push_back(NamedRun{runs[i], store_.file_name(runs[i]->file_id)});
  }
  return out;
}

}  // namespace logdex::index
