// FUSE request metrics: for each operation, how many requests came, how many
// were answered with an error, and how long each took from the handler's
// start to its return (it has replied by then), as a histogram. A request is
// counted as it arrives, before its reply: whoever has seen a reply (a `cat`
// that returned) finds the request in logdex_fuse_requests_total, whichever
// thread renders the metrics next. The histogram counts finished requests, so
// its _count trails the total by the requests in flight. Rendered into
// metrics.prom (logdex_fuse_requests_total, logdex_fuse_request_errors_total,
// logdex_fuse_request_duration_seconds) and status.json ("requests").
//
// Cost on the request path: two steady_clock reads and four relaxed atomic
// adds on counters of the operation (padded to their own cache lines); no
// mutex, no allocation. Under -o debug each request also gets one trace line
// in the daemon's log (daemon_log.h), which takes the log's mutex.
//
// The wrapper: WithRequestMetrics<kHandlers, MetricsOf>() is kHandlers with
// every request operation it serves wrapped in a RequestScope, generically
// (any operation added to the handler table is measured too). The handlers
// report the errno they reply with through RequestScope::NoteReply (ops.cc
// does it in its one error-reply function).
#ifndef LOGDEX_FS_REQUEST_METRICS_H_
#define LOGDEX_FS_REQUEST_METRICS_H_

#include <fuse_lowlevel.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>

namespace logdex::fs {

class DaemonLog;

// Every request operation of fuse_lowlevel_ops (3.14), in its order.
enum class RequestOp : uint8_t {
  kLookup, kForget, kGetattr, kSetattr, kReadlink, kMknod, kMkdir, kUnlink, kRmdir, kSymlink,
  kRename, kLink, kOpen, kRead, kWrite, kFlush, kRelease, kFsync, kOpendir, kReaddir,
  kReleasedir, kFsyncdir, kStatfs, kSetxattr, kGetxattr, kListxattr, kRemovexattr, kAccess,
  kCreate, kGetlk, kSetlk, kBmap, kIoctl, kPoll, kWriteBuf, kRetrieveReply, kForgetMulti,
  kFlock, kFallocate, kReaddirplus, kCopyFileRange, kLseek,
};
inline constexpr int kRequestOpCount = static_cast<int>(RequestOp::kLseek) + 1;
// The name in metrics and traces: fuse_lowlevel_ops' member name ("read").
std::string_view RequestOpName(RequestOp op);

// Calls f.template operator()<&fuse_lowlevel_ops::M, RequestOp::kM>() for
// every request operation.
template <typename F>
constexpr void ForEachRequestOp(F&& f) {
#define LOGDEX_OP(member, op) f.template operator()<&fuse_lowlevel_ops::member, RequestOp::op>();
  LOGDEX_OP(lookup, kLookup) LOGDEX_OP(forget, kForget) LOGDEX_OP(getattr, kGetattr)
  LOGDEX_OP(setattr, kSetattr) LOGDEX_OP(readlink, kReadlink) LOGDEX_OP(mknod, kMknod)
  LOGDEX_OP(mkdir, kMkdir) LOGDEX_OP(unlink, kUnlink) LOGDEX_OP(rmdir, kRmdir)
  LOGDEX_OP(symlink, kSymlink) LOGDEX_OP(rename, kRename) LOGDEX_OP(link, kLink)
  LOGDEX_OP(open, kOpen) LOGDEX_OP(read, kRead) LOGDEX_OP(write, kWrite)
  LOGDEX_OP(flush, kFlush) LOGDEX_OP(release, kRelease) LOGDEX_OP(fsync, kFsync)
  LOGDEX_OP(opendir, kOpendir) LOGDEX_OP(readdir, kReaddir) LOGDEX_OP(releasedir, kReleasedir)
  LOGDEX_OP(fsyncdir, kFsyncdir) LOGDEX_OP(statfs, kStatfs) LOGDEX_OP(setxattr, kSetxattr)
  LOGDEX_OP(getxattr, kGetxattr) LOGDEX_OP(listxattr, kListxattr)
  LOGDEX_OP(removexattr, kRemovexattr) LOGDEX_OP(access, kAccess) LOGDEX_OP(create, kCreate)
  LOGDEX_OP(getlk, kGetlk) LOGDEX_OP(setlk, kSetlk) LOGDEX_OP(bmap, kBmap)
  LOGDEX_OP(ioctl, kIoctl) LOGDEX_OP(poll, kPoll) LOGDEX_OP(write_buf, kWriteBuf)
  LOGDEX_OP(retrieve_reply, kRetrieveReply) LOGDEX_OP(forget_multi, kForgetMulti)
  LOGDEX_OP(flock, kFlock) LOGDEX_OP(fallocate, kFallocate) LOGDEX_OP(readdirplus, kReaddirplus)
  LOGDEX_OP(copy_file_range, kCopyFileRange) LOGDEX_OP(lseek, kLseek)
#undef LOGDEX_OP
}

// Upper bounds (inclusive, Prometheus `le`) of the latency buckets, 10 us to
// 10 s in 1-2.5-5 steps; one more bucket past the last counts the rest (+Inf).
inline constexpr std::array<int64_t, 19> kLatencyBoundsNs = {
    10'000,      25'000,      50'000,        100'000,       250'000,       500'000,   1'000'000,
    2'500'000,   5'000'000,   10'000'000,    25'000'000,    50'000'000,    100'000'000,
    250'000'000, 500'000'000, 1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};
inline constexpr int kLatencyBuckets = static_cast<int>(kLatencyBoundsNs.size()) + 1;
// The bucket a duration falls in: the first bound >= ns, else the last (+Inf).
int LatencyBucket(int64_t ns);

// What one operation's counters held at one moment (each read on its own;
// `finished` is the sum of the buckets, so the histogram always adds up).
struct OpSnapshot {
  uint64_t arrived = 0;   // requests that came, in flight included
  uint64_t finished = 0;  // requests replied to (the histogram's count)
  uint64_t errors = 0;
  int64_t sum_ns = 0;
  std::array<uint64_t, kLatencyBuckets> buckets = {};  // per bucket, not cumulative
};

class RequestMetrics {
 public:
  // `served`: the ops table; the operations it serves are always listed
  // (with zeros), the others only once counted.
  explicit RequestMetrics(const fuse_lowlevel_ops& served);
  RequestMetrics(const RequestMetrics&) = delete;
  RequestMetrics& operator=(const RequestMetrics&) = delete;

