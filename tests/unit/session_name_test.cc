// Session file names (SPEC §10): the id's bytes, with %, / and control bytes
// as %XX, a leading dot as %2E; no file for unpaired surrogates or names
// past 255 bytes.
#include "index/session_name.h"

#include <string>

#include "gtest/gtest.h"

namespace logdex::index {
namespace {

TEST(SessionNameTest, APlainIdIsItsOwnNameWithNdjson) {
  EXPECT_EQ(SessionFileName("3f2a-11"), "3f2a-11.ndjson");
}

TEST(SessionNameTest, PercentSlashAndControlBytesAreWrittenAsUppercaseHex) {
  EXPECT_EQ(SessionFileName("a%b/c"), "a%25b%2Fc.ndjson");
  EXPECT_EQ(SessionFileName(std::string("x\x01y\x1f\n", 5)), "x%01y%1F%0A.ndjson");
  EXPECT_EQ(SessionFileName(std::string("\0z", 2)), "%00z.ndjson");
}

TEST(SessionNameTest, OnlyALeadingDotIsEscaped) {
  EXPECT_EQ(SessionFileName(".hidden.x"), "%2Ehidden.x.ndjson");
  EXPECT_EQ(SessionFileName(".."), "%2E..ndjson");
  EXPECT_EQ(SessionFileName("a.b"), "a.b.ndjson");
}

TEST(SessionNameTest, OtherBytesStayLiteral) {
  EXPECT_EQ(SessionFileName("caf\xc3\xa9 \x7f\\\"*"), "caf\xc3\xa9 \x7f\\\"*.ndjson");
}

TEST(SessionNameTest, AnUnpairedSurrogateGetsNoFile) {
  EXPECT_EQ(SessionFileName("a\xed\xa0\x80"), std::nullopt);  // \ud800 in WTF-8
  EXPECT_EQ(SessionFileName("\xed\x9f\xbf"), "\xed\x9f\xbf.ndjson");  // U+D7FF is fine
}

TEST(SessionNameTest, NamesUpTo255BytesGetAFile) {
  EXPECT_EQ(SessionFileName(std::string(248, 'a'))->size(), 255u);
  EXPECT_EQ(SessionFileName(std::string(249, 'a')), std::nullopt);
  // Escapes count with their three bytes.
  EXPECT_EQ(SessionFileName(std::string(82, '/'))->size(), 253u);
  EXPECT_EQ(SessionFileName(std::string(83, '/')), std::nullopt);
}

}  // namespace
}  // namespace logdex::index
