#include "recovery/pi_drift.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "index/json_members.h"
#include "index/json_validator.h"
#include "index/pi_frame.h"
#include "index/utf8.h"

namespace logdex::recovery {
namespace {

// Splits `text` into lines, '\n' included; a last piece without '\n' is a
// line too.
template <typename OnLine>
void ForEachLine(std::string_view text, size_t from, OnLine&& on_line) {
  while (from < text.size()) {
    const size_t nl = text.find('\n', from);
    const size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    on_line(from, text.substr(from, end - from));
    from = end;
  }
}

// The row's entrySeq, read leniently (see the header).
std::optional<uint64_t> EntrySeqOf(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!index::StrictJsonObject(line)) return std::nullopt;
  index::MemberIterator it(line);
  index::JsonMember m;
  while (it.Next(&m)) {
    if (index::KeyEquals(m.raw_key, "entrySeq")) return index::UintValue(m.raw_value);
  }
  return std::nullopt;
}

bool IsBlank(std::string_view line) {
  return index::IsValidUtf8(line) && index::IsPiBlankLine(line);
}

}  // namespace

std::string_view PiDrift::kind() const {
  if (missing) return "missing";
  if (wrong_rows > 0) return "wrong_rows";
  if (ghost_rows > 0) return "ghost_rows";
  if (missing_rows > 0) return "stale";
  if (blank_lines > 0) return "blank_lines";
  return "ok";
}

PiDrift ComparePiOffsets(const std::optional<std::string_view>& backing, std::string_view derived) {
  PiDrift d;
  std::vector<std::string_view> rows;
  ForEachLine(derived, 0, [&rows](size_t, std::string_view line) { rows.push_back(line); });
  d.derived_rows = rows.size();
  if (!backing) {
    d.missing = true;
    d.missing_rows = rows.size();
    d.first_difference = 0;
    return d;
  }
  const std::string_view b = *backing;
  if (b == derived) {
    d.backing_rows = rows.size();
    return d;
  }

  // The lines before the first differing byte are the same in both: fine
  // rows, in order, and never blank (the derived index has no blank line).
  const size_t same = static_cast<size_t>(
      std::mismatch(b.begin(), b.end(), derived.begin(), derived.end()).first - b.begin());
  const size_t nl = same == 0 ? std::string_view::npos : b.rfind('\n', same - 1);
  const size_t diff_at = nl == std::string_view::npos ? 0 : nl + 1;
  d.first_difference = diff_at;
  const size_t same_rows = static_cast<size_t>(std::count(b.begin(), b.begin() + diff_at, '\n'));

  absl::flat_hash_map<uint64_t, size_t> by_seq;  // entrySeq -> derived row
  by_seq.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (const std::optional<uint64_t> seq = EntrySeqOf(rows[i])) by_seq.try_emplace(*seq, i);
  }
  std::vector<bool> seen(rows.size(), false);
  uint64_t matched = 0;
  std::optional<uint64_t> last_fine;
  for (size_t i = 0; i < same_rows && i < rows.size(); ++i) {
    seen[i] = true;
    ++matched;
    if (const std::optional<uint64_t> seq = EntrySeqOf(rows[i])) last_fine = seq;
  }
  d.backing_rows = same_rows;

  ForEachLine(b, diff_at, [&](size_t, std::string_view line) {
    if (IsBlank(line)) {
      ++d.blank_lines;
      return;
    }
    ++d.backing_rows;
    const std::optional<uint64_t> seq = EntrySeqOf(line);
    const auto it = seq ? by_seq.find(*seq) : by_seq.end();
    if (it == by_seq.end() || seen[it->second]) {
      ++d.ghost_rows;
      return;
    }
    seen[it->second] = true;
    ++matched;
    if (line == rows[it->second] && (!last_fine || *seq > *last_fine)) {
      last_fine = seq;
    } else {
      ++d.wrong_rows;
    }
  });
  d.missing_rows = rows.size() - matched;
  return d;
}

}  // namespace logdex::recovery
