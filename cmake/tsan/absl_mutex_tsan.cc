// ThreadSanitizer builds only (-DLOGDEX_TSAN=ON; cmake/tsan/TsanAbseil.cmake
// compiles this into every executable): makes absl::Mutex visible to TSan.
//
// Why: abseil annotates its Mutex for TSan (ABSL_TSAN_MUTEX_PRE_LOCK, ... in
// absl/synchronization/mutex.cc), but only when abseil itself is compiled
// with -fsanitize=thread. Debian's libabsl_synchronization.so is not, so its
// Lock/Unlock are plain uninstrumented code: TSan sees no happens-before edge
// between an Unlock and the next Lock, and every ABSL_GUARDED_BY field
// touched by two threads would look like a race. Suppressing those reports
// would hide real races too; instead this file tells TSan what each Mutex
// operation does, with TSan's annotation interface for custom mutexes
// (sanitizer/tsan_interface.h), exactly as abseil does when built with TSan.
//
// How: this file defines the public Mutex and CondVar member functions
// that libabsl_synchronization.so exports. The executable's definitions come
// first in symbol lookup, so every call (ours, and the library's own calls,
// which go through its PLT: Notification, ReleasableMutexLock) lands here.
// Each one annotates and calls the library's function, found with
// dlsym(RTLD_NEXT) under the same mangled name:
//   lock:   __tsan_mutex_pre_lock, real lock, __tsan_mutex_post_lock
//   unlock: __tsan_mutex_pre_unlock, real unlock, __tsan_mutex_post_unlock
// TSan ignores every memory access of the thread between a pre_ and its
// post_ annotation, which covers the Conditions abseil evaluates inside its
// lock and unlock paths (on the locking thread, or on another thread that
// is unlocking). An operation that releases the mutex and takes it again
// inside the library (Mutex::Await*, CondVar::Wait*) is told as an unlock
// before the call and a lock around it; the mode (reader or writer) of the
// mutex held comes from a per-thread record of reader locks taken here.
// The destructor tells TSan the mutex is gone (its address may be reused).
// Mutex() is inline in mutex.h and already calls __tsan_mutex_create in a
// TSan build of our code.
//
// Not covered: abseil code that synchronizes without a Mutex call through
// the PLT (Notification's lock-free fast path, SpinLock, call_once); logdex
// does not use them. Function-local statics of abseil are initialized here
// before any thread starts (kAbseilStaticsInitialized, below).
#if defined(__SANITIZE_THREAD__)
#elif defined(__has_feature)
#if !__has_feature(thread_sanitizer)
#error "cmake/tsan/absl_mutex_tsan.cc is for -fsanitize=thread builds only"
#endif
#else
#error "cmake/tsan/absl_mutex_tsan.cc is for -fsanitize=thread builds only"
#endif

#include <dlfcn.h>
#include <errno.h>
#include <sanitizer/tsan_interface.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/config.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace {

#define LOGDEX_TSAN_STR2(x) #x
#define LOGDEX_TSAN_STR(x) LOGDEX_TSAN_STR2(x)

// The mangled name of absl::<inline namespace>::<suffix>: `suffix` is the
// rest of the mangled name after the namespace, e.g. "5Mutex4LockEv".
std::string AbslSymbol(std::string_view suffix) {
#ifdef ABSL_OPTION_USE_INLINE_NAMESPACE
#if ABSL_OPTION_USE_INLINE_NAMESPACE
  const std::string_view ns = LOGDEX_TSAN_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  return "_ZN4absl" + std::to_string(ns.size()) + std::string(ns) + std::string(suffix);
#endif
#endif
  // Without an inline namespace the substitution S0_ (used in the suffixes
  // for absl::<ns>) would mean something else; this build never has that.
  std::fprintf(stderr, "absl_mutex_tsan: abseil without an inline namespace is not supported\n");
  std::abort();
}

// The library's function of that name (the next definition after ours).
template <typename Fn>
Fn Real(std::string_view suffix) {
  const std::string name = AbslSymbol(suffix);
  void* f = ::dlsym(RTLD_NEXT, name.c_str());
  if (f == nullptr) {
    std::fprintf(stderr, "absl_mutex_tsan: %s not found after the executable: %s\n",
                 name.c_str(), ::dlerror());
    std::abort();
  }
  return reinterpret_cast<Fn>(f);
}

// Each wrapper looks its function up once (a thread-safe static).
#define LOGDEX_REAL(type, suffix)               \
  static const auto real = Real<type>(suffix)

// Whether this thread is inside one of the wrappers below. The library calls
// its own public members (AwaitWithTimeout calls AwaitWithDeadline,
// LockWhenWithTimeout LockWhenWithDeadline, ...) through its PLT, so those
// land here too: only the outermost call is annotated, a nested one goes
// straight to the library. (Nothing else runs inside: a Condition never
// takes a Mutex.)
thread_local int wrapper_depth = 0;
class Outermost {
 public:
  Outermost() : outermost_(wrapper_depth++ == 0) {}
  ~Outermost() { --wrapper_depth; }
  Outermost(const Outermost&) = delete;
  Outermost& operator=(const Outermost&) = delete;
  explicit operator bool() const { return outermost_; }

