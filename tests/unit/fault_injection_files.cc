// FaultInjectionFiles (fault_injection_files.h).
#include "fault_injection_files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "index/unique_fd.h"
#include "temp_dir.h"

namespace logdex::testing {
namespace {

using recovery::Dir;
using recovery::PosixFiles;

std::string Parent(const std::string& rel) {
  const size_t slash = rel.rfind('/');
  return slash == std::string::npos ? "" : rel.substr(0, slash);
}

std::string Join(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

absl::Status Killed() { return absl::UnavailableError("the process is dead (injected fault)"); }
absl::Status IoError(const std::string& what) {
  return absl::DataLossError("injected I/O error at " + what);
}

bool WriteAllTo(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

FaultInjectionFiles::Inode FaultInjectionFiles::NewInode(bool dir, unsigned mode) {
  Inode inode;
  inode.dir = dir;
  inode.mode = mode;
  return inode;
}

std::string_view FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kNone: return "none";
    case FaultKind::kKillAfter: return "kill after";
    case FaultKind::kKillMid: return "kill inside";
    case FaultKind::kIoErrorAt: return "I/O error at";
    case FaultKind::kPowerCutAfter: return "power cut after";
    case FaultKind::kPowerCutMid: return "power cut inside";
  }
  return "?";
}

std::string ScratchParent() {
  if (::access("/dev/shm", W_OK | X_OK) == 0) return "/dev/shm";
  return std::filesystem::temp_directory_path().string();
}

TreeContents ReadTree(const std::string& root) {
  TreeContents tree;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string rel = std::filesystem::relative(it->path(), root).string();
    if (it->is_symlink()) {
      tree[rel] = "-> " + std::filesystem::read_symlink(it->path()).string();
    } else if (it->is_directory()) {
      tree[rel] = "/";
    } else {
      tree[rel] = ReadFile(it->path());
    }
  }
  return tree;
}

// A file made by Create: its calls are steps of the owner.
class FaultInjectionFiles::File final : public recovery::DurableFile {
 public:
  File(FaultInjectionFiles* owner, int ino, index::UniqueFd fd) : owner_(owner), ino_(ino), fd_(std::move(fd)) {}
  absl::Status Append(std::string_view bytes) override { return owner_->FileAppend(ino_, fd_.get(), bytes); }
  absl::Status Sync() override { return owner_->FileSync(ino_, fd_.get()); }
  absl::Status Close() override {
    absl::Status s = owner_->FileClose(fd_.get());
    if (s.ok()) fd_.Release();
    return s;
  }

 private:
  FaultInjectionFiles* const owner_;
  const int ino_;
  index::UniqueFd fd_;
};

FaultInjectionFiles::FaultInjectionFiles(std::string root, Fault fault)
    : root_(std::filesystem::canonical(root).string()), fault_(fault) {
  inodes_.push_back(NewInode(true, 0700));
  live_[""] = 0;
  std::map<std::pair<dev_t, ino_t>, int> seen;  // hard links: one inode
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string rel = std::filesystem::relative(it->path(), root_).string();
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
      misuse_.push_back("not a file or directory at the start: " + rel);
      continue;
    }
    auto [at, added] = seen.emplace(std::make_pair(st.st_dev, st.st_ino), static_cast<int>(inodes_.size()));
    if (added) {
      Inode inode = NewInode(S_ISDIR(st.st_mode), st.st_mode & 07777u);
      if (!inode.dir) inode.live = inode.durable = ReadFile(it->path());
      inodes_.push_back(std::move(inode));
    }
    live_[rel] = at->second;
  }
  durable_ = live_;
}

FaultInjectionFiles::~FaultInjectionFiles() = default;

absl::Status FaultInjectionFiles::Enter(const std::string& what, bool* mid) {
  step_ = static_cast<int>(steps_.size());
  steps_.push_back(std::to_string(step_) + " " + what);
  *mid = false;
  if (dead_) return Killed();
  if (fault_.step != step_) return absl::OkStatus();
  switch (fault_.kind) {
    case FaultKind::kKillMid:
    case FaultKind::kPowerCutMid:
      *mid = true;
      return absl::OkStatus();
    case FaultKind::kIoErrorAt:
      fault_happened_ = true;
      *mid = true;
      return IoError(what);
    default:
      return absl::OkStatus();
  }
}

void FaultInjectionFiles::Leave() {
  if (fault_.step == step_ &&
      (fault_.kind == FaultKind::kKillAfter || fault_.kind == FaultKind::kPowerCutAfter)) {
    Die();
  }
}

void FaultInjectionFiles::Die() {
  if (dead_) return;
  dead_ = true;
  fault_happened_ = true;
  at_death_ = ReadTree(root_);
}

