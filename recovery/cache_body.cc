#include "recovery/cache_body.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "index/row.h"
#include "index/row_store.h"
#include "index/utf8.h"
#include "index/varint.h"
#include "recovery/cache_format.h"

namespace logdex::recovery {
namespace {

// ---- Writing ---------------------------------------------------------------

using index::PutVarint;
using index::UnZigZag;
using index::ZigZag;

void PutBytes(std::string_view bytes, std::string* out) {
  PutVarint(bytes.size(), out);
  out->append(bytes);
}

void PutFile(const CachedFile& f, std::string* out) {
  PutBytes(f.rel_path, out);
  PutVarint(f.ino, out);
  PutVarint(f.size, out);
  PutVarint(ZigZag(f.mtime_ns), out);
  PutVarint(f.consumed_to, out);
  out->push_back(static_cast<char>(f.source ? static_cast<uint8_t>(*f.source) : kSourceUndecided));
  out->push_back(f.session ? 1 : 0);
  if (f.session) PutBytes(*f.session, out);
  out->push_back(f.indexed ? 1 : 0);
}

void PutRun(const index::Run& run, std::string* out) {
  PutVarint(run.file_id, out);
  PutVarint(run.rows, out);
  PutVarint(run.rendered_size, out);
  PutBytes(run.data, out);
  PutVarint(run.checkpoints.size(), out);
  for (const index::Run::Checkpoint& cp : run.checkpoints) {
    PutVarint(cp.rendered_offset, out);
    PutVarint(cp.data_offset, out);
  }
}

// ---- Reading ---------------------------------------------------------------

// Names the item a read is for, in error messages ("file 3 path", "run 0
// checkpoint 2", "file count"). Only formatted when there is an error: a
// cache of 100,000 files must not build a string per field.
struct What {
  std::string_view kind;   // "file", "run", or the whole name when index < 0
  int64_t index = -1;
  std::string_view field;  // " path", " checkpoint", ...
  int64_t sub = -1;        // a checkpoint's number

  std::string Text() const {
    std::string out(kind);
    if (index >= 0) absl::StrAppend(&out, " ", index);
    out.append(field);
    if (sub >= 0) absl::StrAppend(&out, " ", sub);
    return out;
  }
};

// A cursor over untrusted bytes. Every read is bounds-checked; every error
// names the body offset where the item at fault starts.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  size_t offset() const { return pos_; }
  size_t left() const { return bytes_.size() - pos_; }

  absl::Status Error(size_t at, std::string_view what) const {
    return absl::DataLossError(absl::StrFormat("cache body offset %d: %s", at, what));
  }

  absl::Status Varint(const What& what, uint64_t* v) {
    const size_t at = pos_;
    uint64_t result = 0;
    for (int i = 0; i < kMaxVarintBytes; ++i) {
      if (pos_ >= bytes_.size()) return Error(at, absl::StrFormat("%s: truncated varint", what.Text()));
      const auto b = static_cast<uint8_t>(bytes_[pos_++]);
      if (i == kMaxVarintBytes - 1 && b > 1) {
        return Error(at, absl::StrFormat("%s: varint overflows 64 bits", what.Text()));
      }
      result |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
      if (b < 0x80) {
        *v = result;
        return absl::OkStatus();
      }
    }
    return Error(at, absl::StrFormat("%s: varint longer than %d bytes", what.Text(), kMaxVarintBytes));
  }

  absl::Status Byte(const What& what, uint8_t* b) {
    if (pos_ >= bytes_.size()) return Error(pos_, absl::StrFormat("%s: truncated", what.Text()));
    *b = static_cast<uint8_t>(bytes_[pos_++]);
    return absl::OkStatus();
  }

  // A 0/1 byte.
  absl::Status Flag(const What& what, bool* flag) {
    const size_t at = pos_;
    uint8_t b = 0;
    if (absl::Status s = Byte(what, &b); !s.ok()) return s;
    if (b > 1) return Error(at, absl::StrFormat("%s: flag byte %d is neither 0 nor 1", what.Text(), b));
    *flag = b == 1;
    return absl::OkStatus();
  }

