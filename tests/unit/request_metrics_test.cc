// FUSE request metrics (fs/request_metrics.h): buckets, counting, the
// wrapper, and the metrics.prom / status.json text.
#include "fs/request_metrics.h"

#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace logdex::fs {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

fuse_lowlevel_ops ServingReadAndLookup() {
  fuse_lowlevel_ops ops = {};
  ops.lookup = [](fuse_req_t, fuse_ino_t, const char*) {};
  ops.read = [](fuse_req_t, fuse_ino_t, size_t, off_t, fuse_file_info*) {};
  return ops;
}

// One request, start to finish, as the wrapper reports it.
void Serve(RequestMetrics& m, RequestOp op, int64_t ns, int err) {
  m.Arrive(op);
  m.Record(op, ns, err);
}

TEST(RequestMetricsTest, ADurationFallsInTheFirstBucketWhoseBoundHoldsIt) {
  EXPECT_EQ(LatencyBucket(0), 0);
  EXPECT_EQ(LatencyBucket(10'000), 0);  // le is inclusive
  EXPECT_EQ(LatencyBucket(10'001), 1);
  EXPECT_EQ(LatencyBucket(1'000'000), 6);
  EXPECT_EQ(LatencyBucket(10'000'000'000), kLatencyBuckets - 2);
  EXPECT_EQ(LatencyBucket(10'000'000'001), kLatencyBuckets - 1);  // +Inf
  EXPECT_EQ(LatencyBucket(-5), 0);  // a clock that went backwards is "fast", not lost
}

TEST(RequestMetricsTest, CountsErrorsAndSumsAreKeptPerOperation) {
  RequestMetrics m(ServingReadAndLookup());
  Serve(m, RequestOp::kRead, 20'000, 0);
  Serve(m, RequestOp::kRead, 3'000'000, EIO);
  Serve(m, RequestOp::kLookup, 1, ENOENT);
  const OpSnapshot r = m.Snapshot(RequestOp::kRead);
  EXPECT_EQ(r.arrived, 2u);
  EXPECT_EQ(r.finished, 2u);
  EXPECT_EQ(r.errors, 1u);
  EXPECT_EQ(r.sum_ns, 3'020'000);
  EXPECT_EQ(r.buckets[1], 1u);
  EXPECT_EQ(r.buckets[8], 1u);
  EXPECT_EQ(m.Snapshot(RequestOp::kLookup).errors, 1u);
  EXPECT_EQ(m.Snapshot(RequestOp::kWrite).arrived, 0u);
}

// A request is in the total from its arrival, before its handler replies, so
// a program that saw the reply and then reads metrics.prom finds it counted;
// the histogram has only finished requests.
TEST(RequestMetricsTest, ARequestInFlightIsInTheTotalButNotTheHistogram) {
  RequestMetrics m(ServingReadAndLookup());
  Serve(m, RequestOp::kRead, 5'000, 0);
  m.Arrive(RequestOp::kRead);
  const OpSnapshot r = m.Snapshot(RequestOp::kRead);
  EXPECT_EQ(r.arrived, 2u);
  EXPECT_EQ(r.finished, 1u);
  std::string text;
  AppendRequestMetricsProm(m, &text);
  EXPECT_THAT(text, HasSubstr("logdex_fuse_requests_total{op=\"read\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("logdex_fuse_request_duration_seconds_count{op=\"read\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("_bucket{op=\"read\",le=\"+Inf\"} 1\n"));
  EXPECT_THAT(RequestsJson(m), HasSubstr("\"read\": {\"count\": 2,"));
}

// Every family once, its samples together, HELP and TYPE before them; the
// histogram cumulative, ending in +Inf equal to _count.
TEST(RequestMetricsTest, TheExpositionIsValidTextFormat004) {
  RequestMetrics m(ServingReadAndLookup());
  Serve(m, RequestOp::kRead, 5'000, 0);
  Serve(m, RequestOp::kRead, 60'000, 0);
  Serve(m, RequestOp::kRead, 20'000'000'000, EIO);
  std::string text;
  AppendRequestMetricsProm(m, &text);
  std::vector<std::string> families;
  std::map<std::string, std::string> type_of;
  std::string last_family;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "# HELP ")) {
      std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits(' ', 3));
      ASSERT_EQ(parts.size(), 4u) << line;
      families.push_back(parts[2]);
      last_family = parts[2];
      continue;
    }
    if (absl::StartsWith(line, "# TYPE ")) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      ASSERT_EQ(parts.size(), 4u) << line;
      EXPECT_EQ(parts[2], last_family);
      type_of[parts[2]] = parts[3];
      continue;
    }
    ASSERT_FALSE(absl::StartsWith(line, "#")) << line;
    // name{labels} value: the name belongs to the family just declared.
    const std::string name(line.substr(0, line.find_first_of("{ ")));
    EXPECT_TRUE(name == last_family || name == last_family + "_bucket" ||
                name == last_family + "_sum" || name == last_family + "_count")
        << line;
    double v;
    EXPECT_TRUE(absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) << line;
  }
  EXPECT_THAT(families, ::testing::ElementsAre("logdex_fuse_requests_total",
                                               "logdex_fuse_request_errors_total",
                                               "logdex_fuse_request_duration_seconds"));
  EXPECT_EQ(type_of["logdex_fuse_requests_total"], "counter");
  EXPECT_EQ(type_of["logdex_fuse_request_duration_seconds"], "histogram");
  EXPECT_THAT(text, HasSubstr("logdex_fuse_requests_total{op=\"read\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("logdex_fuse_requests_total{op=\"lookup\"} 0\n"));  // served
  EXPECT_THAT(text, Not(HasSubstr("op=\"write\"")));                            // not served
  EXPECT_THAT(text, HasSubstr("logdex_fuse_request_errors_total{op=\"read\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("_bucket{op=\"read\",le=\"0.00001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("_bucket{op=\"read\",le=\"0.00005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("_bucket{op=\"read\",le=\"0.0001\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("_bucket{op=\"read\",le=\"10\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("_bucket{op=\"read\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("logdex_fuse_request_duration_seconds_sum{op=\"read\"} 20.000065000\n"));
  EXPECT_THAT(text, HasSubstr("logdex_fuse_request_duration_seconds_count{op=\"read\"} 3\n"));
  // No histogram for an operation never seen.
  EXPECT_THAT(text, Not(HasSubstr("_bucket{op=\"lookup\"")));
}

TEST(RequestMetricsTest, StatusJsonHasCountErrorsSumAndCumulativeBuckets) {
  RequestMetrics m(ServingReadAndLookup());
  Serve(m, RequestOp::kRead, 5'000, 0);
  Serve(m, RequestOp::kRead, 20'000'000'000, EIO);
  const std::string json = RequestsJson(m);
  EXPECT_THAT(json, HasSubstr("\"read\": {\"count\": 2, \"errors\": 1, \"sum_seconds\": 20.000005000, "
                              "\"buckets\": [[0.00001, 1], [0.000025, 1]"));
  EXPECT_THAT(json, HasSubstr("[10, 1], [\"+Inf\", 2]]}"));
  EXPECT_THAT(json, HasSubstr("\"lookup\": {\"count\": 0"));
}

// The wrapper measures any handler of the table, reaches the metrics through
// the request, and takes the errno the handler noted.
RequestMetrics* g_metrics = nullptr;
RequestMetrics& TestMetricsOf(fuse_req_t) { return *g_metrics; }
void FailingLookup(fuse_req_t, fuse_ino_t, const char*) { RequestScope::NoteReply(ENOENT); }
// What the getattr handler saw of its own request's count.
uint64_t g_arrived_in_handler = 0;
void Getattr(fuse_req_t, fuse_ino_t, fuse_file_info*) {
  g_arrived_in_handler = g_metrics->Snapshot(RequestOp::kGetattr).arrived;
}
constexpr fuse_lowlevel_ops MakeTestHandlers() {
  fuse_lowlevel_ops ops = {};
  ops.lookup = FailingLookup;
  ops.getattr = Getattr;
  return ops;
}
constexpr fuse_lowlevel_ops kTestHandlers = MakeTestHandlers();
constexpr fuse_lowlevel_ops kTimed = WithRequestMetrics<kTestHandlers, TestMetricsOf>();

TEST(RequestMetricsTest, TheWrapperTimesEveryServedOperationAndOnlyThose) {
  RequestMetrics m(kTimed);
  g_metrics = &m;
  EXPECT_NE(kTimed.lookup, kTestHandlers.lookup);
  EXPECT_EQ(kTimed.read, nullptr);
  kTimed.lookup(nullptr, 1, "x");
  kTimed.getattr(nullptr, 1, nullptr);
  kTimed.getattr(nullptr, 1, nullptr);
  EXPECT_EQ(m.Snapshot(RequestOp::kLookup).arrived, 1u);
  EXPECT_EQ(m.Snapshot(RequestOp::kLookup).finished, 1u);
  EXPECT_EQ(m.Snapshot(RequestOp::kLookup).errors, 1u);
  EXPECT_EQ(m.Snapshot(RequestOp::kGetattr).arrived, 2u);
  EXPECT_EQ(m.Snapshot(RequestOp::kGetattr).errors, 0u);
  EXPECT_TRUE(m.served(RequestOp::kGetattr));
  EXPECT_FALSE(m.served(RequestOp::kRead));
  g_metrics = nullptr;
}

// The wrapper counts a request before its handler runs (and so before the
// reply the handler sends): the handler already sees itself in the total.
TEST(RequestMetricsTest, TheWrapperCountsARequestBeforeItsHandlerReplies) {
  RequestMetrics m(kTimed);
  g_metrics = &m;
  kTimed.getattr(nullptr, 1, nullptr);
  EXPECT_EQ(g_arrived_in_handler, 1u);
  EXPECT_EQ(m.Snapshot(RequestOp::kGetattr).finished, 1u);
  g_metrics = nullptr;
}

void EioRead(fuse_req_t, fuse_ino_t, size_t, off_t, fuse_file_info*) { RequestScope::NoteReply(EIO); }
constexpr fuse_lowlevel_ops MakeEioHandlers() {
  fuse_lowlevel_ops ops = {};
  ops.read = EioRead;
  ops.getattr = Getattr;
  return ops;
}
constexpr fuse_lowlevel_ops kEioHandlers = MakeEioHandlers();
constexpr fuse_lowlevel_ops kEioTimed = WithRequestMetrics<kEioHandlers, TestMetricsOf>();

TEST(RequestMetricsTest, AnEioReplyIsReportedWithTheOperationAndInode) {
  RequestMetrics m(kEioTimed);
  g_metrics = &m;
  std::vector<std::pair<RequestOp, uint64_t>> reported;
  m.SetEioReporter([&](RequestOp op, uint64_t ino) { reported.emplace_back(op, ino); });
  kEioTimed.getattr(nullptr, 3, nullptr);
  kEioTimed.read(nullptr, 42, 4096, 0, nullptr);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].first, RequestOp::kRead);
  EXPECT_EQ(reported[0].second, 42u);
  EXPECT_EQ(m.Snapshot(RequestOp::kRead).errors, 1u);
  g_metrics = nullptr;
}

TEST(RequestMetricsTest, TraceArgumentsNameInodesSizesOffsetsAndNamesButNeverData) {
  TraceArgs read(RequestOp::kRead);
  read.Add(fuse_ino_t{5});
  read.Add(size_t{4096});
  read.Add(off_t{8192});
  read.Add(static_cast<fuse_file_info*>(nullptr));
  EXPECT_EQ(read.Take(), "ino=5 size=4096 off=8192");
  TraceArgs lookup(RequestOp::kLookup);
  lookup.Add(fuse_ino_t{1});
  lookup.Add(static_cast<const char*>("a.jsonl"));
  EXPECT_EQ(lookup.Take(), "ino=1 name=\"a.jsonl\"");
  TraceArgs write(RequestOp::kWrite);
  write.Add(fuse_ino_t{7});
  write.Add(static_cast<const char*>("secret bytes"));
  write.Add(size_t{12});
  EXPECT_EQ(write.Take(), "ino=7 size=12");
}

}  // namespace
}  // namespace logdex::fs
