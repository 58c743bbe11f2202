// The Open edX conventions around Avro: registry texts byte for byte as Python writes them,
// subjects as confluent-kafka names them, key field entries as edx-event-bus-kafka finds them,
// and Confluent's framing. The expected strings are what edx-event-bus-kafka 6.1.0 registered
// with a registry (tests/interop/schema_registry.py) for XBLOCK_PUBLISHED.

#include "avro/openedx_schema.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace eventrouter {
namespace {

namespace json = boost::json;

constexpr auto xblock_published = R"({
  "name": "CloudEvent", "type": "record", "namespace": "org.openedx.content_authoring.xblock.published.v1",
  "doc": "Avro Event Format for CloudEvents created with openedx_events/schema",
  "fields": [ { "name": "xblock_info", "type": { "name": "XBlockData", "type": "record", "fields": [
      { "name": "usage_key", "type": "string" },
      { "name": "block_type", "type": "string" },
      { "name": "version", "type": ["null", "string"], "default": null } ] } } ] })";

TEST(openedx_schema, the_registry_text_is_what_python_json_dumps_with_sorted_keys_writes) {
  EXPECT_EQ(registry_text(json::parse(xblock_published)),
            R"({"doc": "Avro Event Format for CloudEvents created with openedx_events/schema", "fields": [{"name": )"
            R"("xblock_info", "type": {"fields": [{"name": "usage_key", "type": "string"}, {"name": "block_type", )"
            R"("type": "string"}, {"default": null, "name": "version", "type": ["null", "string"]}], "name": )"
            R"("XBlockData", "type": "record"}}], "name": "CloudEvent", "namespace": )"
            R"("org.openedx.content_authoring.xblock.published.v1", "type": "record"})");
}

TEST(openedx_schema, the_registry_text_escapes_as_python_ensure_ascii_does) {
  EXPECT_EQ(registry_text(json::parse(R"({"doc": "caf\u00e9 \ud83d\ude00 \"q\" \\ \n\u0001"})")),
            R"({"doc": "caf\u00e9 \ud83d\ude00 \"q\" \\ \n\u0001"})");
}

TEST(openedx_schema, the_key_schema_is_the_field_entry_the_key_path_names) {
  auto key = key_field_schema(json::parse(xblock_published), "xblock_info.usage_key");
  ASSERT_TRUE(std::holds_alternative<json::value>(key)) << std::get<std::string>(key);
  EXPECT_EQ(registry_text(std::get<json::value>(key)), R"({"name": "usage_key", "type": "string"})");

  auto missing = key_field_schema(json::parse(xblock_published), "xblock_info.course_key");
  ASSERT_TRUE(std::holds_alternative<std::string>(missing));
  EXPECT_NE(std::get<std::string>(missing).find("xblock_info.course_key"), std::string::npos);
  auto through_a_string = key_field_schema(json::parse(xblock_published), "xblock_info.usage_key.x");
  ASSERT_TRUE(std::holds_alternative<std::string>(through_a_string));
  EXPECT_NE(std::get<std::string>(through_a_string).find("'xblock_info.usage_key' is not a record"), std::string::npos);
}

TEST(openedx_schema, subjects_are_named_as_confluent_kafka_names_them) {
  auto schema = json::parse(xblock_published);
  EXPECT_EQ(topic_record_subject("dev-lifecycle", schema),
            "dev-lifecycle-org.openedx.content_authoring.xblock.published.v1.CloudEvent");
  auto key = std::get<json::value>(key_field_schema(schema, "xblock_info.usage_key"));
  EXPECT_EQ(topic_record_subject("dev-lifecycle", key), "dev-lifecycle-string");
}

TEST(openedx_schema, an_event_schema_is_a_cloud_event_record_in_the_types_namespace) {
  auto schema = json::parse(xblock_published);
  EXPECT_EQ(check_event_schema(schema, "org.openedx.content_authoring.xblock.published.v1"), std::nullopt);
  auto wrong = check_event_schema(schema, "org.openedx.learning.course.enrollment.created.v1");
  ASSERT_TRUE(wrong.has_value());
  EXPECT_NE(wrong->find("expected \"CloudEvent\" in namespace \"org.openedx.learning.course.enrollment.created.v1\""),
            std::string::npos)
    << *wrong;
  EXPECT_TRUE(check_event_schema(json::parse(R"("string")"), "t").has_value());
}

TEST(openedx_schema, confluent_framing_is_magic_zero_and_a_big_endian_id) {
  auto header = confluent_header(0x01020304);
  EXPECT_EQ(header, std::string("\0\x01\x02\x03\x04", 5));
  auto message = header + "body";  // the frame is a view into it
  auto framed = parse_confluent_frame(message);
  ASSERT_TRUE(framed.has_value());
  EXPECT_EQ(framed->schema_id, 0x01020304u);
  EXPECT_EQ(framed->body, "body");
  EXPECT_FALSE(parse_confluent_frame(std::string("\x01\0\0\0\x01", 5)).has_value());
  EXPECT_FALSE(parse_confluent_frame(std::string("\0\0\0", 3)).has_value());
}

}  // namespace
}  // namespace eventrouter