 private:
  const bool outermost_;
};
#define LOGDEX_NESTED_GOES_STRAIGHT(...) \
  const Outermost outermost;             \
  if (!outermost) return real(__VA_ARGS__)

// Mutexes this thread holds in reader mode (taken through here): Await and
// CondVar::Wait release and retake a mutex in the mode it is held in.
thread_local std::vector<const void*> reader_held;

void HeldAsReader(const void* mu) { reader_held.push_back(mu); }
void ReleasedAsReader(const void* mu) {
  auto it = std::find(reader_held.rbegin(), reader_held.rend(), mu);
  if (it != reader_held.rend()) reader_held.erase(std::next(it).base());
}
unsigned HeldMode(const void* mu) {
  return std::find(reader_held.begin(), reader_held.end(), mu) != reader_held.end()
             ? __tsan_mutex_read_lock
             : 0;
}

// An unlock of `mu` as TSan sees it (flags: __tsan_mutex_read_lock).
void Unlocked(void* mu, unsigned flags) {
  __tsan_mutex_pre_unlock(mu, flags);
  __tsan_mutex_post_unlock(mu, flags);
}

// A blocking lock: `take` runs between the annotations (accesses ignored,
// Conditions included); it always returns with the mutex held.
template <typename Take>
auto AnnotatedLock(void* mu, unsigned flags, Take take) {
  __tsan_mutex_pre_lock(mu, flags);
  auto result = take();
  __tsan_mutex_post_lock(mu, flags, 0);
  if (flags & __tsan_mutex_read_lock) HeldAsReader(mu);
  return result;
}

// A release and retake inside the library (Await, CondVar::Wait): TSan sees
// an unlock before, and a lock that ends when `wait` returns.
template <typename Wait>
auto ReleaseAndRetake(void* mu, Wait wait) {
  const unsigned flags = HeldMode(mu);
  Unlocked(mu, flags);
  __tsan_mutex_pre_lock(mu, flags);
  auto result = wait();
  __tsan_mutex_post_lock(mu, flags, 0);
  return result;
}

// Function-local statics of uninstrumented abseil code: the thread that
// initializes one goes through __cxa_guard_release, which TSan intercepts,
// but a thread that finds it already initialized only loads the guard
// byte inline, in code TSan does not see, so it has no happens-before edge
// with the initialization, and reading the static looks like a race with
// its construction (seen in the soak: two FUSE threads formatting an errno
// through absl::ErrnoToStatus, whose StrError keeps a static table of
// messages). Initializing them here, on the main thread before any other
// thread exists, orders them before every reader through pthread_create.
const bool kAbseilStaticsInitialized = [] {
  (void)absl::ErrnoToStatus(EINVAL, "");  // absl::base_internal::StrError's table
  // The UTC zone and the clock the daemon's log lines and status use.
  (void)absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone());
  return true;
}();

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

using Cond = const Condition&;

Mutex::~Mutex() {
  LOGDEX_REAL(void (*)(Mutex*), "5MutexD1Ev");
  __tsan_mutex_destroy(this, __tsan_mutex_not_static);
  real(this);
}

void Mutex::Lock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  LOGDEX_REAL(void (*)(Mutex*), "5Mutex4LockEv");
  LOGDEX_NESTED_GOES_STRAIGHT(this);
  AnnotatedLock(this, 0, [&] { return (real(this), 0); });
}

void Mutex::ReaderLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  LOGDEX_REAL(void (*)(Mutex*), "5Mutex10ReaderLockEv");
  LOGDEX_NESTED_GOES_STRAIGHT(this);
  AnnotatedLock(this, __tsan_mutex_read_lock, [&] { return (real(this), 0); });
}

void Mutex::Unlock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  LOGDEX_REAL(void (*)(Mutex*), "5Mutex6UnlockEv");
  LOGDEX_NESTED_GOES_STRAIGHT(this);
  __tsan_mutex_pre_unlock(this, 0);
  real(this);
  __tsan_mutex_post_unlock(this, 0);
}

void Mutex::ReaderUnlock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  LOGDEX_REAL(void (*)(Mutex*), "5Mutex12ReaderUnlockEv");
  LOGDEX_NESTED_GOES_STRAIGHT(this);
  ReleasedAsReader(this);
  __tsan_mutex_pre_unlock(this, __tsan_mutex_read_lock);
  real(this);
  __tsan_mutex_post_unlock(this, __tsan_mutex_read_lock);
}

bool Mutex::TryLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  LOGDEX_REAL(bool (*)(Mutex*), "5Mutex7TryLockEv");
  LOGDEX_NESTED_GOES_STRAIGHT(this);
  __tsan_mutex_pre_lock(this, __tsan_mutex_try_lock);
  const bool got = real(this);
  __tsan_mutex_post_lock(
      this, got ? __tsan_mutex_try_lock : __tsan_mutex_try_lock | __tsan_mutex_try_lock_failed, 0);
  return got;
}

