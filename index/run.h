// A run: consecutive rows of one file, encoded (format in
// row_store_format.md, constants in row_store_format.h), with checkpoints so
// decoding can start every kCheckpointRows rows. RunBuilder encodes one,
// RunDecoder reads one back; runs from the cache file are untrusted bytes, so
// the decoder stops at anything that is not a valid encoding.
#ifndef LOGDEX_INDEX_RUN_H_
#define LOGDEX_INDEX_RUN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "index/row.h"

namespace logdex::index {

inline constexpr uint32_t kCheckpointRows = 32;

// The encoded rows of one file, made by RunBuilder without touching the store.
struct Run {
  uint32_t file_id = 0;
  uint64_t rows = 0;
  uint64_t rendered_size = 0;  // bytes these rows render to
  std::string data;            // encoded rows
  struct Checkpoint {
    uint64_t rendered_offset;  // within the run
    uint32_t data_offset;      // within data
  };
  // One per kCheckpointRows rows. Most runs (small files, appends) have one,
  // kept inline: no allocation of its own.
  absl::InlinedVector<Checkpoint, 1> checkpoints;
};

// Encodes the rows of one file into a Run.
class RunBuilder {
 public:
  // file_literal: the file's path as AppendJsonString writes it.
  RunBuilder(uint32_t file_id, std::string_view file_literal);
  void Add(const RowView& row);
  Run Finish();

 private:
  Run run_;
  std::string_view file_literal_;
  std::string prev_[5];   // previous row's strings since the last checkpoint
  bool prev_present_[5] = {};
  uint64_t prev_end_ = 0;  // end of the previous row's frame
};

// Decodes rows of a run from a checkpoint on. Exposed for the store and tests.
class RunDecoder {
 public:
  RunDecoder(const Run& run, size_t checkpoint);
  // Decodes the next row; false at the end of the run, or at bytes that are
  // not a valid encoding (then malformed() is true).
  bool Next(RowView* row);
  bool malformed() const { return malformed_; }
  // Offset in run.data of the next row to decode.
  size_t position() const { return pos_; }

 private:
  bool Malformed();
  const Run& run_;
  size_t pos_;
  uint64_t row_index_;
  uint64_t prev_end_ = 0;
  std::string strings_[5];
  std::string prev_id_;
  bool present_[5] = {};
  bool malformed_ = false;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_RUN_H_
