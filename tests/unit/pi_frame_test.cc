// One segment line parsed as pi's serde_json parses a SegmentFrame
// (index/pi_frame.h; PI_FORMAT §2.1, §6): the eleven keys and no others, no
// key twice, the right JSON types, unpaired surrogates refused in string
// fields but not in the payload, depth up to 1024 in the whole line; and
// which lines are blank for pi (Rust's str::trim).
#include "index/pi_frame.h"

#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "index/json_validator.h"

namespace logdex::index {
namespace {

using namespace std::string_view_literals;

// A frame's members as raw JSON text, in pi's order; an empty value leaves
// the member out.
struct Members {
  std::string schema = R"("pi.session_store_v2.segment_frame.v1")";
  std::string segmentSeq = "1";
  std::string frameSeq = "2";
  std::string entrySeq = "3";
  std::string entryId = R"("a1b2c3d4")";
  std::string parentEntryId = "";
  std::string entryType = R"("message")";
  std::string timestamp = R"("2026-02-15T18:10:00.125Z")";
  std::string payloadSha256 =
      R"("9d936797b52f746b03b8840097ddadca1fb298666cc196aded0dab44922da5bd")";
  std::string payloadBytes = "7";
  std::string payload = R"({"a":1})";
  std::string extra;  // raw text appended after the last member, e.g. `,"x":1`
};

std::string Line(const Members& m) {
  std::string out = "{";
  auto add = [&out](std::string_view key, const std::string& value) {
    if (value.empty()) return;
    if (out.size() > 1) out += ",";
    out += "\"" + std::string(key) + "\":" + value;
  };
  add("schema", m.schema);
  add("segmentSeq", m.segmentSeq);
  add("frameSeq", m.frameSeq);
  add("entrySeq", m.entrySeq);
  add("entryId", m.entryId);
  add("parentEntryId", m.parentEntryId);
  add("entryType", m.entryType);
  add("timestamp", m.timestamp);
  add("payloadSha256", m.payloadSha256);
  add("payloadBytes", m.payloadBytes);
  add("payload", m.payload);
  return out + m.extra + "}";
}

class PiFrameTest : public ::testing::Test {
 protected:
  // Parses `text` both ways (with and without the padding the fast
  // validator needs) and checks that both agree.
  PiFrameError Parse(std::string_view text) {
    PiFrame slow;
    const PiFrameError unpadded_error = parser_.Parse(text, &slow, /*padded=*/false);
    padded_.assign(text);  // frame_.payload points into it until the next Parse
    padded_.append(kJsonPadding, '\0');
    const PiFrameError e =
        parser_.Parse(std::string_view(padded_.data(), text.size()), &frame_, /*padded=*/true);
    EXPECT_EQ(e, unpadded_error) << text.substr(0, 200);
    return e;
  }
  PiFrameError Parse(const Members& m) { return Parse(Line(m)); }

