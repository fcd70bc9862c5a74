// A file's name held once and shared: the path and its JSON literal come
// back exactly, for plain paths and for paths that escaping changes, and
// copies outlive the original.
#include "index/file_name.h"

#include <map>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "index/json_string.h"

namespace logdex::index {
namespace {

std::string Literal(std::string_view path) {
  std::string out;
  AppendJsonString(path, &out);
  return out;
}

TEST(FileName, APlainPathIsItsLiteralWithoutTheQuotes) {
  const FileName n("claude/projects/p/0a1b.jsonl");
  EXPECT_EQ(n.path(), "claude/projects/p/0a1b.jsonl");
  EXPECT_EQ(n.literal(), "\"claude/projects/p/0a1b.jsonl\"");
}

TEST(FileName, APathThatEscapingChangesKeepsBothExactly) {
  for (const std::string& path : {std::string("a\"b\n\xC3\xA9.jsonl"), std::string("x\\y\x01.ndjson"),
                                 std::string("")}) {
    const FileName n(path);
    EXPECT_EQ(n.path(), path);
    EXPECT_EQ(n.literal(), Literal(path));
  }
}

TEST(FileName, CopiesShareTheBytesAndOutliveTheOriginal) {
  FileName copy;
  {
    FileName original("dir/one.jsonl");
    copy = original;
    EXPECT_EQ(copy.path().data(), original.path().data());
    FileName moved = std::move(original);
    EXPECT_EQ(moved.path(), "dir/one.jsonl");
  }
  EXPECT_EQ(copy.path(), "dir/one.jsonl");
  copy = copy;  // self-assignment keeps it
  EXPECT_EQ(copy.literal(), "\"dir/one.jsonl\"");
  EXPECT_TRUE(FileName().path().empty());
}

TEST(FileName, AMapByPathIsInPathOrderAndFindsByAnyString) {
  std::map<FileName, int, FileName::ByPath> m;
  m.emplace(FileName("b/x.jsonl"), 2);
  m.emplace(FileName("a\"q.jsonl"), 1);  // escaping does not change the order
  m.emplace(FileName("b.jsonl"), 3);
  std::string order;
  for (const auto& [name, v] : m) order += std::string(name.path()) + ";";
  EXPECT_EQ(order, "a\"q.jsonl;b.jsonl;b/x.jsonl;");
  EXPECT_EQ(m.find(std::string("b/x.jsonl"))->second, 2);
  EXPECT_EQ(m.find(std::string_view("a\"q.jsonl"))->second, 1);
  EXPECT_EQ(m.find(std::string("c")), m.end());
  EXPECT_EQ(m.lower_bound(std::string("b/"))->first.path(), "b/x.jsonl");
}

}  // namespace
}  // namespace logdex::index
