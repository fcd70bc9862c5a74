// The two renderings of `logdex verify`'s findings (recovery/verify.h) that
// fs/verify_command.cc chooses between: one line per finding plus a summary
// line, or one JSON object (its fields are in VerifyUsage()). Both stream:
// findings are written as they are found, so the memory used does not grow
// with their number (the JSON report holds one small entry per pi store).
#ifndef LOGDEX_FS_VERIFY_REPORT_H_
#define LOGDEX_FS_VERIFY_REPORT_H_

#include <memory>
#include <string>
#include <string_view>

#include "recovery/verify.h"

namespace logdex::fs {

// Path bytes for a terminal line: printable UTF-8 as is; other bytes as
// \xNN, and \n, \t, \r, \\ escaped.
std::string ShownText(std::string_view text);

// Buffers the report and writes it to a descriptor; remembers a failure.
class VerifyOutput {
 public:
  VerifyOutput(int fd, bool line_mode, bool clear_line)
      : fd_(fd), line_mode_(line_mode), clear_line_(clear_line) {}
  std::string& buf() { return buf_; }
  // Call after each finding.
  void Maybe() {
    if (line_mode_ || buf_.size() >= (64u << 10)) Flush();
  }
  void Flush();
  int error() const { return error_; }

 private:
  const int fd_;
  const bool line_mode_;
  const bool clear_line_;
  std::string buf_;
  int error_ = 0;
};

// A report: the findings as they come, then Finish() once with the counts.
class VerifyReport : public recovery::FindingReporter {
 public:
  // The summary line (and, for JSON, the rest of the object), flushed.
  virtual void Finish(const recovery::VerifyCounts& counts) = 0;
};

// One line per finding (FILE[:OFFSET]: WHAT), then "summary: ...".
std::unique_ptr<VerifyReport> NewVerifyTextReport(VerifyOutput* out);
// One JSON object; `log_dir` as given on the command line.
std::unique_ptr<VerifyReport> NewVerifyJsonReport(VerifyOutput* out, std::string_view log_dir);

}  // namespace logdex::fs

#endif  // LOGDEX_FS_VERIFY_REPORT_H_
