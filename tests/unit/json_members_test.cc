// Reading the top-level members of a validated object: raw keys, exact raw
// value spans (pi hashes them), and typed field reads (SPEC §2's "wrong type").
#include "index/json_members.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "index/json_validator.h"

namespace logdex::index {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;
using ::testing::Pair;

// Verb: every member of an object as (raw key, raw value).
std::vector<std::pair<std::string, std::string>> Members(std::string_view object) {
  std::vector<std::pair<std::string, std::string>> out;
  MemberIterator it(object);
  JsonMember m;
  while (it.Next(&m)) out.emplace_back(std::string(m.raw_key), std::string(m.raw_value));
  return out;
}

// Verb: the same, told the object's member count as the validator counts it.
std::vector<std::pair<std::string, std::string>> MembersCounted(std::string_view object) {
  JsonValidator validator;
  std::string padded(object);
  padded.append(kJsonPadding, ' ');
  EXPECT_TRUE(validator.IsObject(std::string_view(padded.data(), object.size())));
  const std::optional<size_t> count = validator.MemberCount();
  EXPECT_TRUE(count.has_value());
  std::vector<std::pair<std::string, std::string>> out;
  MemberIterator it(object, count);
  JsonMember m;
  while (it.Next(&m)) out.emplace_back(std::string(m.raw_key), std::string(m.raw_value));
  return out;
}

std::optional<std::string> String(std::string_view raw_value) {
  std::string scratch;
  auto v = StringValue(raw_value, &scratch);
  if (!v) return std::nullopt;
  return std::string(*v);
}

// ---- MemberIterator ----

TEST(MemberIterator, EmptyObjectHasNoMembers) {
  EXPECT_THAT(Members("{}"), ElementsAre());
  EXPECT_THAT(Members(" { \t} "), ElementsAre());
}

TEST(MemberIterator, YieldsKeysAndValuesInDocumentOrder) {
  EXPECT_THAT(Members(R"({"b":1,"a":"x","c":true,"d":null,"e":false})"),
              ElementsAre(Pair("b", "1"), Pair("a", R"("x")"), Pair("c", "true"),
                          Pair("d", "null"), Pair("e", "false")));
}

TEST(MemberIterator, ValueSpansCarryNoSurroundingWhitespace) {
  EXPECT_THAT(Members(" \t{ \"a\" :\t 1.5e3 \r\n, \"b\"\n:\n\"s\" , \"c\": [ 1 , 2 ] } \r"),
              ElementsAre(Pair("a", "1.5e3"), Pair("b", R"("s")"), Pair("c", "[ 1 , 2 ]")));
}

TEST(MemberIterator, DuplicateKeysAreAllYielded) {
  EXPECT_THAT(Members(R"({"a":1,"a":2,"b":3,"a":4})"),
              ElementsAre(Pair("a", "1"), Pair("a", "2"), Pair("b", "3"), Pair("a", "4")));
}

TEST(MemberIterator, RawKeysKeepTheirEscapes) {
  EXPECT_THAT(Members(R"({"typ\u0065":1,"a\"b":2,"c\\":3})"),
              ElementsAre(Pair(R"(typ\u0065)", "1"), Pair(R"(a\"b)", "2"), Pair(R"(c\\)", "3")));
}

TEST(MemberIterator, NestedValuesAreSpannedWhole) {
  EXPECT_THAT(
      Members(R"({"p":{"q":{"r":[1,{"s":2}]},"t":"}"},"u":[[],[{}]],"v":0})"),
      ElementsAre(Pair("p", R"({"q":{"r":[1,{"s":2}]},"t":"}"})"), Pair("u", "[[],[{}]]"),
                  Pair("v", "0")));
}

TEST(MemberIterator, BracesAndEscapedQuotesInsideStringsDoNotEndAValue) {
  EXPECT_THAT(Members(R"({"a":{"x":"}]{[\"}\\"},"b":"\"}","c":["]\\\""]})"),
              ElementsAre(Pair("a", R"({"x":"}]{[\"}\\"})"), Pair("b", R"("\"}")"),
                          Pair("c", R"(["]\\\""])")));
}

