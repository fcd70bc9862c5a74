// The progress line long commands show on a terminal (SPEC §8: long work on
// a terminal shows progress): `logdex mount` while it opens the index before
// daemonizing, `logdex verify` and `logdex rebuild` while they scan.
#ifndef LOGDEX_FS_PROGRESS_LINE_H_
#define LOGDEX_FS_PROGRESS_LINE_H_

#include <cstdio>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "fs/index_holder.h"

namespace logdex::fs {

// Runs work() on the calling thread while a helper thread redraws one line
// on `tty` ('\r' updates) with text() every 200 ms; then replaces it with
// final_text(status) and a newline. The helper thread is joined before this
// returns. Returns work()'s status.
absl::Status RunWithProgressLine(std::FILE* tty, const std::function<std::string()>& text,
                                 const std::function<absl::Status()>& work,
                                 const std::function<std::string(const absl::Status&)>& final_text);

// Opens the index (holder->Open()) on the calling thread while a helper
// thread redraws one line on `tty` ('\r' updates: files done/total, MB
// done/total, percent), then prints a final line saying how the index was
// opened. The helper thread is joined before this returns, so it is safe to
// fork afterwards.
absl::Status OpenIndexWithProgress(IndexHolder* holder, std::FILE* tty);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_PROGRESS_LINE_H_