bool Mutex::ReaderTryLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  LOGDEX_REAL(bool (*)(Mutex*), "5Mutex13ReaderTryLockEv");
  LOGDEX_NESTED_GOES_STRAIGHT(this);
  __tsan_mutex_pre_lock(this, __tsan_mutex_try_read_lock);
  const bool got = real(this);
  __tsan_mutex_post_lock(
      this, got ? __tsan_mutex_try_read_lock : __tsan_mutex_try_read_lock_failed, 0);
  if (got) HeldAsReader(this);
  return got;
}

void Mutex::LockWhen(Cond cond) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  LOGDEX_REAL(void (*)(Mutex*, Cond), "5Mutex8LockWhenERKNS0_9ConditionE");
  LOGDEX_NESTED_GOES_STRAIGHT(this, cond);
  AnnotatedLock(this, 0, [&] { return (real(this, cond), 0); });
}

void Mutex::ReaderLockWhen(Cond cond) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  LOGDEX_REAL(void (*)(Mutex*, Cond), "5Mutex14ReaderLockWhenERKNS0_9ConditionE");
  LOGDEX_NESTED_GOES_STRAIGHT(this, cond);
  AnnotatedLock(this, __tsan_mutex_read_lock, [&] { return (real(this, cond), 0); });
}

bool Mutex::LockWhenWithTimeout(Cond cond, Duration timeout) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  LOGDEX_REAL(bool (*)(Mutex*, Cond, Duration),
              "5Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  LOGDEX_NESTED_GOES_STRAIGHT(this, cond, timeout);
  return AnnotatedLock(this, 0, [&] { return real(this, cond, timeout); });
}

bool Mutex::ReaderLockWhenWithTimeout(Cond cond, Duration timeout)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  LOGDEX_REAL(bool (*)(Mutex*, Cond, Duration),
              "5Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  LOGDEX_NESTED_GOES_STRAIGHT(this, cond, timeout);
  return AnnotatedLock(this, __tsan_mutex_read_lock, [&] { return real(this, cond, timeout); });
}

bool Mutex::LockWhenWithDeadline(Cond cond, Time deadline) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  LOGDEX_REAL(bool (*)(Mutex*, Cond, Time),
              "5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  LOGDEX_NESTED_GOES_STRAIGHT(this, cond, deadline);
  return AnnotatedLock(this, 0, [&] { return real(this, cond, deadline); });
}

bool Mutex::ReaderLockWhenWithDeadline(Cond cond, Time deadline)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  LOGDEX_REAL(bool (*)(Mutex*, Cond, Time),
              "5Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  LOGDEX_NESTED_GOES_STRAIGHT(this, cond, deadline);
  return AnnotatedLock(this, __tsan_mutex_read_lock, [&] { return real(this, cond, deadline); });
}

void Mutex::Await(Cond cond) {
  LOGDEX_REAL(void (*)(Mutex*, Cond), "5Mutex5AwaitERKNS0_9ConditionE");
  LOGDEX_NESTED_GOES_STRAIGHT(this, cond);
  ReleaseAndRetake(this, [&] { return (real(this, cond), 0); });
}

bool Mutex::AwaitWithTimeout(Cond cond, Duration timeout) {
  LOGDEX_REAL(bool (*)(Mutex*, Cond, Duration),
              "5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  LOGDEX_NESTED_GOES_STRAIGHT(this, cond, timeout);
  return ReleaseAndRetake(this, [&] { return real(this, cond, timeout); });
}

bool Mutex::AwaitWithDeadline(Cond cond, Time deadline) {
  LOGDEX_REAL(bool (*)(Mutex*, Cond, Time),
              "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  LOGDEX_NESTED_GOES_STRAIGHT(this, cond, deadline);
  return ReleaseAndRetake(this, [&] { return real(this, cond, deadline); });
}

void CondVar::Wait(Mutex* mu) {
  LOGDEX_REAL(void (*)(CondVar*, Mutex*), "7CondVar4WaitEPNS0_5MutexE");
  LOGDEX_NESTED_GOES_STRAIGHT(this, mu);
  ReleaseAndRetake(mu, [&] { return (real(this, mu), 0); });
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  LOGDEX_REAL(bool (*)(CondVar*, Mutex*, Duration),
              "7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  LOGDEX_NESTED_GOES_STRAIGHT(this, mu, timeout);
  return ReleaseAndRetake(mu, [&] { return real(this, mu, timeout); });
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  LOGDEX_REAL(bool (*)(CondVar*, Mutex*, Time),
              "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  LOGDEX_NESTED_GOES_STRAIGHT(this, mu, deadline);
  return ReleaseAndRetake(mu, [&] { return real(this, mu, deadline); });
}

ABSL_NAMESPACE_END
}  // namespace absl