std::optional<std::string> FaultInjectionFiles::Rel(int dir_fd, std::string_view name) {
  char link[PATH_MAX];
  const std::string proc = "/proc/self/fd/" + std::to_string(dir_fd);
  const ssize_t n = ::readlink(proc.c_str(), link, sizeof link - 1);
  if (n < 0) {
    misuse_.push_back("cannot resolve fd " + std::to_string(dir_fd));
    return std::nullopt;
  }
  const std::string path(link, static_cast<size_t>(n));
  std::string dir;
  if (path == root_) {
    dir = "";
  } else if (path.compare(0, root_.size() + 1, root_ + "/") == 0) {
    dir = path.substr(root_.size() + 1);
  } else {
    misuse_.push_back("a call outside the root: " + path + " " + std::string(name));
    return std::nullopt;
  }
  return name.empty() ? dir : Join(dir, name);
}

int FaultInjectionFiles::Lookup(const std::string& rel) {
  auto it = live_.find(rel);
  if (it != live_.end()) return it->second;
  misuse_.push_back("a path this object did not know: " + rel);
  return -1;
}

void FaultInjectionFiles::AddChange(Change change) { pending_.push_back(std::move(change)); }

absl::StatusOr<std::unique_ptr<recovery::DurableFile>> FaultInjectionFiles::Create(Dir dir,
                                                                                   std::string_view name,
                                                                                   unsigned mode) {
  const std::optional<std::string> rel = Rel(dir.fd, name);
  bool mid;
  if (absl::Status s = Enter("create " + rel.value_or("?"), &mid); !s.ok()) return s;
  if (mid) {  // atomic: not done
    Die();
    return Killed();
  }
  absl::Cleanup leave = [this] { Leave(); };  // also when the call fails
  const std::string n(name);
  index::UniqueFd fd(::openat(dir.fd, n.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd.valid()) return absl::ErrnoToStatus(errno, "cannot create " + recovery::ShownPath(dir, name));
  ::fchmod(fd.get(), mode);
  const int ino = static_cast<int>(inodes_.size());
  inodes_.push_back(NewInode(false, mode));
  if (rel) {
    live_[*rel] = ino;
    AddChange(Change{Parent(*rel), {{*rel, ino}}, "create " + *rel});
  }
  return std::unique_ptr<recovery::DurableFile>(new File(this, ino, std::move(fd)));
}

absl::Status FaultInjectionFiles::MakeDir(Dir parent, std::string_view name, unsigned mode) {
  const std::optional<std::string> rel = Rel(parent.fd, name);
  bool mid;
  if (absl::Status s = Enter("mkdir " + rel.value_or("?"), &mid); !s.ok()) return s;
  if (mid) {
    Die();
    return Killed();
  }
  absl::Cleanup leave = [this] { Leave(); };  // also when the call fails
  if (absl::Status s = PosixFiles().MakeDir(parent, name, mode); !s.ok()) return s;
  const int ino = static_cast<int>(inodes_.size());
  inodes_.push_back(NewInode(true, mode));
  if (rel) {
    live_[*rel] = ino;
    AddChange(Change{Parent(*rel), {{*rel, ino}}, "mkdir " + *rel});
  }
  return absl::OkStatus();
}

absl::Status FaultInjectionFiles::Rename(Dir from, std::string_view from_name, Dir to,
                                         std::string_view to_name) {
  const std::optional<std::string> a = Rel(from.fd, from_name), b = Rel(to.fd, to_name);
  bool mid;
  if (absl::Status s = Enter("rename " + a.value_or("?") + " to " + b.value_or("?"), &mid); !s.ok()) return s;
  if (mid) {
    Die();
    return Killed();
  }
  absl::Cleanup leave = [this] { Leave(); };  // also when the call fails
  if (absl::Status s = PosixFiles().Rename(from, from_name, to, to_name); !s.ok()) return s;
  if (a && b) {
    const int ino = Lookup(*a);
    auto old = live_.find(*b);
    if (ino >= 0 && inodes_[ino].dir) misuse_.push_back("a directory renamed: " + *a);
    if (ino >= 0 && (old == live_.end() || old->second != ino)) {  // same file: nothing changes
      live_.erase(*a);
      live_[*b] = ino;
      const std::string what = "rename " + *a + " to " + *b;
      if (Parent(*a) == Parent(*b)) {
        AddChange(Change{Parent(*a), {{*a, -1}, {*b, ino}}, what});
      } else {
        AddChange(Change{Parent(*a), {{*a, -1}}, what + " (old name)"});
        AddChange(Change{Parent(*b), {{*b, ino}}, what + " (new name)"});
      }
    }
  }
  return absl::OkStatus();
}

absl::Status FaultInjectionFiles::Link(Dir from, std::string_view from_name, Dir to, std::string_view to_name) {
  const std::optional<std::string> a = Rel(from.fd, from_name), b = Rel(to.fd, to_name);
  bool mid;
  if (absl::Status s = Enter("link " + a.value_or("?") + " as " + b.value_or("?"), &mid); !s.ok()) return s;
  if (mid) {
    Die();
    return Killed();
  }
  absl::Cleanup leave = [this] { Leave(); };  // also when the call fails
  if (absl::Status s = PosixFiles().Link(from, from_name, to, to_name); !s.ok()) return s;
  if (a && b) {
    const int ino = Lookup(*a);
    if (ino >= 0) {
      live_[*b] = ino;
      AddChange(Change{Parent(*b), {{*b, ino}}, "link " + *a + " as " + *b});
    }
  }
  return absl::OkStatus();
}

absl::Status FaultInjectionFiles::Unlink(Dir dir, std::string_view name) {
  const std::optional<std::string> rel = Rel(dir.fd, name);
  bool mid;
  if (absl::Status s = Enter("unlink " + rel.value_or("?"), &mid); !s.ok()) return s;
  if (mid) {
    Die();
    return Killed();
  }
  absl::Cleanup leave = [this] { Leave(); };  // also when the call fails
  if (absl::Status s = PosixFiles().Unlink(dir, name); !s.ok()) return s;
  if (rel && live_.erase(*rel) > 0) AddChange(Change{Parent(*rel), {{*rel, -1}}, "unlink " + *rel});
  return absl::OkStatus();
}

absl::Status FaultInjectionFiles::SyncDir(Dir dir) {
  const std::optional<std::string> rel = Rel(dir.fd, "");
  bool mid;
  if (absl::Status s = Enter("fsync dir " + (rel ? (rel->empty() ? "." : *rel) : "?"), &mid); !s.ok()) return s;
  // No real fsync: what is durable is this object's model (and a real one
  // costs the test seconds on a busy disk).
  if (rel) {
    // This directory's changes, in order; inside a power cut only the first
    // half of them.
    size_t mine = 0;
    for (const Change& c : pending_) mine += c.dir == *rel;
    const size_t commit = mid && fault_.kind == FaultKind::kPowerCutMid ? mine / 2 : mid ? 0 : mine;
    size_t done = 0;
    std::vector<Change> rest;
    for (Change& c : pending_) {
      if (c.dir == *rel && done < commit) {
        ++done;
        for (const auto& [path, ino] : c.entries) {
          if (ino < 0) {
            durable_.erase(path);
          } else {
            durable_[path] = ino;
          }
        }
      } else {
        rest.push_back(std::move(c));
      }
    }
    pending_ = std::move(rest);
  }
  if (mid) {
    Die();
    return Killed();
  }
  Leave();
  return absl::OkStatus();
}

absl::Status FaultInjectionFiles::FileAppend(int ino, int fd, std::string_view bytes) {
  bool mid;
  absl::Status entered = Enter("append " + std::to_string(bytes.size()) + " bytes", &mid);
  if (!entered.ok() && !mid) return entered;
  // Inside a fault: half the bytes reach the file.
  const std::string_view written = mid ? bytes.substr(0, bytes.size() / 2) : bytes;
  if (!WriteAllTo(fd, written)) return absl::ErrnoToStatus(errno, "cannot write");
  inodes_[ino].live.append(written);
  if (!entered.ok()) return entered;  // the injected I/O error
  if (mid) {
    Die();
    return Killed();
  }
  Leave();
  return absl::OkStatus();
}

absl::Status FaultInjectionFiles::FileSync(int ino, int fd) {
  bool mid;
  if (absl::Status s = Enter("fsync file", &mid); !s.ok()) return s;
  (void)fd;  // no real fsync, as in SyncDir
  Inode& inode = inodes_[ino];
  if (mid) {
    // Killed: nothing more is known to be durable. Power cut: the first half
    // of what was not yet durable made it.
    if (fault_.kind == FaultKind::kPowerCutMid) {
      inode.durable = inode.live.substr(0, (inode.durable.size() + inode.live.size()) / 2);
    }
    Die();
    return Killed();
  }
  inode.durable = inode.live;
  Leave();
  return absl::OkStatus();
}

absl::Status FaultInjectionFiles::FileClose(int fd) {
  bool mid;
  if (absl::Status s = Enter("close file", &mid); !s.ok()) return s;
  if (mid) {
    Die();
    return Killed();
  }
  absl::Cleanup leave = [this] { Leave(); };  // also when the call fails
  if (::close(fd) != 0) return absl::ErrnoToStatus(errno, "cannot close");
  return absl::OkStatus();
}

std::vector<std::string> FaultInjectionFiles::PendingDescriptions() const {
  std::vector<std::string> out;
  for (const Change& c : pending_) out.push_back(c.what);
  return out;
}

std::vector<uint64_t> FaultInjectionFiles::PowerCutMasks(size_t max_all) const {
  const size_t n = pending_.size();
  std::vector<uint64_t> masks;
  if (n <= max_all) {
    for (uint64_t m = 0; m < (uint64_t{1} << n); ++m) masks.push_back(m);
    return masks;
  }
  std::set<uint64_t> unique;
  for (size_t k = 0; k <= n && k < 64; ++k) unique.insert(k == 64 ? ~uint64_t{0} : (uint64_t{1} << k) - 1);
  for (size_t j = 0; j < n && j < 64; ++j) unique.insert(uint64_t{1} << j);
  return std::vector<uint64_t>(unique.begin(), unique.end());
}

void FaultInjectionFiles::PowerCut(uint64_t mask) {
  std::map<std::string, int> survives = durable_;
  for (size_t i = 0; i < pending_.size() && i < 64; ++i) {
    if ((mask >> i & 1) == 0) continue;
    for (const auto& [path, ino] : pending_[i].entries) {
      if (ino < 0) {
        survives.erase(path);
      } else {
        survives[path] = ino;
      }
    }
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root_)) std::filesystem::remove_all(e.path(), ec);
  std::set<std::string> present = {""};
  std::map<int, std::string> made;  // inode -> its first path
  for (const auto& [rel, ino] : survives) {  // a parent sorts before its children
    if (rel.empty() || present.count(Parent(rel)) == 0) continue;  // unreachable: dropped
    const std::string path = root_ + "/" + rel;
    const Inode& inode = inodes_[ino];
    if (inode.dir) {
      if (::mkdir(path.c_str(), inode.mode) != 0) misuse_.push_back("power cut: cannot mkdir " + rel);
      ::chmod(path.c_str(), inode.mode);
    } else if (auto first = made.find(ino); first != made.end()) {
      if (::link((root_ + "/" + first->second).c_str(), path.c_str()) != 0) {
        misuse_.push_back("power cut: cannot link " + rel);
      }
    } else {
      index::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
      if (!fd.valid() || !WriteAllTo(fd.get(), inode.durable)) misuse_.push_back("power cut: cannot write " + rel);
      ::fchmod(fd.get(), inode.mode);
      made[ino] = rel;
    }
    present.insert(rel);
  }
}

