// The daemon's file descriptor budget (SPEC §5, any tree size).
//
// At start the soft RLIMIT_NOFILE is raised to the hard limit: the usual
// soft default of 1024 is a compatibility setting for select(2), which the
// daemon never uses. A quarter of the limit (at most kMaxCachedFds) goes to
// the inode table's descriptor cache; the rest is for files the kernel has
// open through the mount, index scans, the cache writer and libfuse.
#ifndef LOGDEX_FS_DESCRIPTOR_LIMIT_H_
#define LOGDEX_FS_DESCRIPTOR_LIMIT_H_

#include <sys/resource.h>

#include <cstddef>
#include <cstdint>

namespace logdex::fs {

inline constexpr size_t kMaxCachedFds = 4096;
inline constexpr size_t kMinCachedFds = 8;

struct DescriptorLimit {
  uint64_t soft = 0;  // after raising
  uint64_t hard = 0;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (as far as the kernel
// allows: nr_open caps it) and returns the limits now in force.
DescriptorLimit RaiseDescriptorLimit();

// How many O_PATH descriptors the inode table may cache under `limit`.
size_t FdCacheCapacity(const DescriptorLimit& limit);

// Descriptors this process has open now (entries of /proc/self/fd), or -1
// if that cannot be read (for one, when descriptors ran out).
int64_t OpenDescriptorCount();

}  // namespace logdex::fs

#endif  // LOGDEX_FS_DESCRIPTOR_LIMIT_H_
