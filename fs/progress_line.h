// The progress line `logdex mount` shows on a terminal while it opens the
// index before daemonizing (SPEC §8: long work on a terminal shows progress).
#ifndef LOGDEX_FS_PROGRESS_LINE_H_
#define LOGDEX_FS_PROGRESS_LINE_H_

#include <cstdio>

#include "absl/status/status.h"
#include "fs/index_holder.h"

namespace logdex::fs {

// Opens the index (holder->Open()) on the calling thread while a helper
// thread redraws one line on `tty` ('\r' updates: files done/total, MB
// done/total, percent), then prints a final line saying how the index was
// opened. The helper thread is joined before this returns, so it is safe to
// fork afterwards.
absl::Status OpenIndexWithProgress(IndexHolder* holder, std::FILE* tty);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_PROGRESS_LINE_H_
