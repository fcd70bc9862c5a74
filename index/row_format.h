// The exact bytes of a row of index.ndjson (SPEC §3):
//
//   {"file":F,"byteOffset":N,"byteLength":N,"crc32c":"XXXXXXXX","source":S,
//    "state":"active"|"corrupt"[,"error":E][,"entryType":..][,"entryId":..]
//    [,"parentEntryId":..][,"sessionId":..][,"timestamp":..][,"entrySeq":N]}\n
//
// compact, keys in that order, absent keys omitted, corrupt rows carrying no
// optional key but `error`.
#ifndef LOGDEX_INDEX_ROW_FORMAT_H_
#define LOGDEX_INDEX_ROW_FORMAT_H_

#include <string>
#include <string_view>

#include "index/row.h"

namespace logdex::index {

// file_literal: the file's path already encoded by AppendJsonString, quotes
// included (it is the same for every row of a file).
void AppendRow(std::string_view file_literal, const RowView& row, std::string* out);

// The number of bytes AppendRow appends for `row`, without rendering it.
size_t RowLength(size_t file_literal_size, const RowView& row);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_ROW_FORMAT_H_
