// Fuzz target: the pi offsets derivation (index/pi_offsets.h; PI_FORMAT.md §5): what pi's
// rebuild would write to a store's index/offsets.jsonl, from its segment files.
//
// Input: one header byte, then the segments' bytes separated by 0xFF bytes (at most four
// segments; 0xFF never occurs in UTF-8, so no valid frame is lost to it). The segments are
// written to a store in a tmpfs scratch dir, reused for every input, named 1, 2, 3, 4 (as
// 0000000000000001.seg ...), or with header bit 0 set 1, 2, 4, 5 (a gap). Header bits 1-7 pick
// where the last segment is cut for a resumed scan.
//
// Properties: never a crash, leak or hang; every row is read back with simdjson as
// {"schema":"pi.session_store_v2.offset_index.v1","entrySeq","entryId","segmentSeq",
// "frameSeq","byteOffset","byteLength","crc32c","state":"active"} in that order, names a segment
// of the store, points at a whole '\n'-terminated line of it whose bit-by-bit CRC-32C is the
// row's, whose entryId and entrySeq (read by simdjson) are the row's; entrySeq runs 1, 2, 3...;
// frameSeq runs 1, 2, 3... within each segment; rows stop before the stop's line; and a scan
// of the store with its last segment cut short, resumed once the segment has all its bytes,
// gives the same rows as one scan.
#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "index/pi_offsets.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace ix = logdex::index;
using logdex::fuzz::ReferenceCrc32c;

std::string SegmentName(uint64_t seq) {
  std::string n = std::to_string(seq);
  return std::string(16 - n.size(), '0') + n + ".seg";
}

void WriteStore(const std::string& seg_dir, const std::vector<uint64_t>& seqs,
                const std::vector<std::string_view>& segments) {
  logdex::fuzz::ClearDir(seg_dir);
  for (size_t i = 0; i < segments.size(); ++i) {
    logdex::fuzz::WriteFileOrDie(seg_dir + "/" + SegmentName(seqs[i]), segments[i]);
  }
}