std::string FaultInjectionFiles::ScenarioName() const {
  std::string name = std::string(FaultKindName(fault_.kind)) + " step " + std::to_string(fault_.step);
  if (fault_.step >= 0 && fault_.step < static_cast<int>(steps_.size())) name += " (" + steps_[fault_.step] + ")";
  return name;
}

std::vector<std::string> FaultInjectionFiles::RunViolations(const std::string& scenario) const {
  std::vector<std::string> violations;
  for (const std::string& m : misuse_) violations.push_back(scenario + ": misuse: " + m);
  if (fault_.kind != FaultKind::kNone && !fault_happened_) violations.push_back(scenario + ": no fault");
  if (std::string d = UnchangedSinceDeath(); !d.empty()) {
    violations.push_back(scenario + ": changed after the fault: " + d);
  }
  return violations;
}

std::string FaultInjectionFiles::UnchangedSinceDeath() const {
  if (!dead_) return "";
  const TreeContents now = ReadTree(root_);
  std::string diff;
  for (const auto& [rel, bytes] : now) {
    auto it = at_death_.find(rel);
    if (it == at_death_.end()) diff += "added " + rel + "; ";
    else if (it->second != bytes) diff += "changed " + rel + "; ";
  }
  for (const auto& [rel, bytes] : at_death_) {
    if (now.count(rel) == 0) diff += "removed " + rel + "; ";
  }
  return diff;
}

std::vector<std::string> SweepFaults(const FaultRun& run, const std::vector<FaultKind>& kinds, size_t* steps) {
  *steps = 0;
  std::vector<std::string> violations = run(Fault{}, steps);
  for (int step = 0; step < static_cast<int>(*steps); ++step) {
    for (FaultKind kind : kinds) {
      std::vector<std::string> v = run(Fault{kind, step}, nullptr);
      violations.insert(violations.end(), v.begin(), v.end());
    }
  }
  return violations;
}

std::string ViolationLines(const std::vector<std::string>& violations, size_t max) {
  std::string out;
  for (size_t i = 0; i < violations.size() && i < max; ++i) out += violations[i] + "\n";
  if (violations.size() > max) out += "... " + std::to_string(violations.size() - max) + " more\n";
  return out;
}

}  // namespace logdex::testing
