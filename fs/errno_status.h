// The one place where errno values and absl::Status meet (STYLE §6).
//
// Inward: a failed syscall becomes a Status with PosixError(errno, context);
// the exact errno rides along as a payload, so EPERM and EACCES (both
// kPermissionDenied) stay distinct. Outward: every FUSE reply error comes from
// StatusToErrno(); statuses made elsewhere (index/, absl) map by code.
#ifndef LOGDEX_FS_ERRNO_STATUS_H_
#define LOGDEX_FS_ERRNO_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace logdex::fs {

// A Status for errno `err` (> 0) with a message naming what failed.
absl::Status PosixError(int err, absl::string_view context);

// The errno to reply with for a failed Status (never 0 for a non-OK status;
// 0 for OK).
int StatusToErrno(const absl::Status& status);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_ERRNO_STATUS_H_