  // Lock-free; any thread. A request Arrives before its handler runs and is
  // Recorded after it replied, with its duration and errno.
  void Arrive(RequestOp op) {
    ops_[static_cast<int>(op)].arrived.fetch_add(1, std::memory_order_relaxed);
  }
  void Record(RequestOp op, int64_t ns, int err) {
    OpCounters& c = ops_[static_cast<int>(op)];
    c.buckets[LatencyBucket(ns)].fetch_add(1, std::memory_order_relaxed);
    c.sum_ns.fetch_add(ns, std::memory_order_relaxed);
    if (err != 0) c.errors.fetch_add(1, std::memory_order_relaxed);
  }
  OpSnapshot Snapshot(RequestOp op) const;
  bool served(RequestOp op) const { return served_[static_cast<int>(op)]; }

  // Set before serving, never changed after (read without a lock).
  // -o debug: each request gets a trace line in `log` (null: none).
  void SetTracer(DaemonLog* log) { tracer_ = log; }
  DaemonLog* tracer() const { return tracer_; }
  // Told of each request answered with EIO, with the first inode it names.
  void SetEioReporter(std::function<void(RequestOp, uint64_t ino)> report) {
    eio_reporter_ = std::move(report);
  }
  const std::function<void(RequestOp, uint64_t)>& eio_reporter() const { return eio_reporter_; }

 private:
  struct alignas(64) OpCounters {
    std::atomic<uint64_t> arrived{0};
    std::array<std::atomic<uint64_t>, kLatencyBuckets> buckets = {};
    std::atomic<int64_t> sum_ns{0};
    std::atomic<uint64_t> errors{0};
  };
  std::array<OpCounters, kRequestOpCount> ops_;
  std::array<bool, kRequestOpCount> served_ = {};
  DaemonLog* tracer_ = nullptr;
  std::function<void(RequestOp, uint64_t)> eio_reporter_;
};

// The metrics.prom families of `m` (HELP and TYPE once each, text format
// 0.0.4), appended to *out.
void AppendRequestMetricsProm(const RequestMetrics& m, std::string* out);
// status.json's "requests": {"read": {"count": N, "errors": N, "sum_seconds": S,
// "buckets": [[le, cumulative count], ..., ["+Inf", N]]}, ...}, operations as
// in metrics.prom.
std::string RequestsJson(const RequestMetrics& m);

// The arguments of a request as a trace shows them ("ino=5 size=4096 off=0",
// names quoted); data buffers are never shown.
class TraceArgs {
 public:
  explicit TraceArgs(RequestOp op) : op_(op) {}
  template <typename T>
  void Add(const T& v) {
    if constexpr (std::is_same_v<T, const char*>) {
      AddText(v);
    } else if constexpr (std::is_same_v<T, unsigned long>) {  // fuse_ino_t, size_t, dev_t
      AddUnsigned(v);
    } else if constexpr (std::is_same_v<T, long>) {  // off_t
      AddOffset(v);
    }
  }
  std::string Take() { return std::move(text_); }

