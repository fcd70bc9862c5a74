// A seam for tests: a callback run at fixed points of a walk and of a file
// scan, so a test can change the tree at exactly that moment (shrink, grow,
// remove or replace a file, remove a directory) and check what the index
// makes of it. Races that need luck in a real system happen every time here.
//
// No hook is installed outside tests; then each point costs one relaxed
// atomic load. A hook runs on whatever thread reaches the point (a scanning
// worker, the refreshing thread) and must be thread-safe if scans run in
// parallel.
#ifndef LOGDEX_INDEX_SCAN_HOOKS_H_
#define LOGDEX_INDEX_SCAN_HOOKS_H_

#include <atomic>
#include <functional>
#include <string_view>

namespace logdex::index {

enum class ScanPoint {
  // log_tree.cc: a directory's entries were all read (rel: the directory,
  // "" for the log dir); its subdirectories are opened after this.
  kDirListed,
  // log_tree.cc: a whole walk is done (rel: the subtree walked); the files it
  // lists are opened after this.
  kTreeListed,
  // file_scan.cc: a log file was opened as a regular file (rel: the file), no
  // byte read yet.
  kFileOpened,
  // file_scan.cc: a read of the file returned (rel: the file).
  kReadReturned,
};

using ScanHook = std::function<void(ScanPoint point, std::string_view rel)>;

namespace scan_hooks_internal {
inline std::atomic<const ScanHook*> hook{nullptr};
}  // namespace scan_hooks_internal

// Installs `hook` (null: none) for the scans that start afterwards. The
// caller keeps it alive until it is uninstalled.
inline void SetScanHookForTest(const ScanHook* hook) {
  scan_hooks_internal::hook.store(hook, std::memory_order_release);
}

inline bool ScanHookInstalled() {
  return scan_hooks_internal::hook.load(std::memory_order_relaxed) != nullptr;
}

inline void RunScanHook(ScanPoint point, std::string_view rel) {
  if (const ScanHook* h = scan_hooks_internal::hook.load(std::memory_order_acquire)) (*h)(point, rel);
}

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_SCAN_HOOKS_H_
