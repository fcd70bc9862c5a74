#include "index/index.h"

#include "absl/time/clock.h"
#include "index/log_tree.h"
#include "index/parallel_scan.h"

namespace logdex::index {
namespace {

class EncodedRows : public FileRows {
 public:
  EncodedRows(uint32_t file_id, std::string_view file_literal) : builder_(file_id, file_literal) {}
  void Add(const RowView& row) override { builder_.Add(row); }
  Run Finish() { return builder_.Finish(); }

 private:
  RunBuilder builder_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Index>> Index::Build(const std::string& log_dir,
                                                    const ScanOptions& options) {
  const absl::Time start = absl::Now();
  absl::StatusOr<LogTree> tree = ListLogFiles(log_dir);
  if (!tree.ok()) return tree.status();
  std::unique_ptr<Index> index(new Index());
  index->stats_.skipped_non_utf8_names = tree->non_utf8_paths;
  index->stats_.skipped_unreadable = tree->unreadable_dirs;
  std::vector<uint32_t> ids;
  ids.reserve(tree->files.size());
  for (const LogFile& f : tree->files) ids.push_back(index->store_.AddFile(f.rel_path));
  ScanFiles(
      log_dir, tree->files, options,
      [&](size_t i) {
        return std::make_unique<EncodedRows>(ids[i], index->store_.file_literal(ids[i]));
      },
      [&](size_t, FileScanResult r) {
        if (r.indexed) {
          index->stats_.Add(r.scan.stats);
          ++index->stats_.log_files;
          index->store_.AppendRun(static_cast<EncodedRows*>(r.rows.get())->Finish());
        } else {
          ++index->stats_.skipped_source_filtered;
        }
        if (!r.scan.readable) ++index->stats_.skipped_unreadable;
      });
  index->stats_.build_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return index;
}

void Index::Read(uint64_t offset, uint64_t length, std::string* out) const {
  store_.Render(offset, length, out);
}

}  // namespace logdex::index
