// An event as a Kafka message in the layout of edx-event-bus-kafka, and back.

#include "transports/ce_attributes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace eventrouter {
namespace {

using ::testing::Contains;
using ::testing::Key;
using ::testing::Not;

event sample() {
  event ev;
  ev.id = "e-1";
  ev.type = "org.openedx.content_authoring.xblock.published.v1";
  ev.source = "openedx/cms/web";
  ev.time = "2023-06-09T14:12:45.320819+00:00";
  ev.data = boost::json::object{{"xblock_info", {{"usage_key", "block-v1:x"}}}};
  return ev;
}

// Found by tests/interop: edx-event-bus-kafka's consumer fails on an empty sourcelib (it parses
// a version out of it), and fills both in itself when they are absent.
TEST(ce_attributes, empty_sourcehost_and_sourcelib_are_left_out) {
  auto ev = sample();
  auto headers = ce_attributes(ev, config::topic_format::openedx);
  EXPECT_THAT(headers, Not(Contains(Key("sourcehost"))));
  EXPECT_THAT(headers, Not(Contains(Key("sourcelib"))));
  EXPECT_THAT(headers, Contains(ce_attribute{"content-type", "application/avro"}));
  ev.sourcehost = "studio.example.com";
  ev.sourcelib = "10.5.0";
  headers = ce_attributes(ev, config::topic_format::json);
  EXPECT_THAT(headers, Contains(ce_attribute{"sourcehost", "studio.example.com"}));
  EXPECT_THAT(headers, Contains(ce_attribute{"sourcelib", "10.5.0"}));
}

TEST(ce_attributes, a_message_reads_back_to_its_event_and_key) {
  auto ev = sample();
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : ce_attributes(ev, config::topic_format::json))
    headers.emplace_back(name, value);
  auto decoder = json_decoder();
  auto read = decode_ce_message(headers, "block-v1:x", boost::json::serialize(ev.data), *decoder, "header");
  ASSERT_TRUE(std::holds_alternative<keyed_event>(read)) << std::get<std::string>(read);
  const auto& back = std::get<keyed_event>(read);
  EXPECT_EQ(back.key, "block-v1:x");
  EXPECT_EQ(back.ev->id, "e-1");
  EXPECT_EQ(back.ev->time, ev.time);
  EXPECT_EQ(back.ev->data, ev.data);
  auto broken = decode_ce_message(headers, "k", "[1]", *decoder, "header");
  ASSERT_TRUE(std::holds_alternative<std::string>(broken));
  EXPECT_EQ(std::get<std::string>(broken), "the value is not a JSON object");
}

// As a Redis stream entry (found by tests/fuzz): a header that is not UTF-8 cannot be an
// attribute a sink gets as JSON, so the record is refused, naming it.
TEST(ce_attributes, a_header_that_is_not_utf8_is_refused_naming_it) {
  auto decoder = json_decoder();
  std::vector<std::pair<std::string, std::string>> headers{{"ce_type", "t"}, {"ce_id", "1"}, {"ce_source", "s\xff"}};
  auto read = decode_ce_record(headers, "{}", *decoder, "header");
  ASSERT_TRUE(std::holds_alternative<std::string>(read));
  EXPECT_EQ(std::get<std::string>(read), "header 'ce_source' is not UTF-8");
  headers.back() = {"trace\xc0", "x"};
  read = decode_ce_record(headers, "{}", *decoder, "header");
  ASSERT_TRUE(std::holds_alternative<std::string>(read));
  EXPECT_EQ(std::get<std::string>(read), "a header name is not UTF-8");
}

}  // namespace
}  // namespace eventrouter
