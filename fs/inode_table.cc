#include "fs/inode_table.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <limits>
#include <vector>

#include "absl/strings/str_format.h"
#include "fs/errno_status.h"

namespace logdex::fs {

InodeTable::InodeTable(UniqueFd root_fd, const struct stat& root_st, size_t fd_cache_capacity)
    : capacity_(fd_cache_capacity < 1 ? 1 : fd_cache_capacity) {
  auto root = std::make_unique<Node>();
  root->id = kRootId;
  root->dev = root_st.st_dev;
  root->ino = root_st.st_ino;
  root->type = root_st.st_mode & S_IFMT;
  // The kernel never forgets the root; the count only has to stay above zero.
  root->nlookup = std::numeric_limits<uint64_t>::max() / 2;
  root->fd = std::make_shared<const UniqueFd>(std::move(root_fd));  // pinned, not in lru_
  absl::MutexLock lock(&mu_);
  by_key_[{root->dev, root->ino}] = kRootId;
  nodes_[kRootId] = std::move(root);
}

InodeTable::Node* InodeTable::Find(NodeId id) {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.get();
}

void InodeTable::Touch(Node& node) {
  if (node.id == kRootId || node.fd == nullptr) return;
  lru_.splice(lru_.begin(), lru_, node.lru);
}

void InodeTable::Cache(Node& node, std::shared_ptr<const UniqueFd> fd) {
  if (node.id == kRootId) return;
  if (node.fd != nullptr) {  // another request cached one meanwhile: keep it
    Touch(node);
    return;
  }
  node.fd = std::move(fd);
  lru_.push_front(node.id);
  node.lru = lru_.begin();
  while (lru_.size() > capacity_) {
    Node* victim = Find(lru_.back());
    if (victim == nullptr) {  // cannot happen: dropped nodes leave the list
      lru_.pop_back();
      continue;
    }
    Uncache(*victim);  // requests still using it keep it open
  }
}

void InodeTable::Uncache(Node& node) {
  if (node.id == kRootId || node.fd == nullptr) return;
  lru_.erase(node.lru);
  node.fd.reset();
}

void InodeTable::SetParent(Node& node, NodeId parent, std::string_view name) {
  if (node.id == kRootId) return;
  if (node.parent != parent) {
    // The new parent first: the old one may go with its last child.
    if (Node* p = Find(parent)) ++p->children;
    const NodeId old = node.parent;
    node.parent = parent;
    if (Node* o = Find(old); o != nullptr && o->children > 0) {
      --o->children;
      if (o->children == 0 && o->nlookup == 0) MaybeDrop(old);
    }
  }
  node.name.assign(name.data(), name.size());
}

absl::StatusOr<NodeFd> InodeTable::Open(NodeId id) {
  struct Step {
    NodeId id;
    std::string name;
    dev_t dev;
    ino_t ino;
  };
  std::vector<Step> steps;  // from the node up to (not including) the ancestor with a descriptor
  std::shared_ptr<const UniqueFd> fd;
  ino_t ino = 0;
  mode_t type = 0;
  {
    absl::MutexLock lock(&mu_);
    Node* node = Find(id);
    if (node == nullptr || !IsBacking(id)) {
      return absl::NotFoundError(absl::StrFormat("no backing node %d", id));
    }
    ino = node->ino;
    type = node->type;
    for (Node* n = node;;) {
      if (n->fd != nullptr) {
        Touch(*n);
        fd = n->fd;
        break;
      }
      if (auto open = n->open_file.lock()) {
        fd = std::move(open);
        break;
      }
      steps.push_back(Step{n->id, n->name, n->dev, n->ino});
      n = Find(n->parent);
      if (n == nullptr) {  // cannot happen: children keep their parents known
        ++stale_;
        return PosixError(ESTALE, "node has no known parent");
      }
    }
    if (!steps.empty()) ++walks_;
  }
  // Down the names, each checked against the identity recorded for it.
  for (auto step = steps.rbegin(); step != steps.rend(); ++step) {
    const int dir = fd->get();
    const std::string& name = step->name;
    UniqueFd next = OpenRetrying(
        [dir, &name] { return ::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC); });
    struct stat st;
    const bool found = next.valid() &&
                       ::fstatat(next.get(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0;
    if (!found || st.st_dev != step->dev || st.st_ino != step->ino) {
      const int err = next.valid() || !index::IsExhaustion(errno) ? ESTALE : errno;
      absl::MutexLock lock(&mu_);
      ++stale_;
      return PosixError(err, absl::StrFormat("node %d is no longer '%s' in its directory",
                                             step->id, name));
    }
    fd = std::make_shared<const UniqueFd>(std::move(next));
    absl::MutexLock lock(&mu_);
    if (Node* n = Find(step->id)) Cache(*n, fd);
  }
  return NodeFd(std::move(fd), id, ino, type);
}

NodeId InodeTable::Remember(NodeId parent, std::string_view name, UniqueFd fd,
                            const struct stat& st) {
  auto shared = std::make_shared<const UniqueFd>(std::move(fd));
  absl::MutexLock lock(&mu_);
  const Key key{st.st_dev, st.st_ino};
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    Node& node = *nodes_[it->second];
    ++node.nlookup;
    SetParent(node, parent, name);
    Cache(node, std::move(shared));
    return node.id;
  }
  auto node = std::make_unique<Node>();
  node->id = next_id_++;
  node->dev = st.st_dev;
  node->ino = st.st_ino;
  node->type = st.st_mode & S_IFMT;
  node->nlookup = 1;
  Node& ref = *node;
  nodes_[ref.id] = std::move(node);
  by_key_[key] = ref.id;
  SetParent(ref, parent, name);
  Cache(ref, std::move(shared));
  return ref.id;
}

void InodeTable::NoteOpenFile(NodeId id, const std::shared_ptr<const UniqueFd>& fd) {
  absl::MutexLock lock(&mu_);
  if (Node* node = Find(id)) node->open_file = fd;
}

void InodeTable::Moved(dev_t dev, ino_t ino, NodeId parent, std::string_view name) {
  absl::MutexLock lock(&mu_);
  auto it = by_key_.find(Key{dev, ino});
  if (it == by_key_.end() || Find(parent) == nullptr) return;
  SetParent(*nodes_[it->second], parent, name);
}

std::optional<std::string> InodeTable::PathOf(NodeId id) const {
  absl::MutexLock lock(&mu_);
  std::vector<const std::string*> names;
  for (NodeId at = id; at != kRootId;) {
    auto it = nodes_.find(at);
    if (it == nodes_.end()) return std::nullopt;
    names.push_back(&it->second->name);
    at = it->second->parent;
  }
  std::string path;
  for (auto n = names.rbegin(); n != names.rend(); ++n) {
    if (!path.empty()) path.push_back('/');
    path += **n;
  }
  return path;
}

void InodeTable::Forget(NodeId id, uint64_t nlookup) {
  if (!IsBacking(id) || id == kRootId) return;
  absl::MutexLock lock(&mu_);
  Node* node = Find(id);
  if (node == nullptr) return;
  node->nlookup = node->nlookup > nlookup ? node->nlookup - nlookup : 0;
  if (node->nlookup == 0 && node->children == 0) MaybeDrop(id);
}

void InodeTable::MaybeDrop(NodeId id) {
  while (id != kRootId) {
    Node* node = Find(id);
    if (node == nullptr || node->nlookup > 0 || node->children > 0) return;
    const NodeId parent = node->parent;
    Uncache(*node);
    by_key_.erase(Key{node->dev, node->ino});
    nodes_.erase(id);  // a request still holding its descriptor keeps it open
    Node* p = Find(parent);
    if (p == nullptr || p->children == 0) return;
    --p->children;
    id = parent;
  }
}

void InodeTable::DropCachedFds() {
  absl::MutexLock lock(&mu_);
  while (!lru_.empty()) {
    Node* node = Find(lru_.back());
    if (node == nullptr) {
      lru_.pop_back();
      continue;
    }
    Uncache(*node);
  }
}

UniqueFd InodeTable::OpenRetrying(const std::function<int()>& open_fn) {
  UniqueFd fd(open_fn());
  if (fd.valid() || !index::IsExhaustion(errno)) return fd;
  exhaustion_.Note();
  DropCachedFds();
  fd.Reset(open_fn());
  return fd;
}

InodeTable::Counts InodeTable::counts() const {
  absl::MutexLock lock(&mu_);
  return Counts{nodes_.size(), lru_.size(), capacity_, walks_, stale_};
}

}  // namespace logdex::fs