TEST(MemberIterator, KnowingTheMemberCountSpansTheLastValueAsWalkingItWould) {
  for (std::string_view object :
       {R"({"a":1})", R"({"a":1,"payload":{"x":[1,{"y":"}"}]}})", " { \"a\" : 1 , \"b\" : [ 2 ] \t}\r ",
        R"({"a":{"b":1},"a":"dup","c":"x\"}"})", R"({"p":{}} )", R"({"n":-1.5e3})",
        R"({"s":"\u00e9\\"})"}) {
    EXPECT_EQ(MembersCounted(object), Members(object)) << object;
  }
}

TEST(MemberIterator, StringValueSpanIncludesItsQuotes) {
  EXPECT_THAT(Members(R"({"k":"v\n\u00e9"})"), ElementsAre(Pair("k", R"("v\n\u00e9")")));
}

TEST(MemberIterator, NumbersOfAnyShapeAreSpannedExactly) {
  EXPECT_THAT(Members(R"({"a":-0,"b":1e400,"c":-12.50E-7})"),
              ElementsAre(Pair("a", "-0"), Pair("b", "1e400"), Pair("c", "-12.50E-7")));
}

// ---- KeyEquals ----

TEST(KeyEquals, PlainKeyEqualsItsName) {
  EXPECT_TRUE(KeyEquals("type", "type"));
  EXPECT_FALSE(KeyEquals("type", "typ"));
  EXPECT_FALSE(KeyEquals("typ", "type"));
  EXPECT_FALSE(KeyEquals("Type", "type"));
}

TEST(KeyEquals, EscapedKeyEqualsItsDecodedName) {
  EXPECT_TRUE(KeyEquals(R"(typ\u0065)", "type"));
  EXPECT_TRUE(KeyEquals(R"(\u0073essionId)", "sessionId"));
  EXPECT_TRUE(KeyEquals(R"(a\/b)", "a/b"));
  EXPECT_FALSE(KeyEquals(R"(typ\u0066)", "type"));
}

// ---- StringValue ----

TEST(StringValue, DecodesEscapes) {
  EXPECT_THAT(String(R"("a\"b\\c\/d\n\u00e9")"), Optional(std::string("a\"b\\c/d\n\xC3\xA9")));
  EXPECT_THAT(String(R"("")"), Optional(std::string("")));
}

TEST(StringValue, KeepsUnpairedSurrogatesAsWtf8) {
  EXPECT_THAT(String(R"("\ud800")"), Optional(std::string("\xED\xA0\x80")));
}

TEST(StringValue, NonStringsAreNullopt) {
  EXPECT_EQ(String("5"), std::nullopt);
  EXPECT_EQ(String("null"), std::nullopt);
  EXPECT_EQ(String("true"), std::nullopt);
  EXPECT_EQ(String(R"({"a":"b"})"), std::nullopt);
  EXPECT_EQ(String(R"(["a"])"), std::nullopt);
}

// ---- UintValue ----

TEST(UintValue, PlainDigitsBelowTwoToThe64AreRead) {
  EXPECT_THAT(UintValue("0"), Optional(0u));
  EXPECT_THAT(UintValue("7"), Optional(7u));
  EXPECT_THAT(UintValue("18446744073709551615"), Optional(18446744073709551615ull));
}

TEST(UintValue, TwoToThe64AndAboveAreNullopt) {
  EXPECT_EQ(UintValue("18446744073709551616"), std::nullopt);
  EXPECT_EQ(UintValue("99999999999999999999"), std::nullopt);
  EXPECT_EQ(UintValue("184467440737095516150"), std::nullopt);
}

TEST(UintValue, SignsAreNullopt) {
  EXPECT_EQ(UintValue("-0"), std::nullopt);
  EXPECT_EQ(UintValue("-1"), std::nullopt);
}

TEST(UintValue, FractionsAndExponentsAreNullopt) {
  EXPECT_EQ(UintValue("1.0"), std::nullopt);
  EXPECT_EQ(UintValue("1e3"), std::nullopt);
  EXPECT_EQ(UintValue("1E3"), std::nullopt);
}

TEST(UintValue, NonNumbersAreNullopt) {
  EXPECT_EQ(UintValue("true"), std::nullopt);
  EXPECT_EQ(UintValue("null"), std::nullopt);
  EXPECT_EQ(UintValue(R"("5")"), std::nullopt);
  EXPECT_EQ(UintValue("[5]"), std::nullopt);
  EXPECT_EQ(UintValue(""), std::nullopt);
}

}  // namespace
}  // namespace logdex::index
