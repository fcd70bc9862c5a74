// Reading files without a signal cutting the read short: the pread and
// read-to-the-end loops the scanners, verify, the pi views and rebuild share.
// Each caller keeps its own error policy; these only say what happened
// (bytes read, errno).
#ifndef LOGDEX_INDEX_FILE_IO_H_
#define LOGDEX_INDEX_FILE_IO_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace logdex::index {

// One pread(2) of up to n bytes at offset, retried on EINTR. Returns the
// bytes read (0 at EOF, fewer than n when the file ends sooner or the kernel
// returns less) or -1 with errno set.
ssize_t PreadFull(int fd, char* dst, size_t n, uint64_t offset);

// Reads n bytes at offset into dst, with as many pread(2)s as it takes
// (retrying EINTR). Returns how many it read: n, or fewer when the file ends
// first or a read fails. *error (if not null) is then that read's errno,
// else 0; the bytes before a failed read are in dst.
size_t PreadAll(int fd, char* dst, size_t n, uint64_t offset, int* error);

// Appends fd's bytes from its file offset to its end to *out (read(2),
// retrying EINTR). True at the end. False on a read error, with errno set and
// the bytes before it in *out; or, with errno EFBIG, as soon as *out holds
// more than max_bytes (so at most max_bytes plus one read chunk are held).
bool ReadToEnd(int fd, std::string* out, uint64_t max_bytes = UINT64_MAX);

// Opens `rel` (relative to dirfd) read-only, non-blocking and close-on-exec,
// but only if it is a regular file: never follows a symlink (not even a
// directory of the path replaced by one: openat2 RESOLVE_NO_SYMLINKS) and never opens
// a FIFO, socket or device. Opening a FIFO for reading, even with O_NONBLOCK,
// releases a writer blocked in open(2) into a pipe nobody reads, so the type
// is checked with fstatat first, and what opened is checked again (fstat:
// regular, the same inode). What is left: a FIFO swapped in between the two
// looks is opened (non-blocking) and closed at once. Closing that window
// exactly (an O_PATH descriptor reopened through /proc/self/fd) cost 2.3 us
// more per open, 20% of the CPU of a 50k-file build. Returns the descriptor,
// or -1 with errno set: ENOENT when `rel` is gone or is not a regular file (a
// symlink, a directory, a FIFO...) or was replaced meanwhile, else the
// open's own errno (EACCES, EMFILE...).
int OpenRegularAt(int dirfd, const char* rel);

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_FILE_IO_H_
