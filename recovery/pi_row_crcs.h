// Half of step 4 of `logdex rebuild` (pi_rebuild.h): before a new
// offsets.jsonl is installed, every row must point at segment bytes whose
// CRC-32C is the row's crc32c.
#ifndef LOGDEX_RECOVERY_PI_ROW_CRCS_H_
#define LOGDEX_RECOVERY_PI_ROW_CRCS_H_

#include <string_view>

#include "absl/status/status.h"

namespace logdex::recovery {

// Every row of `rows` (offsets.jsonl bytes) points at bytes of the store's
// segments/ whose CRC-32C is the row's crc32c. kDataLoss names the first row
// that does not (its line number, segment and offset).
absl::Status CheckPiRowCrcs(int store_dir_fd, std::string_view rows);

}  // namespace logdex::recovery

#endif  // LOGDEX_RECOVERY_PI_ROW_CRCS_H_