  PiFrameParser parser_;
  std::string padded_;
  PiFrame frame_;
};

TEST_F(PiFrameTest, AFrameGivesEveryFieldDecoded) {
  Members m;
  m.parentEntryId = R"("p\u0031")";
  ASSERT_EQ(Parse(m), PiFrameError::kNone);
  EXPECT_EQ(frame_.schema, "pi.session_store_v2.segment_frame.v1");
  EXPECT_EQ(frame_.segment_seq, 1u);
  EXPECT_EQ(frame_.frame_seq, 2u);
  EXPECT_EQ(frame_.entry_seq, 3u);
  EXPECT_EQ(frame_.entry_id, "a1b2c3d4");
  EXPECT_TRUE(frame_.has_parent);
  EXPECT_EQ(frame_.parent_entry_id, "p1");
  EXPECT_EQ(frame_.entry_type, "message");
  EXPECT_EQ(frame_.timestamp, "2026-02-15T18:10:00.125Z");
  EXPECT_EQ(frame_.payload_sha256,
            "9d936797b52f746b03b8840097ddadca1fb298666cc196aded0dab44922da5bd");
  EXPECT_EQ(frame_.payload_bytes, 7u);
  EXPECT_EQ(frame_.payload, R"({"a":1})");
}

TEST_F(PiFrameTest, ParentEntryIdMayBeAbsentOrNull) {
  Members m;
  ASSERT_EQ(Parse(m), PiFrameError::kNone);
  EXPECT_FALSE(frame_.has_parent);
  m.parentEntryId = "null";
  ASSERT_EQ(Parse(m), PiFrameError::kNone);
  EXPECT_FALSE(frame_.has_parent);
}

TEST_F(PiFrameTest, ParentEntryIdThatIsNeitherAStringNorNullIsAWrongType) {
  for (const char* v : {"1", "true", "{}", "[]"}) {
    Members m;
    m.parentEntryId = v;
    EXPECT_EQ(Parse(m), PiFrameError::kWrongType) << v;
    EXPECT_EQ(parser_.detail(), "parentEntryId");
  }
}

TEST_F(PiFrameTest, EveryKeyButParentEntryIdIsRequired) {
  const std::vector<std::pair<const char*, std::string Members::*>> required = {
      {"schema", &Members::schema},
      {"segmentSeq", &Members::segmentSeq},
      {"frameSeq", &Members::frameSeq},
      {"entrySeq", &Members::entrySeq},
      {"entryId", &Members::entryId},
      {"entryType", &Members::entryType},
      {"timestamp", &Members::timestamp},
      {"payloadSha256", &Members::payloadSha256},
      {"payloadBytes", &Members::payloadBytes},
      {"payload", &Members::payload}};
  for (const auto& [name, field] : required) {
    Members m;
    m.*field = "";
    EXPECT_EQ(Parse(m), PiFrameError::kMissingKey) << name;
    EXPECT_EQ(parser_.detail(), name);
  }
}

TEST_F(PiFrameTest, AnUnknownKeyIsRefused) {
  Members m;
  m.extra = R"(,"extra":1)";
  EXPECT_EQ(Parse(m), PiFrameError::kUnknownKey);
  EXPECT_EQ(parser_.detail(), "extra");
}

TEST_F(PiFrameTest, ALongUnknownKeyIsNamedClippedToWholeCharacters) {
  Members m;
  m.extra = ",\"" + std::string(63, 'k') + "\xC3\xA9tail\":1";  // byte 64 is inside the "é"
  EXPECT_EQ(Parse(m), PiFrameError::kUnknownKey);
  EXPECT_EQ(parser_.detail(), std::string(63, 'k'));
}

TEST_F(PiFrameTest, KeysAreMatchedCaseSensitively) {
  EXPECT_EQ(Parse(R"({"Schema":"x"})"), PiFrameError::kUnknownKey);
  EXPECT_EQ(Parse(R"({"entry_seq":1})"), PiFrameError::kUnknownKey);
}

TEST_F(PiFrameTest, EscapedKeysAreComparedDecoded) {
  Members m;
  std::string line = Line(m);
  line.replace(line.find("\"schema\""), 8, R"("sch\u0065ma")");
  ASSERT_EQ(Parse(line), PiFrameError::kNone);
  EXPECT_EQ(frame_.schema, "pi.session_store_v2.segment_frame.v1");
}

TEST_F(PiFrameTest, AKeyGivenTwiceIsRefused) {
  Members m;
  m.extra = R"(,"entryId":"again")";
  EXPECT_EQ(Parse(m), PiFrameError::kDuplicateKey);
  EXPECT_EQ(parser_.detail(), "entryId");
}

TEST_F(PiFrameTest, AKeyGivenTwiceIsRefusedEvenWhenOneIsEscaped) {
  Members m;
  m.extra = R"(,"entr\u0079Id":"again")";
  EXPECT_EQ(Parse(m), PiFrameError::kDuplicateKey);
}

TEST_F(PiFrameTest, ParentEntryIdGivenTwiceIsRefusedEvenAsNull) {
  Members m;
  m.parentEntryId = "null";
  m.extra = R"(,"parentEntryId":null)";
  EXPECT_EQ(Parse(m), PiFrameError::kDuplicateKey);
}

TEST_F(PiFrameTest, U64FieldsArePlainDigitsBelowTwoToThe64) {
  Members m;
  m.entrySeq = "18446744073709551615";
  ASSERT_EQ(Parse(m), PiFrameError::kNone);
  EXPECT_EQ(frame_.entry_seq, UINT64_MAX);
  m.entrySeq = "0";
  ASSERT_EQ(Parse(m), PiFrameError::kNone);
  EXPECT_EQ(frame_.entry_seq, 0u);
}

TEST_F(PiFrameTest, U64FieldsWithAFractionExponentSignQuotesOrOverflowAreWrongTypes) {
  for (const char* v : {"1.0", "1e3", "1E3", "-1", "-0", "\"1\"", "18446744073709551616",
                        "99999999999999999999999", "null", "true", "[1]"}) {
    for (std::string Members::*field :
         {&Members::segmentSeq, &Members::frameSeq, &Members::entrySeq, &Members::payloadBytes}) {
      Members m;
      m.*field = v;
      EXPECT_EQ(Parse(m), PiFrameError::kWrongType) << v;
    }
  }
}

TEST_F(PiFrameTest, StringFieldsThatAreNotStringsAreWrongTypes) {
  for (std::string Members::*field : {&Members::schema, &Members::entryId, &Members::entryType,
                                      &Members::timestamp, &Members::payloadSha256}) {
    for (const char* v : {"1", "null", "{}", "[\"a\"]", "false"}) {
      Members m;
      m.*field = v;
      EXPECT_EQ(Parse(m), PiFrameError::kWrongType) << v;
    }
  }
}

TEST_F(PiFrameTest, StringEscapesAreDecoded) {
  Members m;
  m.entryId = R"("a\/b\u0041\n\"\\\u00e9\ud83d\ude00")";
  ASSERT_EQ(Parse(m), PiFrameError::kNone);
  EXPECT_EQ(frame_.entry_id, "a/bA\n\"\\\xC3\xA9\xF0\x9F\x98\x80");
}

TEST_F(PiFrameTest, AnUnpairedSurrogateInAStringFieldIsRefused) {
  for (const char* v : {R"("\ud800")", R"("x\udc00y")", R"("\ud83d\u0041")", R"("\ude00\ud83d")"}) {
    for (std::string Members::*field :
         {&Members::schema, &Members::entryId, &Members::entryType, &Members::timestamp,
          &Members::payloadSha256, &Members::parentEntryId}) {
      Members m;
      m.*field = v;
      EXPECT_EQ(Parse(m), PiFrameError::kLoneSurrogate) << v;
    }
  }
}

TEST_F(PiFrameTest, AnUnpairedSurrogateInThePayloadIsAccepted) {
  Members m;
  m.payload = R"({"text":"\ud800 half","\udc00":["\ud83d"]})";
  ASSERT_EQ(Parse(m), PiFrameError::kNone);
  EXPECT_EQ(frame_.payload, m.payload);
}

TEST_F(PiFrameTest, ThePayloadMayBeAnyJsonValue) {
  for (const char* v : {"null", "0", "-1.5e300", "1e99999", "\"text\"", "[]", "{}",
                        "[1,[2,{\"a\":null}]]", "123456789012345678901234567890"}) {
    Members m;
    m.payload = v;
    ASSERT_EQ(Parse(m), PiFrameError::kNone) << v;
    EXPECT_EQ(frame_.payload, v);
  }
}

TEST_F(PiFrameTest, ThePayloadIsTheExactSliceOfItsValue) {
  const std::string line =
      R"({"schema":"s","segmentSeq":1,"frameSeq":1,"entrySeq":1,"entryId":"e","entryType":"t","timestamp":"x","payloadSha256":"h","payloadBytes":1,"payload" :  { "b" : [ 1 , 2 ] ,"a":"\u0041" }  })";
  ASSERT_EQ(Parse(line), PiFrameError::kNone);
  EXPECT_EQ(frame_.payload, R"({ "b" : [ 1 , 2 ] ,"a":"\u0041" })");
}

TEST_F(PiFrameTest, InvalidJsonAnywhereInTheLineIsNotAFrame) {
  for (const char* payload : {R"({"a":1,,})", R"({"a":NaN})", R"({"a":01})", R"([1,])",
                              R"({"a" 1})", "\"tab\there\"", R"("\x")",
                              R"({"a":1})"
                              "x"}) {
    Members m;
    m.payload = payload;
    EXPECT_EQ(Parse(m), PiFrameError::kNotJson) << payload;
  }
}

TEST_F(PiFrameTest, JsonWhitespaceAroundTheObjectIsAllowed) {
  EXPECT_EQ(Parse(" \t\r\n" + Line(Members()) + " \r\n\t"), PiFrameError::kNone);
}

TEST_F(PiFrameTest, AByteOrderMarkOrTrailingTextIsNotAFrame) {
  EXPECT_EQ(Parse("\xEF\xBB\xBF" + Line(Members())), PiFrameError::kNotJson);
  EXPECT_EQ(Parse(Line(Members()) + "x"), PiFrameError::kNotJson);
  EXPECT_EQ(Parse(Line(Members()) + "{}"), PiFrameError::kNotJson);
  EXPECT_EQ(Parse("\xC2\xA0" + Line(Members())),
            PiFrameError::kNotJson);  // NBSP is not JSON whitespace
}

TEST_F(PiFrameTest, OnlyAnObjectCanBeAFrame) {
  EXPECT_EQ(Parse(""), PiFrameError::kNotJson);
  EXPECT_EQ(Parse("[]"), PiFrameError::kNotJson);
  EXPECT_EQ(Parse("\"s\""), PiFrameError::kNotJson);
  EXPECT_EQ(Parse("{}"), PiFrameError::kMissingKey);
}

TEST_F(PiFrameTest, ALineNested1024DeepIsAFrame) {
  Members m;  // the frame object is level 1; the payload adds 1023
  m.payload = std::string(1023, '[') + std::string(1023, ']');
  EXPECT_EQ(Parse(m), PiFrameError::kNone);
  m.payload = std::string(1022, '[') + "{\"a\":1}" + std::string(1022, ']');
  EXPECT_EQ(Parse(m), PiFrameError::kNone);
}

TEST_F(PiFrameTest, ALineNested1025DeepIsNotAFrame) {
  Members m;
  m.payload = std::string(1024, '[') + std::string(1024, ']');
  EXPECT_EQ(Parse(m), PiFrameError::kNotJson);
}

TEST_F(PiFrameTest, ValuesAreNotChecked) {
  // Rebuild parses only: the schema string, entry type, timestamp, id
  // charset and payload hash are checked later (PI_FORMAT §5.1).
  Members m;
  m.schema = R"("not.the.schema")";
  m.entryType = R"("no_such_type")";
  m.timestamp = R"("yesterday")";
  m.entryId = R"("has space/and:colon")";
  m.payloadSha256 = R"("0")";
  m.payloadBytes = "999";
  EXPECT_EQ(Parse(m), PiFrameError::kNone);
}

TEST(PiBlankLineTest, UnicodeWhiteSpaceIsBlank) {
  for (std::string_view line :
       {""sv, "\n"sv, " "sv, "  \r\n"sv, "\t\n"sv, "\x0B\x0C\r"sv, "\xC2\x85"sv, "\xC2\xA0\n"sv,
        "\xE1\x9A\x80"sv, "\xE2\x80\x80"sv, "\xE2\x80\x8A"sv, "\xE2\x80\xA8"sv, "\xE2\x80\xA9"sv,
        "\xE2\x80\xAF"sv, "\xE2\x81\x9F"sv, "\xE3\x80\x80 \n"sv}) {
    EXPECT_TRUE(IsPiBlankLine(line)) << line;
  }
}

TEST(PiBlankLineTest, OtherCharactersAreNotBlank) {
  // 0x1C-0x1F are whitespace to Python's str.strip but not Unicode
  // White_Space; neither are U+200B, U+2060 and U+FEFF.
  for (std::string_view line : {"x"sv, " x \n"sv, "\x1C"sv, "\x1F\n"sv, "\x00"sv, "\xE2\x80\x8B"sv,
                                "\xEF\xBB\xBF"sv, "\xC2\xA1"sv, "\xE2\x81\xA0"sv, "{}"sv}) {
    EXPECT_FALSE(IsPiBlankLine(line)) << line;
  }
}

}  // namespace
}  // namespace logdex::index
