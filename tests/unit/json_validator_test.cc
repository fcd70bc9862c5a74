// "Valid frame" (SPEC §2): one RFC 8259 value that is an object, valid UTF-8,
// nested at most 1024 deep; numbers of any size and unpaired-surrogate
// escapes allowed; a BOM not. Both checkers must give the same answer.
#include "index/json_validator.h"

#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace logdex::index {
namespace {

class JsonValidatorTest : public ::testing::Test {
 protected:
  // Verbs: Valid / Invalid assert both checkers agree on the answer.
  void ExpectValid(std::string_view text) { Expect(text, true); }
  void ExpectInvalid(std::string_view text) { Expect(text, false); }

 private:
  void Expect(std::string_view text, bool want) {
    EXPECT_EQ(StrictJsonObject(text), want) << "StrictJsonObject: " << Show(text);
    // IsObject reads up to kJsonPadding bytes past the end: give it padding
    // that is not whitespace, so trailing bytes can't sneak into the answer.
    std::string padded(text);
    padded.append(kJsonPadding, 'x');
    EXPECT_EQ(validator_.IsObject(std::string_view(padded).substr(0, text.size())), want)
        << "JsonValidator::IsObject: " << Show(text);
  }
  static std::string Show(std::string_view text) {
    if (text.size() > 80) return std::string(text.substr(0, 80)) + "...";
    return std::string(text);
  }
  JsonValidator validator_;
};

// Nesting: the outer object is level 1; each `{"a":` or `[` adds one.
std::string NestedObjects(int depth) {
  std::string s;
  for (int i = 1; i < depth; ++i) s += "{\"a\":";
  s += "{}";
  for (int i = 1; i < depth; ++i) s += "}";
  return s;
}
std::string NestedArrays(int depth) {  // object at level 1, arrays below
  return "{\"a\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
}

TEST_F(JsonValidatorTest, SimpleObjectsAreValid) {
  ExpectValid(R"({"a":1})");
  ExpectValid(R"({"a":"b","c":[1,2,{"d":null}],"e":{"f":true,"g":false}})");
  ExpectValid(R"({"n":-12.5e+3,"m":0.5,"o":1E-2,"p":0})");
}

TEST_F(JsonValidatorTest, EmptyObjectIsValid) {
  ExpectValid("{}");
  ExpectValid("{ }");
}

TEST_F(JsonValidatorTest, WhitespaceAroundAndInsideIsValid) {
  ExpectValid(" \t\r\n{ \"a\" : 1 , \"b\" :\t[ 1 , 2 ] }\r\n\t ");
}

TEST_F(JsonValidatorTest, EmptyOrBlankTextIsInvalid) {
  ExpectInvalid("");
  ExpectInvalid("   ");
}

TEST_F(JsonValidatorTest, TopLevelValuesOtherThanObjectsAreInvalid) {
  ExpectInvalid("[]");
  ExpectInvalid(R"([{"a":1}])");
  ExpectInvalid(R"("a")");
  ExpectInvalid("1");
  ExpectInvalid("true");
  ExpectInvalid("null");
}

TEST_F(JsonValidatorTest, NestingOf1024LevelsIsValid) {
  ExpectValid(NestedObjects(1024));
  ExpectValid(NestedArrays(1024));
}

TEST_F(JsonValidatorTest, NestingOf1025LevelsIsInvalid) {
  ExpectInvalid(NestedObjects(1025));
  ExpectInvalid(NestedArrays(1025));
}

TEST_F(JsonValidatorTest, VeryDeepNestingIsInvalidWithoutCrashing) {
  ExpectInvalid(NestedArrays(100000));
  ExpectInvalid("{\"a\":" + std::string(100000, '['));  // and never closed
}

TEST_F(JsonValidatorTest, TrailingGarbageIsInvalid) {
  ExpectInvalid(R"({"a":1}x)");
  ExpectInvalid(R"({"a":1}})");
  ExpectInvalid(R"({"a":1},)");
  ExpectInvalid(std::string("{\"a\":1}\0", 8));
}

TEST_F(JsonValidatorTest, TwoObjectsOnOneLineAreInvalid) {
  ExpectInvalid(R"({"a":1}{"b":2})");
  ExpectInvalid(R"({"a":1} {"b":2})");
}

TEST_F(JsonValidatorTest, TruncatedObjectsAreInvalid) {
  ExpectInvalid("{");
  ExpectInvalid(R"({"a")");
  ExpectInvalid(R"({"a":)");
  ExpectInvalid(R"({"a":1)");
  ExpectInvalid(R"({"a":"b)");
}

TEST_F(JsonValidatorTest, NanAndInfinityAreInvalid) {
  ExpectInvalid(R"({"a":NaN})");
  ExpectInvalid(R"({"a":Infinity})");
  ExpectInvalid(R"({"a":-Infinity})");
}

TEST_F(JsonValidatorTest, MalformedNumbersAreInvalid) {
  ExpectInvalid(R"({"a":01})");
  ExpectInvalid(R"({"a":-01})");
  ExpectInvalid(R"({"a":+1})");
  ExpectInvalid(R"({"a":.5})");
  ExpectInvalid(R"({"a":1.})");
  ExpectInvalid(R"({"a":1e})");
  ExpectInvalid(R"({"a":-})");
  ExpectInvalid(R"({"a":0x10})");
}

TEST_F(JsonValidatorTest, HugeNumbersAreValid) {
  ExpectValid(R"({"a":1e400})");
  ExpectValid(R"({"a":-1e-400})");
  ExpectValid("{\"a\":" + std::string(400, '9') + "}");
  ExpectValid("{\"a\":-" + std::string(400, '9') + "." + std::string(400, '1') + "}");
  ExpectValid(R"({"a":18446744073709551616})");
}

TEST_F(JsonValidatorTest, NegativeZeroIsValid) {
  ExpectValid(R"({"a":-0})");
  ExpectValid(R"({"a":-0.0e0})");
}

TEST_F(JsonValidatorTest, UnescapedControlCharacterInStringIsInvalid) {
  ExpectInvalid("{\"a\":\"x\ty\"}");
  ExpectInvalid("{\"a\":\"x\ny\"}");
  ExpectInvalid("{\"a\":\"\x1f\"}");
  ExpectInvalid(std::string("{\"a\":\"\0\"}", 8));
  ExpectInvalid("{\"a\x01\":1}");
}

TEST_F(JsonValidatorTest, DelInStringIsValid) {
  ExpectValid("{\"a\":\"\x7f\"}");
}

TEST_F(JsonValidatorTest, LoneContinuationOrFFByteIsInvalid) {
  ExpectInvalid("{\"a\":\"\xff\"}");
  ExpectInvalid("{\"a\":\"\x80\"}");
  ExpectInvalid("{\"a\xfe\":1}");
}

TEST_F(JsonValidatorTest, OverlongEncodingIsInvalid) {
  ExpectInvalid("{\"a\":\"\xC0\x80\"}");
  ExpectInvalid("{\"a\":\"\xC1\xBF\"}");
  ExpectInvalid("{\"a\":\"\xE0\x80\xAF\"}");
}

TEST_F(JsonValidatorTest, Utf8EncodedSurrogateIsInvalid) {
  ExpectInvalid("{\"a\":\"\xED\xA0\x80\"}");
  ExpectInvalid("{\"a\":\"\xED\xBF\xBF\"}");
}

TEST_F(JsonValidatorTest, CodePointAbove10FFFFIsInvalid) {
  ExpectInvalid("{\"a\":\"\xF4\x90\x80\x80\"}");
  ExpectInvalid("{\"a\":\"\xF5\x80\x80\x80\"}");
}

TEST_F(JsonValidatorTest, TruncatedUtf8SequenceIsInvalid) {
  ExpectInvalid("{\"a\":\"\xE2\x82\"}");
  ExpectInvalid("{\"a\":\"\xF0\x9F\x98\"}");
  ExpectInvalid("{\"a\":\"\xC3\"}");
}

TEST_F(JsonValidatorTest, InvalidUtf8OutsideStringsIsInvalid) {
  ExpectInvalid("{\"a\":1}\xff");
  ExpectInvalid("\xff{\"a\":1}");
}

TEST_F(JsonValidatorTest, ValidMultibyteUtf8IsValid) {
  ExpectValid("{\"caf\xC3\xA9\":\"\xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xBF\xBF\"}");
}

TEST_F(JsonValidatorTest, EscapedUnpairedSurrogatesAreValid) {
  ExpectValid(R"({"a":"\ud800"})");
  ExpectValid(R"({"a":"\udc00"})");
  ExpectValid(R"({"a":"x\udbffy\udfff"})");
  ExpectValid(R"({"\ud800":1})");
  ExpectValid(R"({"a":"\ud83d\ude00"})");
}

TEST_F(JsonValidatorTest, ByteOrderMarkBeforeObjectIsInvalid) {
  ExpectInvalid("\xEF\xBB\xBF{\"a\":1}");
}

TEST_F(JsonValidatorTest, MissingOrExtraCommasAreInvalid) {
  ExpectInvalid(R"({"a":1,,})");
  ExpectInvalid(R"({"a":1,})");
  ExpectInvalid(R"({,"a":1})");
  ExpectInvalid(R"({"a":1 "b":2})");
  ExpectInvalid(R"({"a":[1,]})");
  ExpectInvalid(R"({"a":[1 2]})");
}

TEST_F(JsonValidatorTest, MalformedMembersAreInvalid) {
  ExpectInvalid(R"({a:1})");
  ExpectInvalid(R"({'a':1})");
  ExpectInvalid(R"({"a" 1})");
  ExpectInvalid(R"({"a"::1})");
  ExpectInvalid(R"({1:1})");
  ExpectInvalid(R"({"a":})");
}

TEST_F(JsonValidatorTest, BadEscapesAreInvalid) {
  ExpectInvalid(R"({"a":"\x"})");
  ExpectInvalid(R"({"a":"\'"})");
  ExpectInvalid(R"({"a":"\U0041"})");
  ExpectInvalid(R"({"a\q":1})");
}

TEST_F(JsonValidatorTest, ShortUnicodeEscapesAreInvalid) {
  ExpectInvalid(R"({"a":"\u12"})");
  ExpectInvalid(R"({"a":"\u12g4"})");
  ExpectInvalid(R"({"a":"\u"})");
}

TEST_F(JsonValidatorTest, AllEscapesAreValid) {
  ExpectValid(R"({"a":"\"\\\/\b\f\n\r\t\u0000\u00e9\uFFFF"})");
}

TEST_F(JsonValidatorTest, DuplicateKeysAreValid) {
  ExpectValid(R"({"a":1,"a":2})");
}

TEST_F(JsonValidatorTest, LiteralsAreValid) {
  ExpectValid(R"({"t":true,"f":false,"n":null,"l":[true,false,null]})");
}

TEST_F(JsonValidatorTest, MisspelledOrMiscasedLiteralsAreInvalid) {
  ExpectInvalid(R"({"a":tru})");
  ExpectInvalid(R"({"a":nul})");
  ExpectInvalid(R"({"a":falsey})");
  ExpectInvalid(R"({"a":True})");
  ExpectInvalid(R"({"a":NULL})");
}

TEST_F(JsonValidatorTest, OneValidatorJudgesManyTextsInTurn) {
  ExpectInvalid(R"({"a":[1,2)");
  ExpectValid(R"({"a":[1,2]})");
  ExpectInvalid(R"({"a":"\ud800"}x)");
  ExpectValid(R"({"a":"\ud800"})");
}

TEST_F(JsonValidatorTest, BracketsInsideStringsDoNotCountAsNesting) {
  ExpectValid("{\"a\":\"" + std::string(5000, '[') + std::string(5000, '{') + "\"}");
  ExpectValid("{\"" + std::string(2000, '[') + "\":1}");
}

TEST_F(JsonValidatorTest, NonJsonWhitespaceAroundTheObjectIsInvalid) {
  ExpectInvalid("\v{}");
  ExpectInvalid("{}\f");
  ExpectInvalid("\xC2\xA0{}");  // U+00A0
}

TEST_F(JsonValidatorTest, NulInsideAKeyIsInvalidButEscapedNulIsValid) {
  ExpectInvalid(std::string("{\"a\0\":1}", 8));
  ExpectValid(R"({"a\u0000":1})");
}

TEST_F(JsonValidatorTest, LongValidObjectIsValid) {
  std::string s = "{";
  for (int i = 0; i < 20000; ++i) {
    if (i) s += ",";
    s += "\"k" + std::to_string(i) + "\":[\"v\\n\",1.5,{\"x\":null}]";
  }
  s += "}";
  ExpectValid(s);
  s.back() = ']';
  ExpectInvalid(s);
}

// Both checkers must agree on texts near valid ones, not only on the cases
// above: mutate valid objects byte by byte and compare their answers.
TEST(JsonValidatorAgreement, CheckersAgreeOnMutationsOfValidObjects) {
  const std::string seeds[] = {
      R"({"a":1,"b":[true,false,null],"c":{"d":"e\n\u00e9\ud800"},"f":-1.5e+300})",
      R"({"type":"user","uuid":"0a1b","message":{"content":[{"type":"text","text":"hi"}]}})",
      "{\"k\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\"}",
      R"({"n":123456789012345678901234567890,"z":0,"m":-0.0})",
  };
  const char kBytes[] = {'{', '}', '[', ']', '"', '\\', ':', ',', ' ', '\n', '0', '-', 'e', '.',
                         'u', 'x', '\x00', '\x1f', '\x7f', '\x80', '\xC3', '\xED', '\xF0', '\xFF'};
  JsonValidator validator;
  uint32_t x = 1;
  auto next = [&] { return (x = x * 1103515245u + 12345u) >> 8; };
  int disagreements = 0;
  for (int i = 0; i < 40000 && disagreements < 10; ++i) {
    std::string text = seeds[next() % std::size(seeds)];
    for (int m = 1 + next() % 3; m > 0 && !text.empty(); --m) {
      const size_t pos = next() % text.size();
      const char b = kBytes[next() % sizeof kBytes];
      switch (next() % 3) {
        case 0: text[pos] = b; break;
        case 1: text.insert(pos, 1, b); break;
        default: text.erase(pos, 1 + next() % 3); break;
      }
    }
    std::string padded = text + std::string(kJsonPadding, '}');
    const bool strict = StrictJsonObject(text);
    const bool fast = validator.IsObject(std::string_view(padded).substr(0, text.size()));
    if (strict != fast) {
      ++disagreements;
      ADD_FAILURE() << "StrictJsonObject=" << strict << " IsObject=" << fast << " on "
                    << ::testing::PrintToString(text);
    }
  }
}

}  // namespace
}  // namespace logdex::index
