// Base64 as Pulsar's frames and HTTP Basic authorization carry bytes.

#include "transports/base64.hpp"

#include <gtest/gtest.h>

namespace eventrouter {
namespace {

TEST(base64, encodes_the_rfc_4648_test_vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(base64, every_byte_value_reads_back) {
  std::string bytes;
  for (int i = 0; i < 256; ++i)
    bytes += static_cast<char>(i);
  for (std::size_t size = 0; size <= bytes.size(); size += 37)
    EXPECT_EQ(base64_decode(base64_encode(bytes.substr(0, size))), bytes.substr(0, size)) << size;
}

TEST(base64, refuses_what_is_not_padded_standard_base64) {
  EXPECT_EQ(base64_decode("Zg"), std::nullopt);        // unpadded
  EXPECT_EQ(base64_decode("Zg=a"), std::nullopt);      // padding before a character
  EXPECT_EQ(base64_decode("Zm9v-_=="), std::nullopt);  // the URL alphabet
  EXPECT_EQ(base64_decode("Zg==Zm8="), std::nullopt);  // padding inside
  EXPECT_EQ(base64_decode("Zm 9"), std::nullopt);
}

}  // namespace
}  // namespace eventrouter
