#include "fs/caller_credentials.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"
#include "fs/errno_status.h"
#include "fs/unique_fd.h"
#include "index/file_io.h"

namespace logdex::fs {
namespace {

// The daemon's own credentials, restored after every switch: root's uid 0
// and the groups it had at start (read once, before any thread switches).
struct DaemonCredentials {
  gid_t gid;
  std::vector<gid_t> groups;
};

const DaemonCredentials& Daemon() {
  static const DaemonCredentials* const daemon = [] {
    auto* d = new DaemonCredentials{::getegid(), {}};
    const int n = ::getgroups(0, nullptr);
    if (n > 0) {
      d->groups.resize(static_cast<size_t>(n));
      const int got = ::getgroups(n, d->groups.data());
      d->groups.resize(got > 0 ? static_cast<size_t>(got) : 0);
    }
    return d;
  }();
  return *daemon;
}

// Raw system calls: per thread (see the header).
int SetThreadGroups(const std::vector<gid_t>& groups) {
  return static_cast<int>(::syscall(SYS_setgroups, groups.size(), groups.data()));
}
void SetThreadFsuid(uid_t uid) { ::syscall(SYS_setfsuid, uid); }
void SetThreadFsgid(gid_t gid) { ::syscall(SYS_setfsgid, gid); }
// setfsuid/setfsgid report no errors; asking with an invalid id returns the
// current one without changing it.
uid_t ThreadFsuid() { return static_cast<uid_t>(::syscall(SYS_setfsuid, static_cast<uid_t>(-1))); }
gid_t ThreadFsgid() { return static_cast<gid_t>(::syscall(SYS_setfsgid, static_cast<gid_t>(-1))); }

// The groups of process (thread) `pid` from its /proc status; no groups
// when it cannot be read or parsed. A status is about 1.5 KiB; 65536 groups
// (NGROUPS_MAX) take at most 720 KiB.
std::vector<gid_t> ProcGroups(pid_t pid) {
  constexpr uint64_t kMaxStatusBytes = uint64_t{1} << 20;
  const std::string path = absl::StrFormat("/proc/%d/task/%d/status", pid, pid);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return {};
  std::string status;
  if (!index::ReadToEnd(fd.get(), &status, kMaxStatusBytes)) return {};
  return GroupsFromProcStatus(status).value_or(std::vector<gid_t>{});
}

}  // namespace

std::optional<std::vector<gid_t>> GroupsFromProcStatus(std::string_view status) {
  constexpr std::string_view kKey = "Groups:";
  size_t at = status.starts_with(kKey) ? 0 : status.find("\nGroups:");
  if (at == std::string_view::npos) return std::nullopt;
  if (at != 0) ++at;  // past the newline
  std::string_view line = status.substr(at + kKey.size());
  line = line.substr(0, line.find('\n'));
  std::vector<gid_t> groups;
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ' || line[i] == '\t') {
      ++i;
      continue;
    }
    uint64_t id = 0;
    const size_t start = i;
    while (i < line.size() && line[i] >= '0' && line[i] <= '9') {
      id = id * 10 + static_cast<uint64_t>(line[i] - '0');
      if (id >= UINT32_MAX) return std::nullopt;  // (gid_t)-1 is no group
      ++i;
    }
    if (i == start) return std::nullopt;  // not a digit
    groups.push_back(static_cast<gid_t>(id));
  }
  return groups;
}

bool DaemonCanSwitchCredentials() {
  if (::geteuid() != 0) return false;
  (void)Daemon();  // read the daemon's groups now, while no thread has switched
  return true;
}

Caller CallerOf(fuse_req_t req, bool can_switch) {
  Caller c;
  if (!can_switch) return c;
  const fuse_ctx* ctx = fuse_req_ctx(req);
  c.uid = ctx->uid;
  c.gid = ctx->gid;
  if (c.uid == 0) {
    // Root's capabilities decide its permissions whatever its groups; its
    // gid still decides the group of what it creates.
    c.switch_to = c.gid != Daemon().gid;
    return c;
  }
  c.switch_to = true;
  c.set_groups = true;
  // Unknown (the process is gone, or no /proc, or a malformed line): no
  // supplementary groups, which can only deny, never grant, more than the
  // caller has.
  c.groups = ProcGroups(ctx->pid);
  return c;
}

AsCaller::AsCaller(const Caller& caller) {
  if (!caller.switch_to) return;
  if (caller.set_groups) {
    if (SetThreadGroups(caller.groups) != 0) {
      status_ = PosixError(errno, "setgroups");
      return;
    }
    groups_switched_ = true;
  }
  switched_ = true;  // from here on the destructor restores everything
  SetThreadFsgid(caller.gid);
  SetThreadFsuid(caller.uid);
  if (ThreadFsgid() != caller.gid || ThreadFsuid() != caller.uid) {
    status_ = PosixError(EPERM, "cannot take the caller's fsuid/fsgid");
  }
}

AsCaller::~AsCaller() {
  if (!switched_ && !groups_switched_) return;
  // fsuid back to 0 first: that restores the capabilities the switch dropped.
  SetThreadFsuid(0);
  SetThreadFsgid(Daemon().gid);
  if (groups_switched_) (void)SetThreadGroups(Daemon().groups);
}

}  // namespace logdex::fs
