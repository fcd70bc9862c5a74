// One version of a pi store's offsets.jsonl view (recovery/pi_offsets_version.h):
// the rows it was given, kept encoded, render back byte for byte, whole or
// from any offset, whatever their ids, offsets and numbers.
#include "recovery/pi_offsets_version.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "index/pi_offsets.h"

namespace logdex::recovery {
namespace {

index::PiOffsetRow Row(uint64_t i) {
  index::PiOffsetRow r;
  r.entry_seq = i % 7 == 3 ? UINT64_MAX - i : i + 1;
  // pi's 8-hex-digit ids, and ids the packed form cannot hold.
  switch (i % 5) {
    case 0: r.entry_id = "0a1b2c3d"; break;
    case 1: r.entry_id = "0A1B2C3D"; break;  // uppercase: literal
    case 2: r.entry_id = ""; break;
    case 3: r.entry_id = "a\"\\\n\xC3\xA9 long id of many bytes"; break;
    default: r.entry_id = "ffffffff"; break;
  }
  r.segment_seq = 1 + i / 40;
  r.frame_seq = 1 + i % 40;
  // Offsets that go forward, repeat and go backwards.
  r.byte_offset = i % 11 == 5 ? 3 : i * 300 + (i % 3) * (uint64_t{1} << 40);
  r.byte_length = 100 + i * 7;
  r.crc32c = static_cast<uint32_t>(0x9E3779B9u * (i + 1));
  return r;
}

std::string Expected(const std::vector<index::PiOffsetRow>& rows) {
  std::string out;
  for (const auto& r : rows) index::AppendPiOffsetRow(r, &out);
  return out;
}

TEST(PiOffsetsVersionTest, RowsRenderBackByteForByteAcrossCheckpoints) {
  std::vector<index::PiOffsetRow> rows;
  for (uint64_t i = 0; i < 100; ++i) rows.push_back(Row(i));
  PiOffsetsVersion v(1);
  v.Append(rows);
  const std::string want = Expected(rows);
  EXPECT_EQ(v.Bytes(), want);
  EXPECT_EQ(v.Size(), want.size());
  EXPECT_EQ(v.RowCount(), 100u);
}

TEST(PiOffsetsVersionTest, ReadsFromAnyOffsetGiveThoseBytes) {
  std::vector<index::PiOffsetRow> rows;
  for (uint64_t i = 0; i < 70; ++i) rows.push_back(Row(i));
  PiOffsetsVersion v(1);
  v.Append(rows);
  const std::string want = Expected(rows);
  for (uint64_t off = 0; off <= want.size() + 3; off += 37) {
    for (uint64_t len : {uint64_t{1}, uint64_t{250}, uint64_t{5000}}) {
      std::string got;
      v.Read(off, len, &got);
      EXPECT_EQ(got, off < want.size() ? want.substr(off, len) : "") << off << " " << len;
    }
  }
}

TEST(PiOffsetsVersionTest, AppendsOneAtATimeRenderAsOneBatchWould) {
  std::vector<index::PiOffsetRow> rows;
  PiOffsetsVersion v(1);
  for (uint64_t i = 0; i < 66; ++i) {
    rows.push_back(Row(i));
    v.Append({Row(i)});
  }
  EXPECT_EQ(v.Bytes(), Expected(rows));
  std::string tail;
  v.Read(v.Size() - 10, 100, &tail);
  EXPECT_EQ(tail, Expected(rows).substr(v.Size() - 10));
}

TEST(PiOffsetsVersionTest, AnEmptyVersionHasNoBytes) {
  PiOffsetsVersion v(1);
  v.Append({});
  std::string got;
  v.Read(0, 100, &got);
  EXPECT_EQ(got, "");
  EXPECT_EQ(v.Size(), 0u);
  EXPECT_EQ(v.Bytes(), "");
}

}  // namespace
}  // namespace logdex::recovery
