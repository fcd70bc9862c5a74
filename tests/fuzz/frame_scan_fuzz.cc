// Fuzz target: the frame scanner + row encoder, over the bytes of one log file read as the
// indexer reads it (ScanFile on a file in a tmpfs scratch dir, reused for every input).
//
// Input: one header byte, then the file's bytes. Header bit 0: the file is a pi segment
// (s.v2/segments/0000000000000001.seg) rather than a.jsonl; bits 1-7: where the file is cut for
// the resumed scan (size * (header >> 1) / 128).
//
// Properties, each checked against an independent reading of the input (not the product's):
//  - every row parses with simdjson as SPEC §3 says (row_check.h), names the file, and the
//    AppendRow bytes are RowLength long;
//  - rows <-> the non-blank '\n'-terminated lines of the input, in order: byteOffset/byteLength
//    are exactly such a line ('\n' included), crc32c is its bit-by-bit CRC-32C; a torn tail
//    (bytes after the last '\n') gets no row, and the scan reports it;
//  - a scan of a prefix resumed after the file grew to its full length gives the same rows,
//    byte for byte, as one scan of the whole file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/file_scan.h"
#include "index/json_string.h"
#include "index/row_format.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/row_check.h"

namespace {

using logdex::fuzz::CheckRow;
using logdex::fuzz::ReferenceCrc32c;
namespace ix = logdex::index;

class Collect : public ix::FileRows {
 public:
  explicit Collect(std::string literal) : literal_(std::move(literal)) {}
  void Add(const ix::RowView& row) override {
    std::string out;
    ix::AppendRow(literal_, row, &out);
    FUZZ_CHECK(out.size() == ix::RowLength(literal_.size(), row),
               "RowLength disagrees with AppendRow: " + out);
    rows.push_back(std::move(out));
  }
  std::vector<std::string> rows;

 private:
  std::string literal_;
};

struct Scratch {
  int root_fd = -1;
};

const Scratch& GetScratch() {
  static const Scratch s = [] {
    const std::string& dir = logdex::fuzz::ScratchDir();
    mkdir((dir + "/s.v2").c_str(), 0700);
    mkdir((dir + "/s.v2/segments").c_str(), 0700);
    Scratch out;
    out.root_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    FUZZ_CHECK(out.root_fd >= 0, "cannot open the scratch dir");
    return out;
  }();
  return s;
}

bool Blank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

std::vector<std::string> Scan(const std::string& rel, uint64_t start, ix::RowMaker& maker,
                              ix::FileScan* scan) {
  static ix::FrameTools tools;
  static ix::FrameReader reader;
  std::string literal;
  ix::AppendJsonString(rel, &literal);
  Collect rows(literal);
  *scan = ix::ScanFile(GetScratch().root_fd, rel, start, ix::ScanOptions{}, maker, tools, reader,
                       &rows);
  FUZZ_CHECK(scan->readable, "scratch file not readable: " + rel);
  return rows.rows;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t header = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool pi = (header & 1) != 0;
  const std::string rel = pi ? "s.v2/segments/0000000000000001.seg" : "a.jsonl";
  const std::string path = logdex::fuzz::ScratchDir() + "/" + rel;

  // One scan of the whole file.
  logdex::fuzz::WriteFileOrDie(path, input);
  ix::RowMaker whole_maker(rel);
  ix::FileScan whole;
  const std::vector<std::string> rows = Scan(rel, 0, whole_maker, &whole);

  // The independent reading: non-blank '\n'-terminated lines.
  size_t r = 0;
  size_t line_start = 0;
  while (true) {
    const size_t nl = input.find('\n', line_start);
    if (nl == std::string_view::npos) break;
    const std::string_view line = input.substr(line_start, nl + 1 - line_start);
    if (!Blank(line)) {
      FUZZ_CHECK(r < rows.size(), "no row for the line at " + std::to_string(line_start));
      const logdex::fuzz::ParsedRow row = CheckRow(rows[r]);
      FUZZ_CHECK(row.file == rel, "row names another file: " + rows[r]);
      FUZZ_CHECK(row.byte_offset == line_start && row.byte_length == line.size(),
                 "row does not point at the line at " + std::to_string(line_start) + " (" +
                     std::to_string(line.size()) + " bytes): " + rows[r]);
      FUZZ_CHECK(row.crc32c == ReferenceCrc32c(line), "crc32c is not the line's: " + rows[r]);
      FUZZ_CHECK(row.source == (pi ? "pi" : row.source), "a pi segment's row is not pi: " + rows[r]);
      ++r;
    }
    line_start = nl + 1;
  }
  FUZZ_CHECK(r == rows.size(), "more rows than lines; extra: " + rows[r]);
  FUZZ_CHECK(whole.consumed_to == line_start, "consumed_to is not past the last '\\n'");
  FUZZ_CHECK(whole.size == input.size(), "size is not the bytes seen");
  FUZZ_CHECK(whole.stats.torn_tails == (Blank(input.substr(line_start)) ? 0u : 1u),
             "torn tail not reported as it is");

  // A scan of a prefix, resumed once the file has all its bytes.
  const size_t cut = input.size() * (header >> 1) / 128;
  logdex::fuzz::WriteFileOrDie(path, input.substr(0, cut));
  ix::RowMaker maker(rel);
  ix::FileScan first;
  std::vector<std::string> resumed = Scan(rel, 0, maker, &first);
  logdex::fuzz::WriteFileOrDie(path, input);
  ix::FileScan second;
  const std::vector<std::string> rest = Scan(rel, first.consumed_to, maker, &second);
  resumed.insert(resumed.end(), rest.begin(), rest.end());
  FUZZ_CHECK(resumed.size() == rows.size(),
             "a resumed scan gives " + std::to_string(resumed.size()) + " rows, one scan " +
                 std::to_string(rows.size()) + " (cut at " + std::to_string(cut) + ")");
  for (size_t i = 0; i < rows.size(); ++i) {
    FUZZ_CHECK(resumed[i] == rows[i], "resumed row differs:\n  " + resumed[i] + "  " + rows[i]);
  }
  FUZZ_CHECK(second.consumed_to == whole.consumed_to, "resumed consumed_to differs");
  return 0;
}
