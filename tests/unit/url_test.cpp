// config/url: a URL parsed once into scheme, host, port, path and credentials, or refused with a
// sentence naming the wrong part; and shown without its password.

#include "config/url.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace eventrouter::config {
namespace {

using ::testing::HasSubstr;

url parsed(std::string_view text, std::string_view scheme = "http") {
  auto result = parse_url(text, scheme);
  if (auto* why = std::get_if<std::string>(&result)) {
    ADD_FAILURE() << text << ": " << *why;
    return {};
  }
  return std::get<url>(result);
}

std::string refusal(std::string_view text, std::string_view scheme = "http") {
  auto result = parse_url(text, scheme);
  if (std::holds_alternative<url>(result)) {
    ADD_FAILURE() << text << " was accepted";
    return {};
  }
  return std::get<std::string>(result);
}

TEST(url, splits_scheme_host_port_and_path) {
  auto u = parsed("http://registry.local:8081/base/?a=1");
  EXPECT_EQ(u.scheme, "http");
  EXPECT_EQ(u.host, "registry.local");
  EXPECT_EQ(u.port, 8081);
  EXPECT_EQ(u.path, "/base/?a=1");
  EXPECT_FALSE(u.has_credentials());
}

TEST(url, defaults_to_the_schemes_port_and_the_root_path) {
  auto u = parsed("http://127.0.0.1");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.path, "/");
  EXPECT_EQ(parsed("redis://cache", "redis").port, 6379);
  EXPECT_EQ(parsed("http://h?x=1").path, "/?x=1");
}

TEST(url, takes_an_ipv6_host_in_brackets_and_keeps_it_without) {
  auto u = parsed("http://[::1]:9000/x");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 9000);
  EXPECT_EQ(u.authority(), "[::1]:9000");
}

TEST(url, percent_decodes_the_user_and_password) {
  auto u = parsed("http://us%65r:p%40ss:w@hooks.internal:9000/x");
  EXPECT_EQ(u.user, "user");
  EXPECT_EQ(u.password, "p@ss:w");
  EXPECT_EQ(u.host, "hooks.internal");
  auto raw_at = parsed("http://user:p@ss@h/x");  // the credentials run to the last '@'
  EXPECT_EQ(raw_at.password, "p@ss");
  EXPECT_EQ(raw_at.host, "h");
}

TEST(url, the_authority_has_the_port_only_when_it_is_not_the_schemes) {
  EXPECT_EQ(parsed("http://127.0.0.1:18090/x").authority(), "127.0.0.1:18090");
  EXPECT_EQ(parsed("http://127.0.0.1:80/x").authority(), "127.0.0.1");
  EXPECT_EQ(parsed("redis://r:6379", "redis").authority(), "r");
}

TEST(url, the_display_form_never_shows_the_password) {
  EXPECT_EQ(parsed("http://user:p%40ss@h:9000/x").display(), "http://user:***@h:9000/x");
  EXPECT_EQ(parsed("redis://secret@h", "redis").display(), "redis://***@h/");
  EXPECT_EQ(parsed("http://a%0Db:pw@h/").display(), "http://a%0Db:***@h/");  // a decoded CR shown encoded
  EXPECT_EQ(parsed("http://h/x").display(), "http://h/x");
}

TEST(url, refuses_a_missing_or_broken_host) {
  EXPECT_THAT(refusal("http://:80/x"), HasSubstr("host is missing"));
  EXPECT_THAT(refusal("http:///x"), HasSubstr("host is missing"));
  EXPECT_THAT(refusal("http://user:pw@/x"), HasSubstr("host is missing"));
  EXPECT_THAT(refusal("http://a!b/x"), HasSubstr("not a host name"));
  EXPECT_THAT(refusal("http://[::1/x"), HasSubstr("not a host name"));
  EXPECT_THAT(refusal("http://[::1]x/"), HasSubstr("not a host name"));
  EXPECT_THAT(refusal("http://[nope]:80/"), HasSubstr("not a host name"));
}

TEST(url, refuses_a_port_outside_1_to_65535) {
  for (auto text : {"http://h:0/x", "http://h:65536/x", "http://h:99999999999/x", "http://h:8o/x", "http://h:/x",
                    "http://h:-1/x", "http://h:+80/x"}) {
    SCOPED_TRACE(text);
    EXPECT_THAT(refusal(text), HasSubstr("is not a number from 1 to 65535"));
  }
  EXPECT_EQ(parsed("http://h:65535/").port, 65535);
  EXPECT_EQ(parsed("http://h:1/").port, 1);
}

TEST(url, refuses_control_characters_spaces_and_fragments) {
  EXPECT_THAT(refusal("http://h/x\r\nX-Injected: 1"), HasSubstr("a CR (0x0D) at character 11"));
  EXPECT_THAT(refusal("http://h/x\n"), HasSubstr("an LF (0x0A)"));
  EXPECT_THAT(refusal(std::string_view("http://h/\0x", 11)), HasSubstr("a NUL (0x00)"));
  EXPECT_THAT(refusal("http://h/\x7f"), HasSubstr("0x7F"));
  EXPECT_THAT(refusal("http://h/a b"), HasSubstr("percent-encode"));
  EXPECT_THAT(refusal("http://h/\xc3\xa9"), HasSubstr("not ASCII"));
  EXPECT_THAT(refusal("http://h/x#top"), HasSubstr("fragment"));
}

TEST(url, refuses_another_scheme_tls_and_broken_percent_encoding) {
  EXPECT_THAT(refusal("https://h/x"), HasSubstr("TLS (https://) is not supported"));
  EXPECT_THAT(refusal("rediss://h", "redis"), HasSubstr("TLS (rediss://)"));
  EXPECT_THAT(refusal("ftp://h/x"), HasSubstr("the scheme is not http://"));
  EXPECT_THAT(refusal("h:80/x"), HasSubstr("no scheme"));
  EXPECT_THAT(refusal("http://u:%zz@h/"), HasSubstr("percent-encoding"));
  EXPECT_THAT(refusal("http://u:%4@h/"), HasSubstr("percent-encoding"));
}

TEST(url, listen_parts_take_port_zero_and_bracketed_ipv6) {
  EXPECT_EQ(parse_port("0"), std::uint16_t{0});
  EXPECT_EQ(parse_port("65535"), std::uint16_t{65535});
  EXPECT_FALSE(parse_port("65536"));
  EXPECT_FALSE(parse_port(""));
  EXPECT_EQ(parse_host("[::1]"), "::1");
  EXPECT_EQ(parse_host("hooks.internal"), "hooks.internal");
  EXPECT_FALSE(parse_host("::1"));
  EXPECT_FALSE(parse_host(""));
}

}  // namespace
}  // namespace eventrouter::config
