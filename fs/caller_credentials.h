// Running a request's backing syscalls as the user who made the request
// (SPEC §5, other users).
//
// A daemon running as root serves everyone the mount lets in (allow_other);
// without this, what user 65534 creates would be owned by root and every
// permission check would be root's. So around each syscall that creates,
// changes or opens something in the log dir, the worker thread takes the
// caller's fsuid, fsgid and supplementary groups (from fuse_req_ctx and the
// caller's /proc status), and gives them back afterwards. Ownership of what is
// created, and every permission decision (mode bits, groups, sticky
// directories, ACLs), are then the log dir's own file system's.
//
// Per thread: the raw setfsuid/setfsgid/setgroups system calls change only
// the calling thread's credentials (glibc's setgroups() would change every
// thread's, through a signal to each), so concurrent requests of different
// users never share them, and the daemon's own threads (index refresher,
// cache saver) stay root. Switching fsuid away from 0 also drops the
// capabilities that bypass file permission checks (CAP_DAC_OVERRIDE,
// CAP_FOWNER, ...) from the thread's effective set; switching back restores
// them.
//
// A daemon that is not root keeps its own credentials: it can act only as
// itself, and the kernel (allow_other needs user_allow_other in
// /etc/fuse.conf then) lets others in under the daemon's rights.
#ifndef LOGDEX_FS_CALLER_CREDENTIALS_H_
#define LOGDEX_FS_CALLER_CREDENTIALS_H_

#include <fuse_lowlevel.h>
#include <sys/types.h>

#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace logdex::fs {

// Who made a request. switch_to is false when nothing needs switching (the
// daemon is not root, or the caller is the daemon's own user and groups).
struct Caller {
  bool switch_to = false;
  uid_t uid = 0;
  gid_t gid = 0;
  bool set_groups = false;  // else the daemon's groups are kept (a root caller)
  std::vector<gid_t> groups;
};

// Whether this process can take other users' credentials (effective uid 0).
bool DaemonCanSwitchCredentials();

// The caller of `req`. `can_switch`: DaemonCanSwitchCredentials() at start.
Caller CallerOf(fuse_req_t req, bool can_switch);

// The supplementary groups on the "Groups:" line of a /proc/PID/status text
// (`status` is read by length: it needs no NUL). Nullopt when there is no
// such line, or it holds anything but decimal ids below 2^32-1 separated by
// blanks. (libfuse 3.14's fuse_req_getgroups, which this replaces, scans its
// unterminated read buffer with strstr, past its end: AddressSanitizer
// reports it on every request of a non-root caller.)
std::optional<std::vector<gid_t>> GroupsFromProcStatus(std::string_view status);

// The caller of one request, worked out on first use (reading the caller's
// groups costs a read of /proc; requests that touch only virtual nodes never
// need them).
class RequestCaller {
 public:
  RequestCaller(fuse_req_t req, bool can_switch) : req_(req), can_switch_(can_switch) {}
  const Caller& Get() const {
    if (!done_) {
      caller_ = CallerOf(req_, can_switch_);
      done_ = true;
    }
    return caller_;
  }

 private:
  const fuse_req_t req_;
  const bool can_switch_;
  mutable bool done_ = false;  // one request, one thread: no lock needed
  mutable Caller caller_;
};

// Takes the caller's credentials on this thread for its lifetime.
class AsCaller {
 public:
  explicit AsCaller(const Caller& caller);
  ~AsCaller();
  AsCaller(const AsCaller&) = delete;
  AsCaller& operator=(const AsCaller&) = delete;

  // Not OK if the switch failed (nothing then runs as the caller; the
  // request must fail with this).
  const absl::Status& status() const { return status_; }

 private:
  bool switched_ = false;
  bool groups_switched_ = false;
  absl::Status status_;
};

}  // namespace logdex::fs

#endif  // LOGDEX_FS_CALLER_CREDENTIALS_H_
