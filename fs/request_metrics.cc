#include "fs/request_metrics.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "fs/daemon_log.h"

namespace logdex::fs {
namespace {

constexpr std::string_view kOpNames[kRequestOpCount] = {
    "lookup",     "forget",      "getattr",   "setattr",      "readlink",      "mknod",
    "mkdir",      "unlink",      "rmdir",     "symlink",      "rename",        "link",
    "open",       "read",        "write",     "flush",        "release",       "fsync",
    "opendir",    "readdir",     "releasedir", "fsyncdir",    "statfs",        "setxattr",
    "getxattr",   "listxattr",   "removexattr", "access",     "create",        "getlk",
    "setlk",      "bmap",        "ioctl",     "poll",         "write_buf",     "retrieve_reply",
    "forget_multi", "flock",     "fallocate", "readdirplus",  "copy_file_range", "lseek",
};

absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The `le` label of bucket i: seconds, shortest exact decimal ("0.00001").
std::string BoundLabel(int i) {
  if (i >= static_cast<int>(kLatencyBoundsNs.size())) return "+Inf";
  std::string s = absl::StrFormat("%.9f", static_cast<double>(kLatencyBoundsNs[i]) / 1e9);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// Operations listed: every served one, and any other that was counted.
template <typename F>
void ForListed(const RequestMetrics& m, F&& f) {
  for (int i = 0; i < kRequestOpCount; ++i) {
    const auto op = static_cast<RequestOp>(i);
    const OpSnapshot s = m.Snapshot(op);
    if (m.served(op) || s.arrived > 0) f(op, s);
  }
}

std::string Seconds(int64_t ns) { return absl::StrFormat("%.9f", static_cast<double>(ns) / 1e9); }

std::string ErrnoName(int err) {
  if (err == 0) return "ok";
  if (const char* name = ::strerrorname_np(err)) return name;
  return absl::StrCat("errno ", err);
}

}  // namespace

std::string_view RequestOpName(RequestOp op) {
  const int i = static_cast<int>(op);
  return i >= 0 && i < kRequestOpCount ? kOpNames[i] : "unknown";
}

int LatencyBucket(int64_t ns) {
  int i = 0;
  while (i < static_cast<int>(kLatencyBoundsNs.size()) && ns > kLatencyBoundsNs[i]) ++i;
  return i;
}

RequestMetrics::RequestMetrics(const fuse_lowlevel_ops& served) {
  ForEachRequestOp([&]<auto kMember, RequestOp kOp>() {
    served_[static_cast<int>(kOp)] = served.*kMember != nullptr;
  });
}

OpSnapshot RequestMetrics::Snapshot(RequestOp op) const {
  const OpCounters& c = ops_[static_cast<int>(op)];
  OpSnapshot s;
  for (int b = 0; b < kLatencyBuckets; ++b) {
    s.buckets[b] = c.buckets[b].load(std::memory_order_relaxed);
    s.finished += s.buckets[b];
  }
  // Read last: a request finished in the snapshot arrived in it too.
  s.arrived = std::max(c.arrived.load(std::memory_order_relaxed), s.finished);
  s.sum_ns = c.sum_ns.load(std::memory_order_relaxed);
  s.errors = c.errors.load(std::memory_order_relaxed);
  return s;
}

void AppendRequestMetricsProm(const RequestMetrics& m, std::string* out) {
  absl::StrAppend(out,
                  "# HELP logdex_fuse_requests_total FUSE requests, by operation, counted as they "
                  "arrive.\n"
                  "# TYPE logdex_fuse_requests_total counter\n");
  ForListed(m, [&](RequestOp op, const OpSnapshot& s) {
    absl::StrAppendFormat(out, "logdex_fuse_requests_total{op=\"%s\"} %d\n", A(RequestOpName(op)),
                          s.arrived);
  });
  absl::StrAppend(out,
                  "# HELP logdex_fuse_request_errors_total FUSE requests answered with an error "
                  "(any errno, ENOENT of a lookup included), by operation.\n"
                  "# TYPE logdex_fuse_request_errors_total counter\n");
  ForListed(m, [&](RequestOp op, const OpSnapshot& s) {
    absl::StrAppendFormat(out, "logdex_fuse_request_errors_total{op=\"%s\"} %d\n",
                          A(RequestOpName(op)), s.errors);
  });
  absl::StrAppend(out,
                  "# HELP logdex_fuse_request_duration_seconds Time a FUSE request took in its "
                  "handler, reply included, by operation (operations seen so far).\n"
                  "# TYPE logdex_fuse_request_duration_seconds histogram\n");
  ForListed(m, [&](RequestOp op, const OpSnapshot& s) {
    if (s.finished == 0) return;
    const absl::string_view name = A(RequestOpName(op));
    uint64_t cumulative = 0;
    for (int b = 0; b < kLatencyBuckets; ++b) {
      cumulative += s.buckets[b];
      absl::StrAppendFormat(out, "logdex_fuse_request_duration_seconds_bucket{op=\"%s\",le=\"%s\"} %d\n",
                            name, BoundLabel(b), cumulative);
    }
    absl::StrAppendFormat(out, "logdex_fuse_request_duration_seconds_sum{op=\"%s\"} %s\n", name,
                          Seconds(s.sum_ns));
    absl::StrAppendFormat(out, "logdex_fuse_request_duration_seconds_count{op=\"%s\"} %d\n", name,
                          s.finished);
  });
}

std::string RequestsJson(const RequestMetrics& m) {
  std::string out = "{";
  bool first = true;
  ForListed(m, [&](RequestOp op, const OpSnapshot& s) {
    std::string buckets;
    uint64_t cumulative = 0;
    for (int b = 0; b < kLatencyBuckets; ++b) {
      cumulative += s.buckets[b];
      const std::string le = BoundLabel(b);
      absl::StrAppendFormat(&buckets, "%s[%s, %d]", b == 0 ? "" : ", ",
                            le == "+Inf" ? "\"+Inf\"" : le, cumulative);
    }
    absl::StrAppendFormat(&out,
                          "%s\n    \"%s\": {\"count\": %d, \"errors\": %d, \"sum_seconds\": %s, "
                          "\"buckets\": [%s]}",
                          first ? "" : ",", A(RequestOpName(op)), s.arrived, s.errors,
                          Seconds(s.sum_ns), buckets);
    first = false;
  });
  absl::StrAppend(&out, first ? "}" : "\n  }");
  return out;
}

void TraceArgs::AddText(const char* s) {
  // write's buffer and setxattr's value are data, not names.
  if (op_ == RequestOp::kWrite || (op_ == RequestOp::kSetxattr && texts_ > 0)) return;
  ++texts_;
  if (s == nullptr) return;
  const size_t n = ::strnlen(s, 4096);
  absl::StrAppend(&text_, text_.empty() ? "" : " ", "name=\"", absl::string_view(s, n), "\"");
}

void TraceArgs::AddUnsigned(unsigned long v) {
  const int i = unsigneds_++;
  const char* label = "arg";
  if (i == 0) {
    label = op_ == RequestOp::kForgetMulti ? "count" : "ino";
  } else if (op_ == RequestOp::kForget) {
    label = "nlookup";
  } else if (op_ == RequestOp::kMknod) {
    label = "rdev";
  } else if (op_ == RequestOp::kRename || op_ == RequestOp::kLink) {
    label = "newparent";
  } else {
    label = "size";
  }
  absl::StrAppend(&text_, text_.empty() ? "" : " ", label, "=", v);
}

void TraceArgs::AddOffset(long v) { absl::StrAppend(&text_, text_.empty() ? "" : " ", "off=", v); }

RequestScope::~RequestScope() {
  current_ = outer_;
  const int64_t ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_)
          .count();
  metrics_.Record(op_, ns, err_);
  if (err_ == EIO && metrics_.eio_reporter()) metrics_.eio_reporter()(op_, ino_);
  if (DaemonLog* log = metrics_.tracer()) {
    log->Log(DaemonLog::Level::kDebug,
             absl::StrFormat("request %s%s%s: %s, %.1f us", A(RequestOpName(op_)),
                             trace_args_.empty() ? "" : " ", trace_args_, ErrnoName(err_),
                             static_cast<double>(ns) / 1e3));
  }
}

}  // namespace logdex::fs
