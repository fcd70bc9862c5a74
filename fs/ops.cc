// The FUSE low-level ops table and its thin handlers.
//
// Each handler finds the filesystem with fuse_req_userdata, calls one DoX()
// and replies exactly once: with the result, or with StatusToErrno() of the
// error. Operations not listed get ENOSYS from libfuse (getxattr, listxattr,
// fsyncdir, locks: the kernel then handles or skips them itself).
#include "fs/ops.h"

#include <cerrno>
#include <memory>

#include "fs/errno_status.h"
#include "fs/logdex_fs.h"
#include "fs/request_metrics.h"
#include "fs/sanitizer_report.h"

namespace logdex::fs {
namespace {

LogdexFs& Fs(fuse_req_t req) { return *static_cast<LogdexFs*>(fuse_req_userdata(req)); }

// Who made `req`, for the handlers whose backing syscalls run as the caller.
RequestCaller Who(fuse_req_t req) { return RequestCaller(req, Fs(req).can_switch_credentials()); }

RequestMetrics& MetricsOf(fuse_req_t req) { return Fs(req).request_metrics(); }

void ReplyStatus(fuse_req_t req, const absl::Status& status) {
  const int err = StatusToErrno(status);
  RequestScope::NoteReply(err);
  fuse_reply_err(req, err);
}

FileHandle* FileOf(const fuse_file_info* fi) { return reinterpret_cast<FileHandle*>(fi->fh); }
DirHandle* DirOf(const fuse_file_info* fi) { return reinterpret_cast<DirHandle*>(fi->fh); }

// Entry replies count as lookups; one the kernel never got is forgotten.
void ReplyEntry(fuse_req_t req, const absl::StatusOr<fuse_entry_param>& e) {
  if (!e.ok()) return ReplyStatus(req, e.status());
  if (fuse_reply_entry(req, &*e) != 0) Fs(req).DoForget(e->ino, 1);
}

void Init(void* /*userdata*/, fuse_conn_info* conn) {
  // Writes go through at once, so sizes seen through the mount and in the
  // log dir agree and O_APPEND writes append where the log dir's end is.
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  // Page cache rules (derived_files.h, page_cache_stamps.h): a size change
  // the kernel learns from a reply drops all of a file's pages (the partial
  // last page may be stale, and only a store can tell it which bytes are
  // new), so no explicit invalidation mode; and no attribute request before
  // every read (auto_inval_data): reads within the cached size need none,
  // reads past it ask anyway, and a backing file's pages are checked at
  // open.
  conn->want &= ~(FUSE_CAP_EXPLICIT_INVAL_DATA | FUSE_CAP_AUTO_INVAL_DATA);
  // TSan builds reply by writev only: TSan orders a reply before the next
  // request only through the /dev/fuse calls it intercepts (writev, read),
  // not splice, and without that edge a read reply's pread of a backing file
  // and the close of a later release on another thread (ordered by the
  // kernel) look like a race on the descriptor.
  if (!kThreadSanitizerBuild) conn->want |= conn->capable & (FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
}

void Lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  ReplyEntry(req, Fs(req).DoLookup(Who(req), parent, name));
}

void Forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  Fs(req).DoForget(ino, nlookup);
  fuse_reply_none(req);
}

void Getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  absl::StatusOr<struct stat> st = Fs(req).DoGetattr(ino, fi != nullptr ? FileOf(fi) : nullptr);
  if (!st.ok()) return ReplyStatus(req, st.status());
  // Maybe later, from the notifier thread (LogdexFs::ReplyInOrder): the
  // reply function holds nothing of this frame but copies.
  const struct stat attr = *st;
  Fs(req).ReplyInOrder(ino, static_cast<uint64_t>(attr.st_size),
                       [req, attr] { fuse_reply_attr(req, &attr, kAttrTimeout); });
}

void Setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
  absl::StatusOr<struct stat> st =
      Fs(req).DoSetattr(Who(req), ino, *attr, to_set, fi != nullptr ? FileOf(fi) : nullptr);
  if (!st.ok()) return ReplyStatus(req, st.status());
  fuse_reply_attr(req, &*st, kAttrTimeout);
}

void Readlink(fuse_req_t req, fuse_ino_t ino) {
  absl::StatusOr<std::string> target = Fs(req).DoReadlink(ino);
  if (!target.ok()) return ReplyStatus(req, target.status());
  fuse_reply_readlink(req, target->c_str());
}

void Mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  ReplyEntry(req, Fs(req).DoMknod(Who(req), parent, name, mode, rdev));
}

void Mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  ReplyEntry(req, Fs(req).DoMkdir(Who(req), parent, name, mode));
}

void Unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  ReplyStatus(req, Fs(req).DoUnlink(Who(req), parent, name));
}

void Rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  ReplyStatus(req, Fs(req).DoRmdir(Who(req), parent, name));
}

void Symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  ReplyEntry(req, Fs(req).DoSymlink(Who(req), link, parent, name));
}

void Rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
            const char* newname, unsigned int flags) {
  ReplyStatus(req, Fs(req).DoRename(Who(req), parent, name, newparent, newname, flags));
}

void Link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname) {
  ReplyEntry(req, Fs(req).DoLink(Who(req), ino, newparent, newname));
}

void Open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  absl::StatusOr<OpenResult> r = Fs(req).DoOpen(Who(req), ino, fi->flags);
  if (!r.ok()) return ReplyStatus(req, r.status());
  fi->keep_cache = r->keep_cache;
  fi->direct_io = r->direct_io;
  fi->fh = reinterpret_cast<uint64_t>(r->handle.release());
  // If the reply cannot be sent (request interrupted), no release will come.
  if (fuse_reply_open(req, fi) != 0) delete FileOf(fi);
}

