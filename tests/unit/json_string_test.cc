// JSON string literals: decoding what a log wrote into WTF-8, and encoding
// what a row shows with SPEC §3's minimal escaping.
#include "index/json_string.h"

#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace logdex::index {
namespace {

// Verbs: Decode a literal body (what is between the quotes), Encode a WTF-8 text.
std::string Decode(std::string_view body) {
  std::string out;
  EXPECT_TRUE(DecodeJsonString(body, &out)) << body;
  return out;
}

std::string Encode(std::string_view text) {
  std::string out;
  AppendJsonString(text, &out);
  return out;
}

// ---- DecodeJsonString ----

TEST(DecodeJsonString, PlainTextDecodesToItself) {
  EXPECT_EQ(Decode("hello world"), "hello world");
  EXPECT_EQ(Decode(""), "");
}

TEST(DecodeJsonString, AppendsToWhatIsAlreadyThere) {
  std::string out = "x";
  ASSERT_TRUE(DecodeJsonString("y", &out));
  EXPECT_EQ(out, "xy");
}

TEST(DecodeJsonString, EverySimpleEscapeDecodes) {
  EXPECT_EQ(Decode(R"(\")"), "\"");
  EXPECT_EQ(Decode(R"(\\)"), "\\");
  EXPECT_EQ(Decode(R"(\/)"), "/");
  EXPECT_EQ(Decode(R"(\b)"), "\b");
  EXPECT_EQ(Decode(R"(\f)"), "\f");
  EXPECT_EQ(Decode(R"(\n)"), "\n");
  EXPECT_EQ(Decode(R"(\r)"), "\r");
  EXPECT_EQ(Decode(R"(\t)"), "\t");
  EXPECT_EQ(Decode(R"(a\"b\\c\/d\be\ff\ng\rh\ti)"), "a\"b\\c/d\be\ff\ng\rh\ti");
}

TEST(DecodeJsonString, UnicodeEscapesDecodeToUtf8OfEveryLength) {
  EXPECT_EQ(Decode(R"(\u0041)"), "A");
  EXPECT_EQ(Decode(R"(\u0000)"), std::string("\0", 1));
  EXPECT_EQ(Decode(R"(\u00e9)"), "\xC3\xA9");      // é, 2 bytes
  EXPECT_EQ(Decode(R"(\u00E9)"), "\xC3\xA9");      // hex digits of either case
  EXPECT_EQ(Decode(R"(\u20ac)"), "\xE2\x82\xAC");  // €, 3 bytes
  EXPECT_EQ(Decode(R"(\uffff)"), "\xEF\xBF\xBF");
}

TEST(DecodeJsonString, SurrogatePairDecodesToOneFourByteCharacter) {
  EXPECT_EQ(Decode(R"(\ud83d\ude00)"), "\xF0\x9F\x98\x80");  // U+1F600
  EXPECT_EQ(Decode(R"(\uD800\uDC00)"), "\xF0\x90\x80\x80");  // U+10000
  EXPECT_EQ(Decode(R"(\udbff\udfff)"), "\xF4\x8F\xBF\xBF");  // U+10FFFF
}

TEST(DecodeJsonString, UnpairedHighSurrogateDecodesToWtf8) {
  EXPECT_EQ(Decode(R"(\ud800)"), "\xED\xA0\x80");
  EXPECT_EQ(Decode(R"(a\udbffb)"), "a\xED\xAF\xBF" "b");
}

TEST(DecodeJsonString, UnpairedLowSurrogateDecodesToWtf8) {
  EXPECT_EQ(Decode(R"(\udc00)"), "\xED\xB0\x80");
  EXPECT_EQ(Decode(R"(\udfff)"), "\xED\xBF\xBF");
}

TEST(DecodeJsonString, LowThenHighSurrogateAreTwoUnpairedSurrogates) {
  EXPECT_EQ(Decode(R"(\udc00\ud800)"), "\xED\xB0\x80\xED\xA0\x80");
}

TEST(DecodeJsonString, HighSurrogateFollowedByNonLowEscapeStaysUnpaired) {
  EXPECT_EQ(Decode(R"(\ud800\u0041)"), "\xED\xA0\x80" "A");
  EXPECT_EQ(Decode(R"(\ud800\ud800)"), "\xED\xA0\x80\xED\xA0\x80");
  EXPECT_EQ(Decode(R"(\ud800\n)"), "\xED\xA0\x80\n");
}

TEST(DecodeJsonString, HighSurrogateFollowedByLiteralTextStaysUnpaired) {
  EXPECT_EQ(Decode(R"(\ud800x)"), "\xED\xA0\x80x");
}

TEST(DecodeJsonString, LiteralMultibyteUtf8PassesThrough) {
  EXPECT_EQ(Decode("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(DecodeJsonString, MalformedEscapesAreRefused) {
  std::string out;
  EXPECT_FALSE(DecodeJsonString(R"(\x)", &out));
  out.clear();
  EXPECT_FALSE(DecodeJsonString(R"(\u12)", &out));
  out.clear();
  EXPECT_FALSE(DecodeJsonString(R"(\u12g4)", &out));
  out.clear();
  EXPECT_FALSE(DecodeJsonString("\\", &out));
}

// ---- AppendJsonString ----

TEST(AppendJsonString, PlainTextIsQuoted) {
  EXPECT_EQ(Encode("abc"), R"("abc")");
  EXPECT_EQ(Encode(""), R"("")");
}

TEST(AppendJsonString, AppendsToWhatIsAlreadyThere) {
  std::string out = "{";
  AppendJsonString("k", &out);
  EXPECT_EQ(out, R"({"k")");
}

TEST(AppendJsonString, QuoteAndBackslashAreEscaped) {
  EXPECT_EQ(Encode("a\"b\\c"), R"("a\"b\\c")");
}

TEST(AppendJsonString, ControlCharactersWithShortEscapesUseThem) {
  EXPECT_EQ(Encode("\b\f\n\r\t"), R"("\b\f\n\r\t")");
}

TEST(AppendJsonString, OtherControlCharactersAreLowercaseU00xx) {
  EXPECT_EQ(Encode(std::string("\0", 1)), R"("\u0000")");
  EXPECT_EQ(Encode("\x01"), R"("\u0001")");
  EXPECT_EQ(Encode("\x0b"), R"("\u000b")");
  EXPECT_EQ(Encode("\x1b"), R"("\u001b")");
  EXPECT_EQ(Encode("\x1f"), R"("\u001f")");
}

TEST(AppendJsonString, SlashIsLiteral) {
  EXPECT_EQ(Encode("a/b"), R"("a/b")");
}

TEST(AppendJsonString, SpaceAndDelAreLiteral) {
  EXPECT_EQ(Encode(" \x7f"), "\" \x7f\"");
}

TEST(AppendJsonString, NonAsciiIsLiteralUtf8) {
  EXPECT_EQ(Encode("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"),
            "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"");
  EXPECT_EQ(Encode("\xEF\xBF\xBF"), "\"\xEF\xBF\xBF\"");  // U+FFFF
  EXPECT_EQ(Encode("\xED\x9F\xBF"), "\"\xED\x9F\xBF\"");  // U+D7FF, just below surrogates
}

TEST(AppendJsonString, UnpairedSurrogateIsWrittenAsLowercaseEscape) {
  EXPECT_EQ(Encode("\xED\xA0\x80"), R"("\ud800")");
  EXPECT_EQ(Encode("\xED\xAF\xBF"), R"("\udbff")");
  EXPECT_EQ(Encode("\xED\xB0\x80"), R"("\udc00")");
  EXPECT_EQ(Encode("x\xED\xBF\xBFy"), R"("x\udfffy")");
}

TEST(AppendJsonString, EveryByteThatNeedsCareIsFoundWhereverItFallsInALongString) {
  // Long plain runs are copied a word at a time; a byte that is not plain
  // must be seen at any position in or after such a run.
  struct Case {
    std::string_view raw, escaped;
  } cases[] = {
      {std::string_view("\0", 1), "\\u0000"}, {"\x1f", "\\u001f"},  {"\n", "\\n"},
      {"\"", "\\\""},                      {"\\", "\\\\"},      {"\xED\xA0\x80", "\\ud800"},
      {"\xED\x9F\xBF", "\xED\x9F\xBF"},     {"\x7f", "\x7f"},        {" ", " "},
      {"\xC3\xA9", "\xC3\xA9"},
  };
  for (const Case& c : cases) {
    for (size_t before = 0; before <= 19; ++before) {
      const std::string text = std::string(before, 'a') + std::string(c.raw) + std::string(20, 'b');
      const std::string want =
          "\"" + std::string(before, 'a') + std::string(c.escaped) + std::string(20, 'b') + "\"";
      EXPECT_EQ(Encode(text), want) << before;
      EXPECT_EQ(JsonStringLength(text), want.size()) << before;
    }
  }
}

// ---- both ways ----

TEST(JsonStringRoundTrip, DecodedTextEncodesToTheMinimalLiteral) {
  struct Case {
    std::string_view body, literal;
  } cases[] = {
      {R"(plain)", R"("plain")"},
      {R"(\/path\/to)", R"("/path/to")"},
      {R"(\u0022\u005c)", R"("\"\\")"},
      {R"(\u0008\u000C\u000a)", R"("\b\f\n")"},
      {R"(\u001F\u007f)", "\"\\u001f\x7f\""},
      {R"(\u00e9)", "\"\xC3\xA9\""},
      {R"(\ud83d\ude00)", "\"\xF0\x9F\x98\x80\""},
      {R"(\uD83D)", R"("\ud83d")"},
      {R"(\uDE00x\uD83D)", R"("\ude00x\ud83d")"},
  };
  for (const Case& c : cases) EXPECT_EQ(Encode(Decode(c.body)), c.literal) << c.body;
}

// (WTF-8 never holds a high surrogate followed by a low one: that is a pair.)
TEST(JsonStringRoundTrip, EncodedTextDecodesBackToItself) {
  const std::string texts[] = {
      "",
      "a\"b\\c/d",
      std::string("\0\x01\x1f\b\f\n\r\t\x7f", 9),
      "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80",
      "\xED\xB0\x80\xED\xA0\x80",  // low then high: two unpaired surrogates
      "\xED\xA0\x80" "A\xF0\x90\x80\x80",
  };
  for (const std::string& t : texts) {
    const std::string lit = Encode(t);
    ASSERT_GE(lit.size(), 2u);
    EXPECT_EQ(Decode(std::string_view(lit).substr(1, lit.size() - 2)), t) << lit;
  }
}

}  // namespace
}  // namespace logdex::index
