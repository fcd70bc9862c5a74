// How long the kernel may cache what the daemon tells it.
#ifndef LOGDEX_FS_KERNEL_TIMEOUTS_H_
#define LOGDEX_FS_KERNEL_TIMEOUTS_H_

namespace logdex::fs {

// Seconds the kernel may cache names and attributes. Zero: the log dir can
// change underneath (writers append straight into it), and stat/open must
// see that (SPEC §4 freshness).
inline constexpr double kEntryTimeout = 0.0;
inline constexpr double kAttrTimeout = 0.0;
// The name of a derived file (index.ndjson) points at a new node after each
// regeneration; the kernel must ask again at every path walk.
inline constexpr double kDerivedEntryTimeout = 0.0;

}  // namespace logdex::fs

#endif  // LOGDEX_FS_KERNEL_TIMEOUTS_H_
