// absl::Mutex as ThreadSanitizer sees it (cmake/tsan/absl_mutex_tsan.cc):
// each way of taking and releasing a Mutex orders a plain field's accesses
// across threads. In a -DLOGDEX_TSAN=ON build without that file, TSan
// reports a data race in each of these tests (Debian's abseil is not
// instrumented); in other builds they only check the values.
#include <errno.h>

#include <atomic>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace {

constexpr int kRounds = 200;

// A counter two threads bump, under `mu`, in the way `bump` takes it.
struct Counter {
  absl::Mutex mu;
  int value ABSL_GUARDED_BY(mu) = 0;
};

template <typename Bump>
int BumpFromTwoThreads(Counter& c, Bump bump) {
  std::thread other([&] {
    for (int i = 0; i < kRounds; ++i) bump(c);
  });
  for (int i = 0; i < kRounds; ++i) bump(c);
  other.join();
  absl::MutexLock lock(&c.mu);
  return c.value;
}

TEST(AbslMutexTsanTest, LockAndUnlockOrderAccesses) {
  Counter c;
  EXPECT_EQ(BumpFromTwoThreads(c, [](Counter& c) {
              absl::MutexLock lock(&c.mu);
              ++c.value;
            }),
            2 * kRounds);
}

TEST(AbslMutexTsanTest, TryLockOrdersAccesses) {
  Counter c;
  EXPECT_EQ(BumpFromTwoThreads(c, [](Counter& c) ABSL_NO_THREAD_SAFETY_ANALYSIS {
              while (!c.mu.TryLock()) std::this_thread::yield();
              ++c.value;
              c.mu.Unlock();
            }),
            2 * kRounds);
}

TEST(AbslMutexTsanTest, ReaderLocksOrderReadsAfterWrites) {
  Counter c;
  std::thread writer([&] {
    for (int i = 0; i < kRounds; ++i) {
      absl::MutexLock lock(&c.mu);
      ++c.value;
    }
  });
  int last = 0;
  for (int i = 0; i < kRounds; ++i) {
    absl::ReaderMutexLock lock(&c.mu);
    EXPECT_GE(c.value, last);
    last = c.value;
  }
  writer.join();
  absl::ReaderMutexLock lock(&c.mu);
  EXPECT_EQ(c.value, kRounds);
}

// Await (and its timeout form) release the mutex while waiting: the other
// thread's writes meanwhile are ordered before what follows the wait.
TEST(AbslMutexTsanTest, AwaitAndLockWhenOrderAccesses) {
  Counter c;
  std::thread pinger([&] {
    for (int i = 0; i < kRounds; ++i) {
      absl::MutexLock lock(&c.mu, absl::Condition(
                                      +[](int* v) { return *v % 2 == 0; }, &c.value));
      ++c.value;  // odd: the other thread's turn
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    absl::MutexLock lock(&c.mu);
    if (i % 2 == 0) {
      c.mu.Await(absl::Condition(+[](int* v) { return *v % 2 == 1; }, &c.value));
    } else {
      while (!c.mu.AwaitWithTimeout(
          absl::Condition(+[](int* v) { return *v % 2 == 1; }, &c.value), absl::Seconds(1))) {
      }
    }
    ++c.value;  // even again
  }
  pinger.join();
  absl::MutexLock lock(&c.mu);
  EXPECT_EQ(c.value, 2 * kRounds);
}

TEST(AbslMutexTsanTest, CondVarWaitOrdersAccesses) {
  Counter c;
  absl::CondVar changed;
  std::thread pinger([&] {
    for (int i = 0; i < kRounds; ++i) {
      absl::MutexLock lock(&c.mu);
      while (c.value % 2 != 0) changed.Wait(&c.mu);
      ++c.value;
      changed.SignalAll();
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    absl::MutexLock lock(&c.mu);
    while (c.value % 2 != 1) changed.WaitWithTimeout(&c.mu, absl::Seconds(1));
    ++c.value;
    changed.SignalAll();
  }
  pinger.join();
  absl::MutexLock lock(&c.mu);
  EXPECT_EQ(c.value, 2 * kRounds);
}

// abseil's function-local statics (here StrError's table of messages, which
// absl::ErrnoToStatus reads) are initialized before any thread starts in TSan
// builds: a thread finding one initialized by another thread, with no other
// synchronization between them (the relaxed flag below gives none), would
// read it through an inline guard check TSan cannot see in uninstrumented
// abseil, and TSan would report a race with its construction.
TEST(AbslMutexTsanTest, ErrnoMessagesFormattedOnTwoThreadsAreNoRace) {
  std::atomic<bool> first_done{false};
  std::string first, second;
  std::thread a([&] {
    first = std::string(absl::ErrnoToStatus(ENOENT, "a").message());
    first_done.store(true, std::memory_order_relaxed);
  });
  std::thread b([&] {
    while (!first_done.load(std::memory_order_relaxed)) std::this_thread::yield();
    second = std::string(absl::ErrnoToStatus(ENOENT, "b").message());
  });
  a.join();
  b.join();
  EXPECT_NE(first.find("No such file"), std::string::npos) << first;
  EXPECT_NE(second.find("No such file"), std::string::npos) << second;
}

}  // namespace
