// Test helpers for whole-index assertions: the canonical index of a log dir
// (what `logdex index` prints) and the SPEC §4 invariant that sorting any
// index's rows canonically gives exactly that.
#ifndef LOGDEX_TESTS_UNIT_INDEX_TEXT_H_
#define LOGDEX_TESTS_UNIT_INDEX_TEXT_H_

#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "index/canonical_writer.h"
#include "index/json_string.h"

namespace logdex::testing {

inline std::string CanonicalIndex(const std::string& log_dir) {
  FILE* f = tmpfile();
  EXPECT_NE(f, nullptr);
  absl::StatusOr<index::BuildStats> st = index::WriteCanonicalIndex(log_dir, {}, fileno(f));
  EXPECT_TRUE(st.ok()) << st.status();
  rewind(f);
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  fclose(f);
  return text;
}

inline std::vector<std::string> Rows(const std::string& text) {
  std::vector<std::string> rows;
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size() - 1;
    rows.push_back(text.substr(at, nl + 1 - at));
    at = nl + 1;
  }
  return rows;
}

// Sorts rows canonically: by decoded file path as bytes, then byteOffset.
inline std::string SortedCanonically(const std::string& text) {
  std::vector<std::tuple<std::string, uint64_t, std::string>> keyed;
  for (const std::string& row : Rows(text)) {
    const std::string head = "{\"file\":\"";
    const size_t end = row.find("\",\"byteOffset\":");
    std::string path;
    if (row.starts_with(head) && end != std::string::npos) {
      index::DecodeJsonString(std::string_view(row).substr(head.size(), end - head.size()), &path);
    }
    const uint64_t off = end == std::string::npos ? 0 : std::strtoull(row.c_str() + end + 15, nullptr, 10);
    keyed.emplace_back(path, off, row);
  }
  std::sort(keyed.begin(), keyed.end());
  std::string out;
  for (auto& k : keyed) out += std::get<2>(k);
  return out;
}

}  // namespace logdex::testing

#endif  // LOGDEX_TESTS_UNIT_INDEX_TEXT_H_
