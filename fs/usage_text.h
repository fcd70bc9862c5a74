// The help texts of the whole tool and of the commands whose own files do
// not carry one (verify and rebuild keep theirs beside their reports).
#ifndef LOGDEX_FS_USAGE_TEXT_H_
#define LOGDEX_FS_USAGE_TEXT_H_

#include <string>

namespace logdex::fs {

const char* ToolUsage();     // the commands, one paragraph each
const char* MountUsage();    // `logdex mount --help`: every -o option
const char* IndexUsage();
const char* StatusUsage();
const char* UnmountUsage();
std::string FullUsage();     // `logdex --help`: ToolUsage, then every command's

}  // namespace logdex::fs

#endif  // LOGDEX_FS_USAGE_TEXT_H_
