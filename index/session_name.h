// The file name of a session view (SPEC §10): `<id>.ndjson` in
// /.logdex/sessions/, with the id's UTF-8 bytes written as they are except
//  - `%`, `/` and every byte below 0x20 as `%XX` (two uppercase hex digits),
//  - a leading `.` as `%2E` (so no name is hidden, `.` or `..`).
// Nothing else is escaped: a name maps back to its id by undoing `%XX`.
//
// Ids that get no file: one holding an unpaired surrogate (decoded row
// strings are WTF-8, index/row.h: a name must be valid UTF-8), and one whose
// name with `.ndjson` would be longer than 255 bytes (NAME_MAX).
#ifndef LOGDEX_INDEX_SESSION_NAME_H_
#define LOGDEX_INDEX_SESSION_NAME_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace logdex::index {

inline constexpr std::string_view kSessionFileSuffix = ".ndjson";
inline constexpr size_t kMaxSessionFileName = 255;

// The file name for session id `id` (WTF-8), or nullopt when it gets none.
std::optional<std::string> SessionFileName(std::string_view id);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_SESSION_NAME_H_
