#include "fs/inode_table.h"

#include <limits>

namespace logdex::fs {

InodeTable::InodeTable(UniqueFd root_fd, const struct stat& root_st) {
  auto root = std::make_shared<Inode>();
  root->id = kRootId;
  root->fd = std::move(root_fd);
  root->dev = root_st.st_dev;
  root->ino = root_st.st_ino;
  root->type = root_st.st_mode & S_IFMT;
  absl::MutexLock lock(&mu_);
  by_key_[{root->dev, root->ino}] = kRootId;
  // The kernel never forgets the root; the count only has to stay above zero.
  by_id_[kRootId] = Entry{std::move(root), std::numeric_limits<uint64_t>::max() / 2};
}

std::shared_ptr<const Inode> InodeTable::Get(NodeId id) const {
  absl::MutexLock lock(&mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return nullptr;
  return it->second.inode;
}

NodeId InodeTable::Remember(UniqueFd fd, const struct stat& st) {
  absl::MutexLock lock(&mu_);
  Key key{st.st_dev, st.st_ino};
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    ++by_id_[it->second].nlookup;
    return it->second;  // `fd` closes on return; the node keeps its own
  }
  auto inode = std::make_shared<Inode>();
  inode->id = next_id_++;
  inode->fd = std::move(fd);
  inode->dev = st.st_dev;
  inode->ino = st.st_ino;
  inode->type = st.st_mode & S_IFMT;
  NodeId id = inode->id;
  by_key_[key] = id;
  by_id_[id] = Entry{std::move(inode), 1};
  return id;
}

void InodeTable::Forget(NodeId id, uint64_t nlookup) {
  if (id == kRootId || IsVirtual(id)) return;
  absl::MutexLock lock(&mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  Entry& e = it->second;
  if (e.nlookup > nlookup) {
    e.nlookup -= nlookup;
    return;
  }
  by_key_.erase(Key{e.inode->dev, e.inode->ino});
  by_id_.erase(it);  // the fd closes when the last request using it is done
}

size_t InodeTable::size() const {
  absl::MutexLock lock(&mu_);
  return by_id_.size();
}

}  // namespace logdex::fs