 private:
  void AddText(const char* s);
  void AddUnsigned(unsigned long v);
  void AddOffset(long v);
  const RequestOp op_;
  int texts_ = 0, unsigneds_ = 0;
  std::string text_;
};

// One request being served on this thread: times it and counts it on
// destruction (after the handler replied).
class RequestScope {
 public:
  RequestScope(RequestMetrics& metrics, RequestOp op, uint64_t ino)
      : metrics_(metrics), op_(op), ino_(ino), start_(std::chrono::steady_clock::now()),
        outer_(current_) {
    metrics_.Arrive(op_);
    current_ = this;
  }
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;

  void SetTraceArgs(std::string args) { trace_args_ = std::move(args); }
  // The errno the request on this thread is answered with (0: success).
  static void NoteReply(int err) {
    if (current_ != nullptr) current_->err_ = err;
  }

 private:
  // The request this thread serves now. libfuse runs one handler at a time
  // per thread and ours reply before returning, so a thread-local is the
  // request's own context, not shared state.
  static inline thread_local RequestScope* current_ = nullptr;
  RequestMetrics& metrics_;
  const RequestOp op_;
  const uint64_t ino_;
  const std::chrono::steady_clock::time_point start_;
  RequestScope* const outer_;
  int err_ = 0;
  std::string trace_args_;
};

namespace request_metrics_internal {

template <typename... A>
uint64_t FirstIno(const A&... a) {
  uint64_t ino = 0;
  bool found = false;
  auto take = [&](const auto& v) {
    if constexpr (std::is_same_v<std::decay_t<decltype(v)>, fuse_ino_t>) {
      if (!found) ino = v, found = true;
    }
  };
  (take(a), ...);
  return ino;
}

template <const fuse_lowlevel_ops& kHandlers, auto kMember, RequestOp kOp,
          RequestMetrics& (*kMetricsOf)(fuse_req_t), typename Fn>
struct Timed;

template <const fuse_lowlevel_ops& kHandlers, auto kMember, RequestOp kOp,
          RequestMetrics& (*kMetricsOf)(fuse_req_t), typename... A>
struct Timed<kHandlers, kMember, kOp, kMetricsOf, void (*)(fuse_req_t, A...)> {
  static void Call(fuse_req_t req, A... a) {
    // Before the handler: its reply frees req.
    RequestMetrics& m = kMetricsOf(req);
    RequestScope scope(m, kOp, FirstIno(a...));
    if (m.tracer() != nullptr) {
      TraceArgs t(kOp);
      (t.Add(a), ...);
      scope.SetTraceArgs(t.Take());
    }
    (kHandlers.*kMember)(req, a...);
  }
};

}  // namespace request_metrics_internal

// kHandlers with each operation it serves wrapped in a RequestScope.
// kMetricsOf finds the mount's RequestMetrics from a request (its userdata).
template <const fuse_lowlevel_ops& kHandlers, RequestMetrics& (*kMetricsOf)(fuse_req_t)>
constexpr fuse_lowlevel_ops WithRequestMetrics() {
  fuse_lowlevel_ops ops = kHandlers;
  ForEachRequestOp([&]<auto kMember, RequestOp kOp>() {
    using Fn = std::remove_cvref_t<decltype(kHandlers.*kMember)>;
    if (kHandlers.*kMember != nullptr) {
      ops.*kMember =
          &request_metrics_internal::Timed<kHandlers, kMember, kOp, kMetricsOf, Fn>::Call;
    }
  });
  return ops;
}

}  // namespace logdex::fs

#endif  // LOGDEX_FS_REQUEST_METRICS_H_
