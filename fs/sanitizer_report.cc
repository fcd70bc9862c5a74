#include "fs/sanitizer_report.h"

// Part of the interface every sanitizer runtime (ASan, TSan, UBSan) of gcc 12
// and clang 14 exports (sanitizer/common_interface_defs.h); declared weak so
// that a build without a runtime links, with a null address.
extern "C" const char* __sanitizer_get_report_path() __attribute__((weak));

namespace logdex::fs {

void OpenSanitizerReportNow() {
  // The runtime's report file is per process: asking for its path opens it
  // for this pid if it is not open yet (ReportFile::GetReportPath).
  if (__sanitizer_get_report_path != nullptr) (void)__sanitizer_get_report_path();
}

}  // namespace logdex::fs