std::vector<std::string> Rows(int store_fd, const ix::PiScanPosition& from, ix::PiScanResult* out) {
  static ix::PiStoreScanner scanner;
  std::vector<std::string> rows;
  const absl::StatusOr<ix::PiScanResult> r = scanner.Scan(store_fd, from, [&](const ix::PiOffsetRow& row) {
    std::string s;
    ix::AppendPiOffsetRow(row, &s);
    rows.push_back(std::move(s));
  });
  FUZZ_CHECK(r.ok(), "scan failed: " + r.status().ToString());
  *out = *r;
  return rows;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t header = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string_view> segments;
  for (size_t pos = 0;;) {
    const size_t sep = input.find('\xFF', pos);
    if (sep == input.npos || segments.size() == 3) {
      segments.push_back(input.substr(pos));
      break;
    }
    segments.push_back(input.substr(pos, sep - pos));
    pos = sep + 1;
  }
  const std::vector<uint64_t> seqs =
      (header & 1) ? std::vector<uint64_t>{1, 2, 4, 5} : std::vector<uint64_t>{1, 2, 3, 4};

  static const std::string store = [] {
    const std::string s = logdex::fuzz::ScratchDir() + "/store.v2";
    mkdir(s.c_str(), 0700);
    mkdir((s + "/segments").c_str(), 0700);
    return s;
  }();
  static const int store_fd = open(store.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  FUZZ_CHECK(store_fd >= 0, "cannot open the scratch store");
  const std::string seg_dir = store + "/segments";

  WriteStore(seg_dir, seqs, segments);
  ix::PiScanResult whole;
  const std::vector<std::string> rows = Rows(store_fd, ix::PiScanPosition{}, &whole);

  std::map<uint64_t, std::string_view> by_seq;
  for (size_t i = 0; i < segments.size(); ++i) by_seq[seqs[i]] = segments[i];
  static simdjson::dom::parser parser;
  uint64_t last_segment = 0, frame_seq = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string& text = rows[i];
    FUZZ_CHECK(!text.empty() && text.back() == '\n', "row without its \\n: " + text);
    simdjson::dom::object obj;
    FUZZ_CHECK(!parser.parse(text.data(), text.size() - 1).get_object().get(obj),
               "simdjson refuses the row: " + text);
    static constexpr std::string_view kKeys[] = {"schema",     "entrySeq",   "entryId",
                                                 "segmentSeq", "frameSeq",   "byteOffset",
                                                 "byteLength", "crc32c",     "state"};
    size_t k = 0;
    for (auto field : obj) {
      FUZZ_CHECK(k < 9 && field.key == kKeys[k], "keys not as pi writes them: " + text);
      ++k;
    }
    FUZZ_CHECK(k == 9, "keys missing: " + text);
    std::string_view schema, entry_id, crc, state;
    uint64_t entry_seq = 0, segment_seq = 0, fseq = 0, off = 0, len = 0;
    FUZZ_CHECK(!obj["schema"].get_string().get(schema) &&
                   schema == "pi.session_store_v2.offset_index.v1" &&
                   !obj["entrySeq"].get_uint64().get(entry_seq) &&
                   !obj["entryId"].get_string().get(entry_id) &&
                   !obj["segmentSeq"].get_uint64().get(segment_seq) &&
                   !obj["frameSeq"].get_uint64().get(fseq) &&
                   !obj["byteOffset"].get_uint64().get(off) &&
                   !obj["byteLength"].get_uint64().get(len) &&
                   !obj["crc32c"].get_string().get(crc) && !obj["state"].get_string().get(state) &&
                   state == "active",
               "a value of the wrong type: " + text);
    FUZZ_CHECK(entry_seq == i + 1, "entrySeq does not run 1, 2, 3...: " + text);
    if (segment_seq != last_segment) frame_seq = 0;
    FUZZ_CHECK(segment_seq >= last_segment, "segments out of order: " + text);
    last_segment = segment_seq;
    FUZZ_CHECK(fseq == ++frame_seq, "frameSeq does not run 1, 2, 3... in its segment: " + text);
    const auto seg = by_seq.find(segment_seq);
    FUZZ_CHECK(seg != by_seq.end(), "no such segment: " + text);
    const std::string_view bytes = seg->second;
    FUZZ_CHECK(off + len <= bytes.size() && len > 0 && bytes[off + len - 1] == '\n' &&
                   (off == 0 || bytes[off - 1] == '\n') &&
                   bytes.substr(off, len - 1).find('\n') == std::string_view::npos,
               "row does not point at a whole line: " + text);
    const std::string_view line = bytes.substr(off, len);
    char want_crc[9];
    snprintf(want_crc, sizeof want_crc, "%08X", ReferenceCrc32c(line));
    FUZZ_CHECK(crc == want_crc, "crc32c is not the line's (" + std::string(want_crc) + "): " + text);
    std::string_view body = line.substr(0, len - 1);
    while (!body.empty() && body.back() == '\r') body.remove_suffix(1);
    static simdjson::dom::parser frame_parser;  // `parser` still holds the row's strings
    simdjson::dom::object frame;
    if (!frame_parser.parse(body.data(), body.size()).get_object().get(frame)) {
      std::string_view id;
      uint64_t seq = 0;
      if (!frame["entryId"].get_string().get(id)) {
        FUZZ_CHECK(id == entry_id, "entryId is not the frame's: " + text);
      }
      if (!frame["entrySeq"].get_uint64().get(seq)) {
        FUZZ_CHECK(seq == entry_seq, "entrySeq is not the frame's: " + text);
      }
    }
    if (whole.stop.reason != ix::PiStopReason::kNone && segment_seq == whole.stop.segment_seq) {
      FUZZ_CHECK(off + len <= whole.stop.byte_offset, "a row at or after the stop: " + text);
    }
  }

  // Resumed: the last segment cut short, scanned, then given all its bytes and scanned on.
  const std::string_view last = segments.back();
  const size_t cut = last.size() * (header >> 1) / 128;
  std::vector<std::string_view> shorter = segments;
  shorter.back() = last.substr(0, cut);
  WriteStore(seg_dir, seqs, shorter);
  ix::PiScanResult first;
  std::vector<std::string> resumed = Rows(store_fd, ix::PiScanPosition{}, &first);
  logdex::fuzz::WriteFileOrDie(seg_dir + "/" + SegmentName(seqs[segments.size() - 1]), last);
  ix::PiScanResult second;
  const std::vector<std::string> more = Rows(store_fd, first.end, &second);
  resumed.insert(resumed.end(), more.begin(), more.end());
  FUZZ_CHECK(resumed == rows, "a resumed scan gives " + std::to_string(resumed.size()) +
                                  " rows, one scan " + std::to_string(rows.size()) +
                                  " (last segment cut at " + std::to_string(cut) + ")");
  FUZZ_CHECK(second.stop.reason == whole.stop.reason &&
                 second.stop.byte_offset == whole.stop.byte_offset,
             "a resumed scan stops elsewhere: " + std::string(ix::PiStopReasonName(second.stop.reason)) +
                 " vs " + std::string(ix::PiStopReasonName(whole.stop.reason)));
  return 0;
}