void Read(fuse_req_t req, fuse_ino_t /*ino*/, size_t size, off_t off, fuse_file_info* fi) {
  if (const int fd = FileOf(fi)->splice_fd(); fd >= 0 && off >= 0) {
    // A backing file: the kernel pipes its pages to /dev/fuse (splice) when
    // the connection allows, else libfuse reads them into a buffer. Measured
    // on 128-512 KiB reads (what readahead asks): half the daemon's CPU. A
    // failed read is answered with its errno by libfuse itself, so it does
    // not reach RequestScope::NoteReply (no EIO entry in status for it).
    fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
    buf.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK |
                                                   FUSE_BUF_FD_RETRY);
    buf.buf[0].fd = fd;
    buf.buf[0].pos = off;
    (void)fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
    return;
  }
  absl::StatusOr<std::string> data =
      Fs(req).DoRead(*FileOf(fi), off < 0 ? 0 : static_cast<uint64_t>(off), size);
  if (!data.ok()) return ReplyStatus(req, data.status());
  fuse_reply_buf(req, data->data(), data->size());
}

void Write(fuse_req_t req, fuse_ino_t /*ino*/, const char* buf, size_t size, off_t off,
           fuse_file_info* fi) {
  absl::StatusOr<size_t> n = Fs(req).DoWrite(Who(req), *FileOf(fi), absl::string_view(buf, size),
                                             off < 0 ? 0 : static_cast<uint64_t>(off));
  if (!n.ok()) return ReplyStatus(req, n.status());
  fuse_reply_write(req, *n);
}

void Flush(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* fi) {
  ReplyStatus(req, Fs(req).DoFlush(*FileOf(fi)));
}

void Release(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* fi) {
  delete FileOf(fi);
  fuse_reply_err(req, 0);
}

void Fsync(fuse_req_t req, fuse_ino_t /*ino*/, int datasync, fuse_file_info* fi) {
  ReplyStatus(req, Fs(req).DoFsync(*FileOf(fi), datasync != 0));
}

void Opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  absl::StatusOr<std::unique_ptr<DirHandle>> dir = Fs(req).DoOpendir(Who(req), ino);
  if (!dir.ok()) return ReplyStatus(req, dir.status());
  fi->fh = reinterpret_cast<uint64_t>(dir->release());
  if (fuse_reply_open(req, fi) != 0) delete DirOf(fi);
}

void Readdir(fuse_req_t req, fuse_ino_t /*ino*/, size_t size, off_t off, fuse_file_info* fi) {
  std::string buf = Fs(req).DoReaddir(req, *DirOf(fi), size, off);
  fuse_reply_buf(req, buf.data(), buf.size());
}

void Releasedir(fuse_req_t req, fuse_ino_t /*ino*/, fuse_file_info* fi) {
  delete DirOf(fi);
  fuse_reply_err(req, 0);
}

void Statfs(fuse_req_t req, fuse_ino_t ino) {
  absl::StatusOr<struct statvfs> sv = Fs(req).DoStatfs(ino);
  if (!sv.ok()) return ReplyStatus(req, sv.status());
  fuse_reply_statfs(req, &*sv);
}

void Setxattr(fuse_req_t req, fuse_ino_t ino, const char* /*name*/, const char* /*value*/,
              size_t /*size*/, int /*flags*/) {
  ReplyStatus(req, Fs(req).DoChangeXattr(ino));
}

void Removexattr(fuse_req_t req, fuse_ino_t ino, const char* /*name*/) {
  ReplyStatus(req, Fs(req).DoChangeXattr(ino));
}

void Access(fuse_req_t req, fuse_ino_t ino, int mask) {
  ReplyStatus(req, Fs(req).DoAccess(Who(req), ino, mask));
}

void Create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
            fuse_file_info* fi) {
  absl::StatusOr<CreateResult> r = Fs(req).DoCreate(Who(req), parent, name, mode, fi->flags);
  if (!r.ok()) return ReplyStatus(req, r.status());
  fi->keep_cache = r->open.keep_cache;
  fi->direct_io = r->open.direct_io;
  fi->fh = reinterpret_cast<uint64_t>(r->open.handle.release());
  if (fuse_reply_create(req, &r->entry, fi) != 0) {
    delete FileOf(fi);
    Fs(req).DoForget(r->entry.ino, 1);
  }
}

void ForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  for (size_t i = 0; i < count; ++i) Fs(req).DoForget(forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

// Designated initializers in fuse_lowlevel.h (3.14) declaration order.
constexpr fuse_lowlevel_ops kHandlers = {
    .init = Init,
    .lookup = Lookup,
    .forget = Forget,
    .getattr = Getattr,
    .setattr = Setattr,
    .readlink = Readlink,
    .mknod = Mknod,
    .mkdir = Mkdir,
    .unlink = Unlink,
    .rmdir = Rmdir,
    .symlink = Symlink,
    .rename = Rename,
    .link = Link,
    .open = Open,
    .read = Read,
    .write = Write,
    .flush = Flush,
    .release = Release,
    .fsync = Fsync,
    .opendir = Opendir,
    .readdir = Readdir,
    .releasedir = Releasedir,
    .statfs = Statfs,
    .setxattr = Setxattr,
    .removexattr = Removexattr,
    .access = Access,
    .create = Create,
    .forget_multi = ForgetMulti,
};

}  // namespace

// Every request timed and counted (request_metrics.h).
const fuse_lowlevel_ops kLogdexOps = WithRequestMetrics<kHandlers, MetricsOf>();
const fuse_lowlevel_ops kLogdexOpsUntimed = kHandlers;

}  // namespace logdex::fs