  // A varint length then that many bytes; the length is checked against the
  // bytes left before anything is copied.
  absl::Status Bytes(const What& what, std::string* out) {
    const size_t at = pos_;
    uint64_t n = 0;
    if (absl::Status s = Varint(what, &n); !s.ok()) return s;
    if (n > left()) {
      return Error(at, absl::StrFormat("%s: length %d exceeds the %d bytes left", what.Text(), n, left()));
    }
    out->assign(bytes_.data() + pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return absl::OkStatus();
  }

  // A varint count of items at least min_bytes long each: a count the bytes
  // left cannot hold is rejected before anything is reserved for it.
  absl::Status Count(const What& what, uint64_t min_bytes, uint64_t* n) {
    const size_t at = pos_;
    if (absl::Status s = Varint(what, n); !s.ok()) return s;
    if (*n > left() / min_bytes) {
      return Error(at, absl::StrFormat("%s %d cannot fit in the %d bytes left", what.Text(), *n, left()));
    }
    return absl::OkStatus();
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

// A relative path the caller may open under the log dir: non-empty UTF-8,
// '/'-separated, no empty, "." or ".." component, no NUL.
bool IsSafeRelPath(std::string_view p) {
  if (p.empty() || !index::IsValidUtf8(p) || p.find('\0') != std::string_view::npos) return false;
  size_t start = 0;
  while (true) {
    const size_t slash = p.find('/', start);
    const std::string_view part = p.substr(start, slash == std::string_view::npos ? p.npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

#define LOGDEX_RETURN_IF_ERROR(expr)            \
  do {                                          \
    if (absl::Status s_ = (expr); !s_.ok()) return s_; \
  } while (0)

absl::Status ParseFile(Reader& r, size_t i, CachedFile* f) {
  const size_t at = r.offset();
  const auto what = [i](std::string_view field) { return What{"file", static_cast<int64_t>(i), field, -1}; };
  LOGDEX_RETURN_IF_ERROR(r.Bytes(what(" path"), &f->rel_path));
  if (!IsSafeRelPath(f->rel_path)) {
    return r.Error(at, absl::StrFormat("file %d path is not a safe relative path", i));
  }
  uint64_t mtime = 0;
  LOGDEX_RETURN_IF_ERROR(r.Varint(what(" ino"), &f->ino));
  LOGDEX_RETURN_IF_ERROR(r.Varint(what(" size"), &f->size));
  LOGDEX_RETURN_IF_ERROR(r.Varint(what(" mtime"), &mtime));
  f->mtime_ns = UnZigZag(mtime);
  const size_t consumed_at = r.offset();
  LOGDEX_RETURN_IF_ERROR(r.Varint(what(" consumed_to"), &f->consumed_to));
  if (f->consumed_to > f->size) {
    return r.Error(consumed_at, absl::StrFormat("file %d consumed_to %d is beyond its size %d", i,
                                                f->consumed_to, f->size));
  }
  const size_t source_at = r.offset();
  uint8_t source = 0;
  LOGDEX_RETURN_IF_ERROR(r.Byte(what(" source"), &source));
  if (source < index::kSourceCount) {
    f->source = static_cast<index::Source>(source);
  } else if (source != kSourceUndecided) {
    return r.Error(source_at, absl::StrFormat("file %d source byte %d is not a source", i, source));
  }
  bool has_session = false;
  LOGDEX_RETURN_IF_ERROR(r.Flag(what(" session flag"), &has_session));
  if (has_session) {
    std::string session;
    LOGDEX_RETURN_IF_ERROR(r.Bytes(what(" session"), &session));
    f->session = std::move(session);
  }
  return r.Flag(what(" indexed flag"), &f->indexed);
}

// The checks that make a run safe to hand to RowStore/RunDecoder: its
// checkpoints index real positions, in order, one per kCheckpointRows rows.
absl::Status CheckRun(const Reader& r, size_t at, size_t i, const index::Run& run,
                      size_t file_count) {
  if (run.file_id >= file_count) {
    return r.Error(at, absl::StrFormat("run %d file_id %d is not one of the %d files", i,
                                       run.file_id, file_count));
  }
  if (run.rows == 0) return r.Error(at, absl::StrFormat("run %d has no rows", i));
  if (run.rendered_size == 0 || run.data.empty()) {
    return r.Error(at, absl::StrFormat("run %d has rows but no bytes", i));
  }
  // Rounded up without adding first: a row count near 2^64 must not wrap
  // to "no checkpoints" (a crash the fuzzer found: checkpoint 0 was read
  // from an empty list).
  const uint64_t want = run.rows / index::kCheckpointRows + (run.rows % index::kCheckpointRows != 0);
  if (run.checkpoints.empty() || run.checkpoints.size() != want) {
    return r.Error(at, absl::StrFormat("run %d has %d checkpoints for %d rows, want %d", i,
                                       run.checkpoints.size(), run.rows, want));
  }
  if (run.checkpoints[0].rendered_offset != 0 || run.checkpoints[0].data_offset != 0) {
    return r.Error(at, absl::StrFormat("run %d checkpoint 0 is not at offset 0", i));
  }
  for (size_t c = 1; c < run.checkpoints.size(); ++c) {
    const index::Run::Checkpoint& prev = run.checkpoints[c - 1];
    const index::Run::Checkpoint& cp = run.checkpoints[c];
    if (cp.rendered_offset <= prev.rendered_offset || cp.data_offset <= prev.data_offset) {
      return r.Error(at, absl::StrFormat("run %d checkpoint %d out of order", i, c));
    }
    if (cp.rendered_offset >= run.rendered_size || cp.data_offset >= run.data.size()) {
      return r.Error(at, absl::StrFormat("run %d checkpoint %d points past the run", i, c));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseRun(Reader& r, size_t i, size_t file_count, index::Run* run) {
  const size_t at = r.offset();
  const auto what = [i](std::string_view field, int64_t sub = -1) {
    return What{"run", static_cast<int64_t>(i), field, sub};
  };
  uint64_t file_id = 0, count = 0;
  LOGDEX_RETURN_IF_ERROR(r.Varint(what(" file_id"), &file_id));
  if (file_id > UINT32_MAX) return r.Error(at, absl::StrFormat("run %d file_id exceeds 32 bits", i));
  run->file_id = static_cast<uint32_t>(file_id);
  LOGDEX_RETURN_IF_ERROR(r.Varint(what(" rows"), &run->rows));
  LOGDEX_RETURN_IF_ERROR(r.Varint(what(" rendered_size"), &run->rendered_size));
  LOGDEX_RETURN_IF_ERROR(r.Bytes(what(" data"), &run->data));
  if (run->data.size() > UINT32_MAX) return r.Error(at, absl::StrFormat("run %d data exceeds 4 GiB", i));
  LOGDEX_RETURN_IF_ERROR(r.Count(what(" checkpoint count"), kMinCheckpointBytes, &count));
  run->checkpoints.reserve(static_cast<size_t>(count));
  for (uint64_t c = 0; c < count; ++c) {
    const size_t cp_at = r.offset();
    uint64_t rendered = 0, data = 0;
    LOGDEX_RETURN_IF_ERROR(r.Varint(what(" checkpoint", static_cast<int64_t>(c)), &rendered));
    LOGDEX_RETURN_IF_ERROR(r.Varint(what(" checkpoint", static_cast<int64_t>(c)), &data));
    if (data > UINT32_MAX) {
      return r.Error(cp_at, absl::StrFormat("run %d checkpoint %d data offset exceeds 32 bits", i, c));
    }
    run->checkpoints.push_back({rendered, static_cast<uint32_t>(data)});
  }
  return CheckRun(r, at, i, *run, file_count);
}

}  // namespace

void SerializeCacheBody(const CacheImage& image, std::string* out) {
  PutVarint(image.files.size(), out);
  for (const CachedFile& f : image.files) PutFile(f, out);
  PutVarint(image.runs.size(), out);
  for (const auto& run : image.runs) PutRun(*run, out);
}

absl::Status ParseCacheBody(std::string_view body, CacheImage* image) {
  Reader r(body);
  uint64_t count = 0;
  LOGDEX_RETURN_IF_ERROR(r.Count(What{"file count", -1, "", -1}, kMinFileBytes, &count));
  image->files.clear();
  image->files.resize(static_cast<size_t>(count));
  for (size_t i = 0; i < image->files.size(); ++i) {
    LOGDEX_RETURN_IF_ERROR(ParseFile(r, i, &image->files[i]));
  }
  LOGDEX_RETURN_IF_ERROR(r.Count(What{"run count", -1, "", -1}, kMinRunBytes, &count));
  image->runs.clear();
  image->runs.reserve(static_cast<size_t>(count));
  for (size_t i = 0; i < count; ++i) {
    auto run = std::make_shared<index::Run>();
    LOGDEX_RETURN_IF_ERROR(ParseRun(r, i, image->files.size(), run.get()));
    image->runs.push_back(std::move(run));
  }
  if (r.left() != 0) {
    return r.Error(r.offset(), absl::StrFormat("%d trailing bytes after the last run", r.left()));
  }
  return absl::OkStatus();
}

}  // namespace logdex::recovery
