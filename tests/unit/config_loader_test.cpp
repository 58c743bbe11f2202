#include "config/loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace eventrouter::config {
namespace {

using ::testing::HasSubstr;

std::string listing(const load_result& r) {
  if (r.problems.empty())
    return "  (no problems)\n";
  std::string out;
  for (const auto& p : r.problems)
    out += "  " + to_string(p) + "\n";
  return out;
}

// The message of the problem at `path`; a failure listing every problem when there is none.
std::string message_at(const load_result& r, const std::string& path) {
  for (const auto& p : r.problems)
    if (p.path == path)
      return p.message;
  ADD_FAILURE() << "no problem at " << path << "; the problems are:\n" << listing(r);
  return "<no problem at " + path + ">";
}

// Parses text that must be valid; a failure listing every problem when it is not.
settings parse_valid(std::string_view text) {
  auto r = parse_settings(text);
  EXPECT_TRUE(r.problems.empty()) << "expected a valid file; the problems are:\n" << listing(r);
  if (!r.value) {
    ADD_FAILURE() << "no settings returned";
    return settings{};
  }
  return *r.value;
}

const route* find_route(const settings& s, const std::string& event_type, const std::string& topic) {
  for (const auto& r : s.routes)
    if (r.event_type == event_type && r.topic == topic)
      return &r;
  return nullptr;
}

// A consumer with only the required keys, for files about something else.
constexpr std::string_view minimal_consumer =
    R"({ "name": "c", "topic": "t", "group_id": "g", "sink": { "type": "log" } })";

std::string with_topic_t(std::string_view consumer_fields) {
  return std::string(R"({ "topics": { "t": {} }, "consumers": [ { "name": "c", "topic": "t", )"
                     R"("group_id": "g", "sink": { "type": "log" } )") +
         std::string(consumer_fields) + "} ] }";
}

// --- a valid file ---------------------------------------------------------------------------

constexpr std::string_view full_file = R"json(
// eventrouter configuration used by the tests
/* block comments are allowed too */
{
  "topic_prefix": "dev",
  "default_transport": "memory",
  "http": {
    "listen": "0.0.0.0:9090",
    "max_body_bytes": 4096,
    "max_batch_events": 50,
    "max_in_flight_events": 700,
    "threads": 4, // trailing comma next
  },
  "transports": { "memory": { "max_len": 500, }, },
  "shutdown_timeout_ms": 2500,
  "topics": {
    "explicit-topic": { "transport": "memory", "format": "json" },
  },
  "producer_config": {
    "org.openedx.content_authoring.xblock.published.v1": {
      "xblock-lifecycle": { "event_key_field": "xblock_info.usage_key", "enabled": false },
      "explicit-topic": { "event_key_field": "xblock_info.usage_key" },
    },
    "org.openedx.learning.course.enrollment.created.v1": {
      "enrollment-lifecycle": { "event_key_field": "enrollment.course.course_key", "enabled": true },
    },
  },
  "consumers": [
    { "name": "lifecycle-log", "topic": "xblock-lifecycle", "group_id": "log",
      "sink": { "type": "log" }, "batch_size": 10, "poll_timeout_ms": 250,
      "restart_backoff_ms": [50, 5000], "consecutive_errors_limit": 3, },
    { "name": "explicit-log", "topic": "explicit-topic", "group_id": "log2",
      "sink": { "type": "log" } },
  ],
}
)json";

TEST(config_loader, a_full_file_with_comments_and_trailing_commas_is_valid) {
  auto r = parse_settings(full_file);
  EXPECT_TRUE(r.problems.empty()) << listing(r);
  EXPECT_TRUE(r.value.has_value());
}

TEST(config_loader, a_full_file_yields_its_top_level_settings) {
  auto s = parse_valid(full_file);
  EXPECT_EQ(s.topic_prefix, "dev");
  EXPECT_EQ(s.default_transport, transport_kind::memory);
  EXPECT_EQ(s.http.host, "0.0.0.0");
  EXPECT_EQ(s.http.port, 9090);
  EXPECT_EQ(s.http.max_body_bytes, 4096u);
  EXPECT_EQ(s.http.max_batch_events, 50u);
  EXPECT_EQ(s.http.max_in_flight_events, 700u);
  EXPECT_EQ(s.http.threads, 4u);
  EXPECT_EQ(s.memory.max_len, 500u);
  EXPECT_EQ(s.shutdown_timeout, std::chrono::milliseconds(2500));
}

TEST(config_loader, every_topic_gets_the_prefix_in_its_full_name) {
  auto s = parse_valid(full_file);
  ASSERT_EQ(s.topics.size(), 3u);
  ASSERT_TRUE(s.topics.count("explicit-topic"));
  ASSERT_TRUE(s.topics.count("xblock-lifecycle"));
  ASSERT_TRUE(s.topics.count("enrollment-lifecycle"));
  EXPECT_EQ(s.topics.at("explicit-topic").name, "explicit-topic");
  EXPECT_EQ(s.topics.at("explicit-topic").full_name, "dev-explicit-topic");
  EXPECT_EQ(s.topics.at("xblock-lifecycle").name, "xblock-lifecycle");
  EXPECT_EQ(s.topics.at("xblock-lifecycle").full_name, "dev-xblock-lifecycle");
  EXPECT_EQ(s.topics.at("enrollment-lifecycle").full_name, "dev-enrollment-lifecycle");
}

TEST(config_loader, without_a_prefix_the_full_name_is_the_name) {
  auto s = parse_valid(R"({ "topics": { "a": {} },
    "producer_config": { "e.v1": { "b": { "event_key_field": "k" } } } })");
  ASSERT_TRUE(s.topics.count("a"));
  ASSERT_TRUE(s.topics.count("b"));
  EXPECT_EQ(s.topics.at("a").full_name, "a");
  EXPECT_EQ(s.topics.at("b").full_name, "b");
}

TEST(config_loader, topics_named_only_in_producer_config_use_the_default_transport) {
  auto s = parse_valid(full_file);
  ASSERT_TRUE(s.topics.count("xblock-lifecycle"));
  EXPECT_EQ(s.topics.at("xblock-lifecycle").transport, transport_kind::memory);
  EXPECT_EQ(s.topics.at("xblock-lifecycle").format, topic_format::json);
  ASSERT_TRUE(s.topics.count("enrollment-lifecycle"));
  EXPECT_EQ(s.topics.at("enrollment-lifecycle").transport, transport_kind::memory);
}

TEST(config_loader, a_topic_in_both_topics_and_producer_config_is_listed_once) {
  auto s = parse_valid(R"({ "topics": { "t": { "transport": "memory" } },
    "producer_config": { "e.v1": { "t": { "event_key_field": "k" } },
                         "f.v1": { "t": { "event_key_field": "k" } } } })");
  EXPECT_EQ(s.topics.size(), 1u);
  EXPECT_EQ(s.routes.size(), 2u);
}

TEST(config_loader, every_producer_config_entry_becomes_a_route) {
  auto s = parse_valid(full_file);
  ASSERT_EQ(s.routes.size(), 3u);
  const auto* disabled =
      find_route(s, "org.openedx.content_authoring.xblock.published.v1", "xblock-lifecycle");
  ASSERT_NE(disabled, nullptr);
  EXPECT_EQ(disabled->event_key_field, "xblock_info.usage_key");
  EXPECT_FALSE(disabled->enabled);
  const auto* enrollment =
      find_route(s, "org.openedx.learning.course.enrollment.created.v1", "enrollment-lifecycle");
  ASSERT_NE(enrollment, nullptr);
  EXPECT_EQ(enrollment->event_key_field, "enrollment.course.course_key");
  EXPECT_TRUE(enrollment->enabled);
}

TEST(config_loader, a_route_without_enabled_is_enabled) {
  auto s = parse_valid(full_file);
  const auto* r =
      find_route(s, "org.openedx.content_authoring.xblock.published.v1", "explicit-topic");
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->enabled);
  EXPECT_EQ(r->topic, "explicit-topic");  // the name as in the file, without the prefix
}

TEST(config_loader, consumers_get_every_field_the_file_sets) {
  auto s = parse_valid(full_file);
  ASSERT_EQ(s.consumers.size(), 2u);
  const auto& c = s.consumers[0];
  EXPECT_EQ(c.name, "lifecycle-log");
  EXPECT_EQ(c.topic, "xblock-lifecycle");
  EXPECT_EQ(c.group_id, "log");
  EXPECT_EQ(c.sink.type, sink_kind::log);
  EXPECT_EQ(c.batch_size, 10u);
  EXPECT_EQ(c.poll_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(c.restart_backoff_min, std::chrono::milliseconds(50));
  EXPECT_EQ(c.restart_backoff_max, std::chrono::milliseconds(5000));
  EXPECT_EQ(c.consecutive_errors_limit, 3u);
}

TEST(config_loader, a_consumer_without_optional_fields_gets_the_defaults) {
  auto s = parse_valid(full_file);
  ASSERT_EQ(s.consumers.size(), 2u);
  const auto& c = s.consumers[1];
  const consumer_settings defaults;
  EXPECT_EQ(c.name, "explicit-log");
  EXPECT_EQ(c.topic, "explicit-topic");
  EXPECT_EQ(c.group_id, "log2");
  EXPECT_EQ(c.batch_size, defaults.batch_size);
  EXPECT_EQ(c.poll_timeout, defaults.poll_timeout);
  EXPECT_EQ(c.restart_backoff_min, defaults.restart_backoff_min);
  EXPECT_EQ(c.restart_backoff_max, defaults.restart_backoff_max);
  EXPECT_EQ(c.consecutive_errors_limit, defaults.consecutive_errors_limit);
}

TEST(config_loader, the_documented_consumer_defaults_are_the_ones_in_settings) {
  const consumer_settings defaults;
  EXPECT_EQ(defaults.consecutive_errors_limit, 5u);
  EXPECT_EQ(defaults.batch_size, 500u);
  EXPECT_EQ(defaults.poll_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(defaults.restart_backoff_min, std::chrono::milliseconds(100));
  EXPECT_EQ(defaults.restart_backoff_max, std::chrono::milliseconds(30000));
  EXPECT_EQ(defaults.window, 2000u);
  EXPECT_EQ(defaults.event_key_field, "");
}

TEST(config_loader, a_sink_without_concurrency_gets_its_kinds_default) {
  auto s = parse_valid(R"({ "topics": { "t": {}, "u": {} }, "consumers": [
      { "name": "a", "topic": "t", "group_id": "a", "sink": { "type": "http", "url": "http://h/x" } },
      { "name": "b", "topic": "t", "group_id": "b", "sink": { "type": "log" } },
      { "name": "c", "topic": "t", "group_id": "c", "sink": { "type": "topic", "topic": "u" } },
      { "name": "d", "topic": "t", "group_id": "d", "sink": { "type": "http", "url": "http://h/x", "concurrency": 3 } },
      { "name": "e", "topic": "t", "group_id": "e", "sink": { "type": "http", "url": "http://h/x", "batch": {} } } ] })");
  ASSERT_EQ(s.consumers.size(), 5u);
  EXPECT_EQ(s.consumers[0].sink.concurrency, 64u);  // a connection each
  EXPECT_EQ(s.consumers[1].sink.concurrency, 2000u);  // the default window
  EXPECT_EQ(s.consumers[2].sink.concurrency, 2000u);
  EXPECT_EQ(s.consumers[3].sink.concurrency, 3u);
  EXPECT_EQ(s.consumers[4].sink.concurrency, 1000u);  // batched: ten default batches under way
}

TEST(config_loader, a_consumer_reads_its_window_and_event_key_field) {
  auto s = parse_valid(with_topic_t(R"(, "window": 50, "event_key_field": "user.id")"));
  ASSERT_EQ(s.consumers.size(), 1u);
  EXPECT_EQ(s.consumers[0].window, 50u);
  EXPECT_EQ(s.consumers[0].event_key_field, "user.id");
}

TEST(config_loader, a_bad_window_or_event_key_field_is_a_problem) {
  auto r = parse_settings(with_topic_t(R"(, "window": 0, "event_key_field": "user..id")"));
  EXPECT_THAT(message_at(r, "$.consumers[0].window"), HasSubstr("is 0;"));
  EXPECT_THAT(message_at(r, "$.consumers[0].event_key_field"), HasSubstr("period-separated path"));
}

TEST(config_loader, an_empty_object_yields_every_default) {
  auto s = parse_valid("{}");
  const settings defaults;
  EXPECT_EQ(s.topic_prefix, "");
  EXPECT_EQ(s.default_transport, defaults.default_transport);
  EXPECT_EQ(s.http.host, defaults.http.host);
  EXPECT_EQ(s.http.port, defaults.http.port);
  EXPECT_EQ(s.http.max_body_bytes, defaults.http.max_body_bytes);
  EXPECT_EQ(s.http.max_batch_events, defaults.http.max_batch_events);
  EXPECT_EQ(s.http.max_in_flight_events, defaults.http.max_in_flight_events);
  EXPECT_EQ(s.http.threads, defaults.http.threads);
  EXPECT_EQ(s.memory.max_len, defaults.memory.max_len);
  EXPECT_EQ(s.shutdown_timeout, defaults.shutdown_timeout);
  EXPECT_TRUE(s.topics.empty());
  EXPECT_TRUE(s.routes.empty());
  EXPECT_TRUE(s.consumers.empty());
}

TEST(config_loader, the_documented_defaults_are_the_ones_in_settings) {
  const settings defaults;
  EXPECT_EQ(defaults.http.host, "127.0.0.1");
  EXPECT_EQ(defaults.http.port, 8080);
  EXPECT_EQ(defaults.http.max_body_bytes, 1048576u);
  EXPECT_EQ(defaults.http.max_batch_events, 1000u);
  EXPECT_EQ(defaults.http.max_in_flight_events, 10000u);
  EXPECT_EQ(defaults.http.threads, 2u);
  EXPECT_EQ(defaults.http.max_header_bytes, 16384u);
  EXPECT_EQ(defaults.http.request_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(defaults.http.idle_timeout, std::chrono::milliseconds(60000));
  EXPECT_EQ(defaults.http.max_connections, 512u);
  EXPECT_EQ(defaults.memory.max_len, 100000u);
  EXPECT_EQ(defaults.shutdown_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(defaults.default_transport, transport_kind::memory);
}

TEST(config_loader, http_settings_absent_from_a_present_http_object_keep_their_defaults) {
  auto s = parse_valid(R"({ "http": { "threads": 8 } })");
  const http_settings defaults;
  EXPECT_EQ(s.http.threads, 8u);
  EXPECT_EQ(s.http.host, defaults.host);
  EXPECT_EQ(s.http.port, defaults.port);
  EXPECT_EQ(s.http.max_body_bytes, defaults.max_body_bytes);
}

// --- http.listen ------------------------------------------------------------------------------

TEST(config_loader, listen_splits_host_and_port) {
  auto s = parse_valid(R"({ "http": { "listen": "localhost:65535" } })");
  EXPECT_EQ(s.http.host, "localhost");
  EXPECT_EQ(s.http.port, 65535);
}

TEST(config_loader, listen_accepts_a_bracketed_ipv6_host) {
  auto s = parse_valid(R"({ "http": { "listen": "[::1]:9000" } })");
  EXPECT_EQ(s.http.host, "::1");
  EXPECT_EQ(s.http.port, 9000);
}

TEST(config_loader, listen_accepts_port_zero_for_any_free_port) {
  auto s = parse_valid(R"({ "http": { "listen": "127.0.0.1:0" } })");
  EXPECT_EQ(s.http.host, "127.0.0.1");
  EXPECT_EQ(s.http.port, 0);
}

TEST(config_loader, a_listen_that_is_not_host_colon_port_is_a_problem) {
  for (std::string bad : {"localhost", ":8080", "localhost:", "localhost:65536", "localhost:80x",
                          "localhost:-1", "localhost: 80", "[::1]", "", "localhost:99999999999"}) {
    SCOPED_TRACE("listen = \"" + bad + "\"");
    auto r = parse_settings(R"({ "http": { "listen": ")" + bad + R"(" } })");
    EXPECT_FALSE(r.value.has_value());
    EXPECT_EQ(r.problems.size(), 1u) << listing(r);
    EXPECT_THAT(message_at(r, "$.http.listen"), HasSubstr("HOST:PORT"));
  }
}

TEST(config_loader, a_listen_with_unbalanced_or_empty_brackets_is_a_problem) {
  for (std::string bad : {"[::1:9000", "::1]:9000", "[]:9000"}) {
    SCOPED_TRACE("listen = \"" + bad + "\"");
    auto r = parse_settings(R"({ "http": { "listen": ")" + bad + R"(" } })");
    EXPECT_FALSE(r.value.has_value()) << "accepted host \"" << (r.value ? r.value->http.host : "")
                                      << "\"";
    EXPECT_THAT(message_at(r, "$.http.listen"), HasSubstr("HOST:PORT"));
  }
}

// --- environment ------------------------------------------------------------------------------

TEST(config_loader, a_set_environment_variable_is_substituted) {
  ASSERT_EQ(::setenv("EVENTROUTER_CONFIG_TEST_PREFIX_7f3a", "staging", 1), 0);
  ASSERT_EQ(::setenv("EVENTROUTER_CONFIG_TEST_PORT_7f3a", "9123", 1), 0);
  auto s = parse_valid(R"({ "topic_prefix": "${EVENTROUTER_CONFIG_TEST_PREFIX_7f3a}",
    "http": { "listen": "127.0.0.1:${EVENTROUTER_CONFIG_TEST_PORT_7f3a}" },
    "topics": { "t": {} } })");
  EXPECT_EQ(s.topic_prefix, "staging");
  EXPECT_EQ(s.http.port, 9123);
  ASSERT_TRUE(s.topics.count("t"));
  EXPECT_EQ(s.topics.at("t").full_name, "staging-t");
  ::unsetenv("EVENTROUTER_CONFIG_TEST_PREFIX_7f3a");
  ::unsetenv("EVENTROUTER_CONFIG_TEST_PORT_7f3a");
}

TEST(config_loader, several_references_in_one_string_are_all_substituted) {
  ASSERT_EQ(::setenv("EVENTROUTER_CONFIG_TEST_A_7f3a", "one", 1), 0);
  ::unsetenv("EVENTROUTER_CONFIG_TEST_B_7f3a");
  auto s = parse_valid(
      R"({ "topic_prefix": "x${EVENTROUTER_CONFIG_TEST_A_7f3a}-${EVENTROUTER_CONFIG_TEST_B_7f3a:-two}-y" })");
  EXPECT_EQ(s.topic_prefix, "xone-two-y");
  ::unsetenv("EVENTROUTER_CONFIG_TEST_A_7f3a");
}

TEST(config_loader, an_unset_variable_with_a_fallback_takes_the_fallback) {
  ::unsetenv("EVENTROUTER_CONFIG_TEST_UNSET_7f3a");
  auto s = parse_valid(R"({ "topic_prefix": "${EVENTROUTER_CONFIG_TEST_UNSET_7f3a:-qa}",
    "http": { "listen": "127.0.0.1:${EVENTROUTER_CONFIG_TEST_UNSET_7f3a:-8181}" } })");
  EXPECT_EQ(s.topic_prefix, "qa");
  EXPECT_EQ(s.http.port, 8181);
}

TEST(config_loader, a_set_variable_wins_over_its_fallback) {
  ASSERT_EQ(::setenv("EVENTROUTER_CONFIG_TEST_SET_7f3a", "prod", 1), 0);
  auto s = parse_valid(R"({ "topic_prefix": "${EVENTROUTER_CONFIG_TEST_SET_7f3a:-qa}" })");
  EXPECT_EQ(s.topic_prefix, "prod");
  ::unsetenv("EVENTROUTER_CONFIG_TEST_SET_7f3a");
}

TEST(config_loader, a_substituted_value_is_not_expanded_again) {
  ASSERT_EQ(::setenv("EVENTROUTER_CONFIG_TEST_KEY_7f3a", "${HOME}", 1), 0);
  auto s = parse_valid(R"({ "producer_config": { "e.v1": { "t": {
    "event_key_field": "a.${EVENTROUTER_CONFIG_TEST_KEY_7f3a}" } } } })");
  ASSERT_EQ(s.routes.size(), 1u);
  EXPECT_EQ(s.routes[0].event_key_field, "a.${HOME}");
  ::unsetenv("EVENTROUTER_CONFIG_TEST_KEY_7f3a");
}

TEST(config_loader, an_unset_variable_without_a_fallback_is_a_problem_naming_it) {
  ::unsetenv("EVENTROUTER_CONFIG_TEST_MISSING_7f3a");
  auto r = parse_settings(R"({ "http": { "listen": "127.0.0.1:${EVENTROUTER_CONFIG_TEST_MISSING_7f3a}" } })");
  EXPECT_FALSE(r.value.has_value());
  ASSERT_EQ(r.problems.size(), 1u) << listing(r);
  EXPECT_THAT(message_at(r, "$.http.listen"), HasSubstr("EVENTROUTER_CONFIG_TEST_MISSING_7f3a"));
  EXPECT_THAT(message_at(r, "$.http.listen"), HasSubstr("not set"));
}

TEST(config_loader, unset_variables_in_several_strings_are_each_reported) {
  ::unsetenv("EVENTROUTER_CONFIG_TEST_MISSING_7f3a");
  ::unsetenv("EVENTROUTER_CONFIG_TEST_MISSING2_7f3a");
  auto r = parse_settings(R"({ "topic_prefix": "${EVENTROUTER_CONFIG_TEST_MISSING_7f3a}",
    "consumers": [ { "name": "c", "topic": "t", "group_id": "${EVENTROUTER_CONFIG_TEST_MISSING2_7f3a}",
                     "sink": { "type": "log" } } ],
    "topics": { "t": {} } })");
  EXPECT_FALSE(r.value.has_value());
  EXPECT_THAT(message_at(r, "$.topic_prefix"), HasSubstr("EVENTROUTER_CONFIG_TEST_MISSING_7f3a"));
  EXPECT_THAT(message_at(r, "$.consumers[0].group_id"),
              HasSubstr("EVENTROUTER_CONFIG_TEST_MISSING2_7f3a"));
}

TEST(config_loader, an_unterminated_reference_is_a_problem) {
  auto r = parse_settings(R"({ "topic_prefix": "dev-${NAME" })");
  EXPECT_FALSE(r.value.has_value());
  EXPECT_THAT(message_at(r, "$.topic_prefix"), HasSubstr("${"));
}

// --- every problem at once ----------------------------------------------------------------

TEST(config_loader, every_problem_is_reported_with_its_path) {
  auto r = parse_settings(R"json({
    "topic_prefx": "dev",
    "http": { "lisen": "0.0.0.0:80", "listen": "nowhere", "threads": "four", "max_batch_events": 0 },
    "transports": { "memory": { "max_len": -5 } },
    "shutdown_timeout_ms": 3600001,
    "topics": { "bad topic!": {}, "ok": { "transprt": "memory" } },
    "producer_config": {
      "org.openedx.x.v1": {
        "my-topic": { "enabled": "yes" }
      }
    },
    "consumers": [
      { "name": "dup", "topic": "nonexistent", "group_id": "g", "sink": { "type": "log" },
        "restart_backoff_ms": [500, 100] },
      { "name": "dup", "topic": "ok", "group_id": "g", "sink": { "type": "log" },
        "batch_size": "10", "poll_timeout_ms": 600001 }
    ]
  })json");
  EXPECT_FALSE(r.value.has_value());

  EXPECT_THAT(message_at(r, "$.topic_prefx"), HasSubstr("unknown key"));
  EXPECT_THAT(message_at(r, "$.http.lisen"), HasSubstr("unknown key"));
  EXPECT_THAT(message_at(r, "$.http.listen"), HasSubstr("nowhere"));
  EXPECT_THAT(message_at(r, "$.http.threads"), HasSubstr("is a string"));
  EXPECT_THAT(message_at(r, "$.http.max_batch_events"), HasSubstr("from 1 to 1000000"));
  EXPECT_THAT(message_at(r, "$.transports.memory.max_len"), HasSubstr("-5"));
  EXPECT_THAT(message_at(r, "$.shutdown_timeout_ms"), HasSubstr("3600001"));
  EXPECT_THAT(message_at(r, "$.topics[\"bad topic!\"]"), HasSubstr("not valid"));
  EXPECT_THAT(message_at(r, "$.topics.ok.transprt"), HasSubstr("unknown key"));
  EXPECT_THAT(message_at(r, "$.producer_config[\"org.openedx.x.v1\"][\"my-topic\"].event_key_field"),
              HasSubstr("missing"));
  EXPECT_THAT(message_at(r, "$.producer_config[\"org.openedx.x.v1\"][\"my-topic\"].enabled"),
              HasSubstr("expected true or false"));
  EXPECT_THAT(message_at(r, "$.consumers[0].topic"), HasSubstr("nonexistent"));
  EXPECT_THAT(message_at(r, "$.consumers[0].restart_backoff_ms"), HasSubstr("min 500 is above max 100"));
  EXPECT_THAT(message_at(r, "$.consumers[1].name"), HasSubstr("earlier consumer"));
  EXPECT_THAT(message_at(r, "$.consumers[1].batch_size"), HasSubstr("is a string"));
  EXPECT_THAT(message_at(r, "$.consumers[1].poll_timeout_ms"), HasSubstr("600001"));
  EXPECT_EQ(r.problems.size(), 16u) << "each problem once, nothing else:\n" << listing(r);
}

TEST(config_loader, an_unknown_key_lists_the_keys_that_are_expected) {
  auto r = parse_settings(R"({ "topic_prefx": "dev", "http": { "lisen": "x:1" } })");
  auto root = message_at(r, "$.topic_prefx");
  EXPECT_THAT(root, HasSubstr("topic_prefix"));
  EXPECT_THAT(root, HasSubstr("consumers"));
  EXPECT_THAT(root, HasSubstr("producer_config"));
  EXPECT_THAT(message_at(r, "$.http.lisen"), HasSubstr("listen"));
}

TEST(config_loader, an_unknown_key_inside_a_consumer_or_sink_is_a_problem) {
  auto r = parse_settings(with_topic_t(R"(, "batchsize": 5)"));
  EXPECT_THAT(message_at(r, "$.consumers[0].batchsize"), HasSubstr("unknown key"));
  auto s = parse_settings(R"({ "topics": { "t": {} }, "consumers": [ { "name": "c", "topic": "t",
    "group_id": "g", "sink": { "type": "log", "format": "pretty" } } ] })");
  EXPECT_THAT(message_at(s, "$.consumers[0].sink.format"), HasSubstr("unknown key"));
}

TEST(config_loader, wrong_types_name_what_was_found_and_what_is_expected) {
  auto r = parse_settings(R"({ "topic_prefix": 5, "http": [], "transports": "memory",
    "topics": { "t": "memory" }, "producer_config": { "e.v1": [] }, "consumers": {} ,
    "shutdown_timeout_ms": true })");
  EXPECT_FALSE(r.value.has_value());
  EXPECT_THAT(message_at(r, "$.topic_prefix"), HasSubstr("is a number; expected a string"));
  EXPECT_THAT(message_at(r, "$.http"), HasSubstr("is an array; expected an object"));
  EXPECT_THAT(message_at(r, "$.transports"), HasSubstr("is a string; expected an object"));
  EXPECT_THAT(message_at(r, "$.topics.t"), HasSubstr("is a string"));
  EXPECT_THAT(message_at(r, "$.producer_config[\"e.v1\"]"), HasSubstr("is an array"));
  EXPECT_THAT(message_at(r, "$.consumers"), HasSubstr("is an object; expected an array"));
  EXPECT_THAT(message_at(r, "$.shutdown_timeout_ms"), HasSubstr("is a boolean"));
}

TEST(config_loader, a_consumer_that_is_not_an_object_is_a_problem) {
  auto r = parse_settings(R"({ "consumers": [ "c" ] })");
  EXPECT_THAT(message_at(r, "$.consumers[0]"), HasSubstr("is a string"));
}

TEST(config_loader, numbers_must_be_whole_and_within_range) {
  auto r = parse_settings(R"({ "http": { "threads": 257, "max_body_bytes": 1023,
    "max_in_flight_events": 1.5 }, "shutdown_timeout_ms": 0 })");
  EXPECT_FALSE(r.value.has_value());
  EXPECT_THAT(message_at(r, "$.http.threads"), HasSubstr("expected a whole number from 1 to 256"));
  EXPECT_THAT(message_at(r, "$.http.max_body_bytes"), HasSubstr("from 1024 to"));
  EXPECT_THAT(message_at(r, "$.http.max_in_flight_events"), HasSubstr("expected a whole number"));
  EXPECT_THAT(message_at(r, "$.shutdown_timeout_ms"), HasSubstr("is 0;"));
  EXPECT_EQ(r.problems.size(), 4u) << listing(r);
}

TEST(config_loader, numbers_at_the_edges_of_their_range_are_accepted) {
  auto s = parse_valid(R"({ "http": { "threads": 256, "max_body_bytes": 1024,
    "max_batch_events": 1000000 }, "shutdown_timeout_ms": 3600000 })");
  EXPECT_EQ(s.http.threads, 256u);
  EXPECT_EQ(s.http.max_body_bytes, 1024u);
  EXPECT_EQ(s.http.max_batch_events, 1000000u);
  EXPECT_EQ(s.shutdown_timeout, std::chrono::milliseconds(3600000));
}

TEST(config_loader, the_http_servers_limits_are_read_and_checked) {
  auto s = parse_valid(R"({ "http": { "max_header_bytes": 1024, "request_timeout_ms": 600000,
    "idle_timeout_ms": 100, "max_connections": 1 } })");
  EXPECT_EQ(s.http.max_header_bytes, 1024u);
  EXPECT_EQ(s.http.request_timeout, std::chrono::milliseconds(600000));
  EXPECT_EQ(s.http.idle_timeout, std::chrono::milliseconds(100));
  EXPECT_EQ(s.http.max_connections, 1u);
  auto r = parse_settings(R"({ "http": { "max_header_bytes": 1048577, "request_timeout_ms": 99,
    "idle_timeout_ms": 3600001, "max_connections": 0 } })");
  EXPECT_THAT(message_at(r, "$.http.max_header_bytes"), HasSubstr("from 1024 to 1048576"));
  EXPECT_THAT(message_at(r, "$.http.request_timeout_ms"), HasSubstr("from 100 to 600000"));
  EXPECT_THAT(message_at(r, "$.http.idle_timeout_ms"), HasSubstr("from 100 to 3600000"));
  EXPECT_THAT(message_at(r, "$.http.max_connections"), HasSubstr("from 1 to 1000000"));
  EXPECT_EQ(r.problems.size(), 4u) << listing(r);
}

TEST(config_loader, consumer_numbers_out_of_range_are_problems) {
  auto r = parse_settings(with_topic_t(
      R"(, "batch_size": 0, "consecutive_errors_limit": 1000001, "restart_backoff_ms": [0, 86400001])"));
  EXPECT_THAT(message_at(r, "$.consumers[0].batch_size"), HasSubstr("is 0;"));
  EXPECT_THAT(message_at(r, "$.consumers[0].consecutive_errors_limit"), HasSubstr("1000001"));
  EXPECT_THAT(message_at(r, "$.consumers[0].restart_backoff_ms[0]"), HasSubstr("is 0;"));
  EXPECT_THAT(message_at(r, "$.consumers[0].restart_backoff_ms[1]"), HasSubstr("86400001"));
}

TEST(config_loader, restart_backoff_needs_exactly_min_and_max) {
  auto r = parse_settings(with_topic_t(R"(, "restart_backoff_ms": [100, 200, 300])"));
  EXPECT_THAT(message_at(r, "$.consumers[0].restart_backoff_ms"), HasSubstr("has 3 elements"));
  auto s = parse_settings(with_topic_t(R"(, "restart_backoff_ms": 100)"));
  EXPECT_THAT(message_at(s, "$.consumers[0].restart_backoff_ms"), HasSubstr("expected an array"));
}

TEST(config_loader, restart_backoff_with_min_equal_to_max_is_valid) {
  auto s = parse_valid(with_topic_t(R"(, "restart_backoff_ms": [700, 700])"));
  ASSERT_EQ(s.consumers.size(), 1u);
  EXPECT_EQ(s.consumers[0].restart_backoff_min, std::chrono::milliseconds(700));
  EXPECT_EQ(s.consumers[0].restart_backoff_max, std::chrono::milliseconds(700));
}

TEST(config_loader, a_consumer_missing_its_required_fields_gets_a_problem_for_each) {
  auto r = parse_settings(R"({ "consumers": [ {} ] })");
  EXPECT_THAT(message_at(r, "$.consumers[0].name"), HasSubstr("missing"));
  EXPECT_THAT(message_at(r, "$.consumers[0].topic"), HasSubstr("missing"));
  EXPECT_THAT(message_at(r, "$.consumers[0].group_id"), HasSubstr("missing"));
  EXPECT_THAT(message_at(r, "$.consumers[0].sink"), HasSubstr("missing"));
  EXPECT_EQ(r.problems.size(), 4u) << listing(r);
}

TEST(config_loader, a_sink_without_a_type_is_a_problem) {
  auto r = parse_settings(R"({ "topics": { "t": {} }, "consumers": [ { "name": "c", "topic": "t",
    "group_id": "g", "sink": {} } ] })");
  EXPECT_THAT(message_at(r, "$.consumers[0].sink.type"), HasSubstr("missing"));
}

TEST(config_loader, empty_consumer_name_and_group_are_problems) {
  auto r = parse_settings(R"({ "topics": { "t": {} }, "consumers": [ { "name": "", "topic": "t",
    "group_id": "", "sink": { "type": "log" } } ] })");
  EXPECT_THAT(message_at(r, "$.consumers[0].name"), HasSubstr("empty"));
  EXPECT_THAT(message_at(r, "$.consumers[0].group_id"), HasSubstr("empty"));
}

TEST(config_loader, a_consumer_may_name_a_topic_known_only_from_producer_config) {
  auto s = parse_valid(R"({ "producer_config": { "e.v1": { "routed": { "event_key_field": "k" } } },
    "consumers": [ { "name": "c", "topic": "routed", "group_id": "g", "sink": { "type": "log" } } ] })");
  ASSERT_EQ(s.consumers.size(), 1u);
  EXPECT_EQ(s.consumers[0].topic, "routed");
}

TEST(config_loader, a_consumer_naming_an_unknown_topic_is_a_problem) {
  auto r = parse_settings(std::string(R"({ "topics": { "other": {} }, "consumers": [ )") +
                          std::string(minimal_consumer) + " ] }");
  EXPECT_FALSE(r.value.has_value());
  auto message = message_at(r, "$.consumers[0].topic");
  EXPECT_THAT(message, HasSubstr("\"t\""));
  EXPECT_THAT(message, HasSubstr("neither in topics nor in producer_config"));
}

TEST(config_loader, duplicate_consumer_names_are_a_problem_on_the_later_one) {
  auto r = parse_settings(R"({ "topics": { "t": {} }, "consumers": [
    { "name": "same", "topic": "t", "group_id": "g1", "sink": { "type": "log" } },
    { "name": "other", "topic": "t", "group_id": "g2", "sink": { "type": "log" } },
    { "name": "same", "topic": "t", "group_id": "g3", "sink": { "type": "log" } } ] })");
  EXPECT_FALSE(r.value.has_value());
  ASSERT_EQ(r.problems.size(), 1u) << listing(r);
  EXPECT_THAT(message_at(r, "$.consumers[2].name"), HasSubstr("\"same\""));
}

TEST(config_loader, an_invalid_topic_name_is_a_problem_wherever_it_appears) {
  auto r = parse_settings(R"({ "topics": { "has space": {}, "..": {} },
    "producer_config": { "e.v1": { "slash/topic": { "event_key_field": "k" } } } })");
  EXPECT_FALSE(r.value.has_value());
  EXPECT_THAT(message_at(r, "$.topics[\"has space\"]"), HasSubstr("\"has space\" is not valid"));
  EXPECT_THAT(message_at(r, "$.topics[\"..\"]"), HasSubstr("is not valid"));
  EXPECT_THAT(message_at(r, "$.producer_config[\"e.v1\"][\"slash/topic\"]"),
              HasSubstr("is not valid"));
}

TEST(config_loader, a_topic_name_may_have_up_to_249_characters) {
  const std::string longest(249, 'a');
  auto s = parse_valid(R"({ "topics": { ")" + longest + R"(": {} } })");
  EXPECT_TRUE(s.topics.count(longest));
  const std::string too_long(250, 'a');
  auto r = parse_settings(R"({ "topics": { ")" + too_long + R"(": {} } })");
  EXPECT_THAT(message_at(r, "$.topics." + too_long), HasSubstr("is not valid"));
}

TEST(config_loader, an_invalid_topic_prefix_is_a_problem) {
  auto r = parse_settings(R"({ "topic_prefix": "dev env" })");
  EXPECT_THAT(message_at(r, "$.topic_prefix"), HasSubstr("is not valid"));
}

TEST(config_loader, an_event_key_field_must_be_a_period_separated_path) {
  for (std::string bad : {"", ".a", "a.", "a..b"}) {
    SCOPED_TRACE("event_key_field = \"" + bad + "\"");
    auto r = parse_settings(
        R"({ "producer_config": { "e.v1": { "t": { "event_key_field": ")" + bad + R"(" } } } })");
    EXPECT_FALSE(r.value.has_value());
    EXPECT_THAT(message_at(r, "$.producer_config[\"e.v1\"].t.event_key_field"),
                HasSubstr("period-separated"));
  }
}

TEST(config_loader, an_event_type_without_topics_is_a_problem) {
  auto r = parse_settings(R"({ "producer_config": { "e.v1": {}, "f.v1": "t" } })");
  EXPECT_THAT(message_at(r, "$.producer_config[\"e.v1\"]"), HasSubstr("expected an object of topics"));
  EXPECT_THAT(message_at(r, "$.producer_config[\"f.v1\"]"), HasSubstr("is a string"));
}

TEST(config_loader, keys_with_dots_or_dashes_use_bracket_notation_in_paths) {
  auto r = parse_settings(R"({ "producer_config": { "org.openedx.x.v1": {
    "plain_topic": {}, "dashed-topic": { "event_key_field": "k", "extra": 1 } } },
    "a.b": 1 })");
  EXPECT_THAT(message_at(r, "$.producer_config[\"org.openedx.x.v1\"].plain_topic.event_key_field"),
              HasSubstr("missing"));
  EXPECT_THAT(message_at(r, "$.producer_config[\"org.openedx.x.v1\"][\"dashed-topic\"].extra"),
              HasSubstr("unknown key"));
  EXPECT_THAT(message_at(r, "$[\"a.b\"]"), HasSubstr("unknown key"));
}

// --- reserved features ----------------------------------------------------------------------

// A folder of event schemas, as scripts/openedx-schemas writes them; removed afterwards.
class openedx_schemas : public ::testing::Test {
 protected:
  static constexpr auto type = "org.openedx.content_authoring.xblock.published.v1";

  openedx_schemas() {
    char pattern[] = "/tmp/eventrouter-schemas-XXXXXX";
    folder = mkdtemp(pattern);
    write(std::string(type) + ".avsc", schema_in(type));
  }
  ~openedx_schemas() override { std::filesystem::remove_all(folder); }

  static std::string schema_in(const std::string& ns) {
    return R"({"name": "CloudEvent", "type": "record", "namespace": ")" + ns + R"(", "fields": [
      {"name": "xblock_info", "type": {"name": "XBlockData", "type": "record", "fields": [
        {"name": "usage_key", "type": "string"}, {"name": "block_type", "type": "string"}]}}]})";
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(folder + "/" + name) << text; }

  // A file routing the type to topic `t` in openedx format on `transport`, with `extra` keys.
  std::string config(const std::string& transport = "redis", const std::string& key = "xblock_info.usage_key",
                     const std::string& extra = "") const {
    return R"({ "schemas": { "directory": ")" + folder + R"(" },
      "transports": { "redis": { "url": "redis://localhost" }, "kafka": { "bootstrap_servers": "k:9092" } },
      "topics": { "t": { "transport": ")" + transport + R"(", "format": "openedx" } },
      "producer_config": { ")" + type + R"(": { "t": { "event_key_field": ")" + key + R"(" } } } )" + extra + "}";
  }

  std::string folder;
};

TEST_F(openedx_schemas, a_topic_in_openedx_format_loads_every_schema_of_the_folder) {
  write("org.openedx.other.v1.avsc", schema_in("org.openedx.other.v1"));
  write("README.txt", "not a schema");
  auto s = parse_valid(config());
  EXPECT_EQ(s.topics.at("t").format, topic_format::openedx);
  ASSERT_EQ(s.schemas.by_type.size(), 2u);
  EXPECT_NE(s.schemas.by_type.at(type).find("XBlockData"), std::string::npos);
}

TEST_F(openedx_schemas, a_relative_folder_is_taken_from_the_files_folder) {
  auto file = folder + "/config.json";
  std::ofstream(file) << R"({ "schemas": { "directory": "." }, "topics": { "t": { "format": "openedx" } },
    "producer_config": { ")" + std::string(type) + R"(": { "t": { "event_key_field": "xblock_info.usage_key" } } } })";
  auto r = load_settings_file(file);
  ASSERT_TRUE(r.value.has_value()) << listing(r);
  EXPECT_EQ(r.value->schemas.by_type.count(type), 1u);
}

TEST_F(openedx_schemas, a_routed_type_without_a_schema_is_refused_saying_where_schemas_come_from) {
  std::filesystem::remove(folder + "/" + type + ".avsc");
  auto r = parse_settings(config());
  EXPECT_THAT(message_at(r, std::string("$.producer_config[\"") + type + "\"].t"),
              AllOf(HasSubstr("has no " + std::string(type) + ".avsc"), HasSubstr("scripts/openedx-schemas")));
}

TEST_F(openedx_schemas, a_key_field_the_schema_does_not_have_is_refused) {
  auto r = parse_settings(config("redis", "xblock_info.course_key"));
  EXPECT_THAT(message_at(r, std::string("$.producer_config[\"") + type + "\"].t.event_key_field"),
              HasSubstr("the schema has no field 'xblock_info.course_key'"));
}

TEST_F(openedx_schemas, a_schema_of_another_type_or_not_avro_is_refused_naming_the_file) {
  write("org.openedx.wrong.v1.avsc", schema_in("org.openedx.right.v1"));
  write("org.openedx.broken.v1.avsc", R"({"name": "CloudEvent", "type": "record", "namespace": "org.openedx.broken.v1",
                                         "fields": [{"name": "x", "type": "no-such-type"}]})");
  auto r = parse_settings(config());
  auto problems = listing(r);
  EXPECT_THAT(problems, HasSubstr("org.openedx.wrong.v1.avsc: names its record \"CloudEvent\" in namespace "
                                  "\"org.openedx.right.v1\""));
  EXPECT_THAT(problems, HasSubstr("org.openedx.broken.v1.avsc: Avro C refuses it"));
  EXPECT_EQ(r.problems.size(), 2u) << problems;
}

TEST_F(openedx_schemas, kafka_topics_in_openedx_format_need_a_schema_registry) {
  auto r = parse_settings(config("kafka"));
  EXPECT_THAT(message_at(r, "$.transports.kafka.schema_registry_url"), HasSubstr("register their schemas there: t"));
  setenv("EVENTROUTER_TEST_REGISTRY_AUTH", "user:secret", 1);
  auto s = parse_valid(R"({ "transports": { "kafka": { "bootstrap_servers": "k:9092",
    "schema_registry_url": "http://registry:8081", "schema_registry_basic_auth": "${EVENTROUTER_TEST_REGISTRY_AUTH}" } } })");
  EXPECT_EQ(s.kafka->schema_registry_url.host, "registry");
  EXPECT_EQ(s.kafka->schema_registry_url.port, 8081);
  EXPECT_EQ(s.kafka->schema_registry_basic_auth, "user:secret");
  auto bad = parse_settings(R"({ "transports": { "kafka": { "bootstrap_servers": "k:9092",
    "schema_registry_url": "https://registry", "schema_registry_basic_auth": "no-colon" } } })");
  EXPECT_THAT(message_at(bad, "$.transports.kafka.schema_registry_url"), HasSubstr("expected http://"));
  EXPECT_THAT(message_at(bad, "$.transports.kafka.schema_registry_basic_auth"), HasSubstr("expected user:password"));
}

TEST_F(openedx_schemas, only_routes_write_to_topics_in_openedx_format) {
  auto r = parse_settings(config("redis", "xblock_info.usage_key", R"(, "consumers": [
    { "name": "c", "topic": "t", "group_id": "g", "sink": { "type": "log" }, "dead_letter_topic": "t2" },
    { "name": "d", "topic": "t2", "group_id": "g", "sink": { "type": "topic", "topic": "t" } } ])"));
  auto problems = listing(r);
  EXPECT_THAT(message_at(r, "$.consumers[1].sink.topic"), HasSubstr("openedx topics through routes only"));
  EXPECT_EQ(r.problems.size(), 1u) << problems;
}

TEST(config_loader, openedx_topics_need_a_schema_folder) {
  auto r = parse_settings(R"({ "topics": { "u": { "format": "openedx" } },
    "producer_config": { "a.b": { "u": { "event_key_field": "k" } } } })");
  EXPECT_THAT(message_at(r, "$.producer_config[\"a.b\"].u"), HasSubstr("schemas.directory is not set"));
}

// A consumer's name and group reach the wire (Redis consumer names, Kafka's group.id) and the logs.
TEST(config_loader, a_consumer_name_or_group_with_a_control_character_is_refused) {
  auto r = parse_settings(R"({ "topics": { "t": {} }, "consumers": [
    { "name": "a\r\nb", "topic": "t", "group_id": "g", "sink": { "type": "log" } },
    { "name": "c", "topic": "t", "group_id": "g\u0000", "sink": { "type": "log" } } ] })");
  EXPECT_THAT(message_at(r, "$.consumers[0].name"), HasSubstr("CR"));
  EXPECT_THAT(message_at(r, "$.consumers[1].group_id"), HasSubstr("NUL"));
}

// --- the kafka transport ----------------------------------------------------------------------

TEST(config_loader, kafka_properties_pass_through_as_strings) {
  setenv("EVENTROUTER_TEST_SASL_PASSWORD", "hunter2", 1);
  auto s = parse_valid(R"({ "default_transport": "kafka",
    "transports": { "kafka": { "bootstrap_servers": "k1:9092,k2:9092",
      "properties": { "compression.type": "lz4", "linger.ms": 5, "socket.keepalive.enable": true,
                      "sasl.password": "${EVENTROUTER_TEST_SASL_PASSWORD}" } } },
    "producer_config": { "a.v1": { "orders": { "event_key_field": "k" } } } })");
  ASSERT_TRUE(s.kafka.has_value());
  EXPECT_EQ(s.kafka->bootstrap_servers, "k1:9092,k2:9092");
  EXPECT_EQ(s.kafka->properties.at("compression.type"), "lz4");
  EXPECT_EQ(s.kafka->properties.at("linger.ms"), "5");
  EXPECT_EQ(s.kafka->properties.at("socket.keepalive.enable"), "true");
  EXPECT_EQ(s.kafka->properties.at("sasl.password"), "hunter2");
  EXPECT_EQ(s.topics.at("orders").transport, transport_kind::kafka);
}

TEST(config_loader, an_invalid_kafka_property_is_reported_with_librdkafkas_own_message) {
  auto r = parse_settings(R"({ "transports": { "kafka": { "bootstrap_servers": "k:9092",
    "properties": { "compression.type": "zip", "no.such.property": "1", "linger.ms": [5] } } } })");
  EXPECT_THAT(message_at(r, R"($.transports.kafka.properties["compression.type"])"), HasSubstr("librdkafka"));
  EXPECT_THAT(message_at(r, R"($.transports.kafka.properties["no.such.property"])"),
              HasSubstr("No such configuration property"));
  EXPECT_THAT(message_at(r, R"($.transports.kafka.properties["linger.ms"])"), HasSubstr("an array"));
  EXPECT_EQ(r.problems.size(), 3u) << listing(r);
}

TEST(config_loader, kafka_properties_eventrouter_manages_are_refused) {
  auto r = parse_settings(R"({ "transports": { "kafka": { "bootstrap_servers": "k:9092",
    "properties": { "enable.auto.commit": "true", "acks": "1", "group.id": "x" } } } })");
  for (auto path : {R"($.transports.kafka.properties["enable.auto.commit"])", "$.transports.kafka.properties.acks",
                    R"($.transports.kafka.properties["group.id"])"})
    EXPECT_THAT(message_at(r, path), HasSubstr("eventrouter"));
}

// Accepted one by one, refused when a client is made: check-config says so, not the start-up.
TEST(config_loader, kafka_properties_a_client_cannot_be_made_with_are_refused_with_librdkafkas_message) {
  auto refused = [](const std::string& properties) {
    return parse_settings(R"({ "transports": { "kafka": { "bootstrap_servers": "k:9092", "properties": )" +
                          properties + " } } }");
  };
  auto missing_ca = refused(R"({ "security.protocol": "ssl", "ssl.ca.location": "/nonexistent/ca.pem" })");
  EXPECT_THAT(message_at(missing_ca, "$.transports.kafka.properties"), HasSubstr("ssl.ca.location"));
  auto sasl_without_credentials = refused(R"({ "security.protocol": "sasl_ssl", "sasl.mechanisms": "PLAIN" })");
  EXPECT_THAT(message_at(sasl_without_credentials, "$.transports.kafka.properties"), HasSubstr("sasl.username"));
  // The producer is idempotent: librdkafka allows at most 5 requests in flight with it.
  auto too_many_in_flight = refused(R"({ "max.in.flight.requests.per.connection": 10 })");
  EXPECT_THAT(message_at(too_many_in_flight, "$.transports.kafka.properties"), HasSubstr("max.in.flight"));
}

TEST(config_loader, a_kafka_topic_without_transports_kafka_is_a_problem_naming_the_topics) {
  auto r = parse_settings(R"({ "topics": { "orders": { "transport": "kafka" } } })");
  EXPECT_THAT(message_at(r, "$.transports.kafka"), HasSubstr("orders"));
  auto missing = parse_settings(R"({ "transports": { "kafka": {} } })");
  EXPECT_THAT(message_at(missing, "$.transports.kafka.bootstrap_servers"), HasSubstr("missing"));
}

// --- the redis transport ----------------------------------------------------------------------

TEST(config_loader, a_redis_url_gives_host_port_credentials_and_database) {
  auto s = parse_valid(R"({ "transports": { "redis": {
      "url": "redis://app:s%40cret@redis.internal:6380/3", "stream_max_len": 500,
      "connect_timeout_ms": 100, "command_timeout_ms": 200, "reconnect_backoff_ms": [10, 20] } },
    "topics": { "t": { "transport": "redis" } } })");
  ASSERT_TRUE(s.redis.has_value());
  EXPECT_EQ(s.redis->host, "redis.internal");
  EXPECT_EQ(s.redis->port, 6380);
  EXPECT_EQ(s.redis->user, "app");
  EXPECT_EQ(s.redis->password, "s@cret");
  EXPECT_EQ(s.redis->db, 3u);
  EXPECT_EQ(s.redis->stream_max_len, 500u);
  EXPECT_EQ(s.redis->connect_timeout.count(), 100);
  EXPECT_EQ(s.redis->command_timeout.count(), 200);
  EXPECT_EQ(s.redis->reconnect_backoff_min.count(), 10);
  EXPECT_EQ(s.redis->reconnect_backoff_max.count(), 20);
  EXPECT_EQ(s.topics.at("t").transport, transport_kind::redis);
}

TEST(config_loader, a_redis_url_without_port_or_database_uses_the_defaults) {
  auto s = parse_valid(R"({ "transports": { "redis": { "url": "redis://secret@localhost" } } })");
  EXPECT_EQ(s.redis->port, 6379);
  EXPECT_EQ(s.redis->db, 0u);
  EXPECT_EQ(s.redis->user, "");
  EXPECT_EQ(s.redis->password, "secret");  // as redis-cli reads redis://password@host
  EXPECT_EQ(s.redis->stream_max_len, 10000u);
}

TEST(config_loader, a_broken_redis_url_is_a_problem_saying_what_is_wrong) {
  for (auto [url, why] : {std::pair{"http://x:6379", "scheme"}, {"rediss://x:6379", "TLS"},
                          {"redis://:6379", "host"}, {"redis://x:0", "port"}, {"redis://x:99999", "port"},
                          {"redis://x:6379/16", "database"}, {"redis://x:6379/a", "database"},
                          {"redis://u:%zz@x", "percent-encoding"}}) {
    SCOPED_TRACE(url);
    auto r = parse_settings(std::string(R"({ "transports": { "redis": { "url": ")") + url + R"(" } } })");
    EXPECT_THAT(message_at(r, "$.transports.redis.url"), HasSubstr(why));
  }
}

TEST(config_loader, a_redis_topic_without_transports_redis_is_a_problem_naming_the_topics) {
  auto r = parse_settings(R"({ "default_transport": "redis",
    "producer_config": { "a.v1": { "orders": { "event_key_field": "k" } } } })");
  EXPECT_THAT(message_at(r, "$.transports.redis"), HasSubstr("orders"));
}

TEST(config_loader, redis_consumer_options_are_read_and_refused_on_other_transports) {
  auto s = parse_valid(R"({ "transports": { "redis": { "url": "redis://localhost" } },
    "topics": { "r": { "transport": "redis" } },
    "consumers": [
      { "name": "a", "topic": "r", "group_id": "g", "sink": { "type": "log" }, "claim_idle_ms": 250, "from_beginning": true },
      { "name": "b", "topic": "r", "group_id": "h", "sink": { "type": "log" }, "last_read_id": "1700000000000-3" } ] })");
  EXPECT_EQ(s.consumers[0].claim_idle.count(), 250);
  EXPECT_EQ(s.consumers[0].from_beginning, true);
  EXPECT_EQ(s.consumers[1].from_beginning, std::nullopt);  // the transport decides
  EXPECT_EQ(s.consumers[1].last_read_id, "1700000000000-3");

  auto r = parse_settings(R"({ "transports": { "redis": { "url": "redis://localhost" } },
    "topics": { "m": {}, "r": { "transport": "redis" } },
    "consumers": [
      { "name": "a", "topic": "m", "group_id": "g", "sink": { "type": "log" }, "claim_idle_ms": 250 },
      { "name": "b", "topic": "r", "group_id": "g", "sink": { "type": "log" }, "last_read_id": "yesterday" },
      { "name": "c", "topic": "r", "group_id": "g", "sink": { "type": "log" }, "from_beginning": true, "last_read_id": "1-0" } ] })");
  EXPECT_THAT(message_at(r, "$.consumers[0].claim_idle_ms"), HasSubstr("the redis transport"));
  EXPECT_THAT(message_at(r, "$.consumers[1].last_read_id"), HasSubstr("stream id"));
  EXPECT_THAT(message_at(r, "$.consumers[2].last_read_id"), HasSubstr("from_beginning"));
  EXPECT_EQ(r.problems.size(), 3u) << listing(r);
}

TEST(config_loader, sinks_retries_and_dead_letter_topics_are_read) {
  setenv("EVENTROUTER_TEST_TOKEN", "s3cret", 1);
  auto s = parse_valid(R"({ "topics": { "t": {}, "copy": {} }, "consumers": [
    { "name": "hook", "topic": "t", "group_id": "g",
      "sink": { "type": "http", "url": "http://indexer:9000/events", "timeout_ms": 2500,
                "headers": { "authorization": "Bearer ${EVENTROUTER_TEST_TOKEN}" } },
      "retry": { "max_attempts": 5, "backoff_ms": [50, 2000] }, "dead_letter_topic": "t-dlq" },
    { "name": "bridge", "topic": "t", "group_id": "b", "sink": { "type": "topic", "topic": "copy" } } ] })");
  const auto& hook = s.consumers[0];
  EXPECT_EQ(hook.sink.type, sink_kind::http);
  EXPECT_EQ(hook.sink.url.host, "indexer");
  EXPECT_EQ(hook.sink.url.port, 9000);
  EXPECT_EQ(hook.sink.url.path, "/events");
  EXPECT_EQ(hook.sink.timeout.count(), 2500);
  ASSERT_EQ(hook.sink.headers.size(), 1u);
  EXPECT_EQ(hook.sink.headers[0], (std::pair<std::string, std::string>{"authorization", "Bearer s3cret"}));
  EXPECT_EQ(hook.retry.max_attempts, 5u);
  EXPECT_EQ(hook.retry.backoff_min.count(), 50);
  EXPECT_EQ(hook.retry.backoff_max.count(), 2000);
  EXPECT_EQ(hook.dead_letter_topic, "t-dlq");
  EXPECT_EQ(s.topics.at("t-dlq").transport, transport_kind::memory);  // added with the default transport
  EXPECT_EQ(s.consumers[1].sink.type, sink_kind::topic);
  EXPECT_EQ(s.consumers[1].sink.topic, "copy");
  EXPECT_EQ(s.consumers[1].retry.max_attempts, 3u);  // the default
}

TEST(config_loader, broken_sinks_and_retries_are_problems_naming_the_key) {
  auto r = parse_settings(R"({ "topics": { "t": {} }, "consumers": [
    { "name": "a", "topic": "t", "group_id": "g", "sink": { "type": "http", "url": "https://x/y" },
      "retry": { "attempts": 3, "backoff_ms": [500, 100] } },
    { "name": "b", "topic": "t", "group_id": "g", "sink": { "type": "topic", "topic": "t", "url": "http://x" },
      "dead_letter_topic": "t" },
    { "name": "c", "topic": "t", "group_id": "g", "sink": { "type": "webhook" } } ] })");
  EXPECT_THAT(message_at(r, "$.consumers[0].sink.url"), HasSubstr("TLS (https://) is not supported"));
  EXPECT_THAT(message_at(r, "$.consumers[0].retry.attempts"), HasSubstr("unknown key"));
  EXPECT_THAT(message_at(r, "$.consumers[0].retry.backoff_ms"), HasSubstr("min <= max"));
  EXPECT_THAT(message_at(r, "$.consumers[1].sink.topic"), HasSubstr("the topic the consumer reads"));
  EXPECT_THAT(message_at(r, "$.consumers[1].sink.url"), HasSubstr("\"http\""));
  EXPECT_THAT(message_at(r, "$.consumers[1].dead_letter_topic"), HasSubstr("the topic the consumer reads"));
  EXPECT_THAT(message_at(r, "$.consumers[2].sink.type"), HasSubstr("\"route\""));
  EXPECT_EQ(r.problems.size(), 7u) << listing(r);
}

// --- what reaches the webhook's wire ------------------------------------------------------------

// A configuration with one http sink of `sink` (a JSON object's members).
load_result with_http_sink(const std::string& sink) {
  return parse_settings(R"({ "topics": { "t": {} }, "consumers": [
    { "name": "hook", "topic": "t", "group_id": "g", "sink": { "type": "http", )" + sink + " } } ] }");
}

TEST(config_loader, the_two_webhook_urls_that_once_stopped_all_delivery_are_read_or_refused_at_load) {
  // Credentials: read, to be sent as Basic authorization.
  auto s = with_http_sink(R"("url": "http://user:pw@hooks.internal:9000/x")");
  ASSERT_TRUE(s.value) << listing(s);
  const auto& url = s.value->consumers[0].sink.url;
  EXPECT_EQ(url.user, "user");
  EXPECT_EQ(url.password, "pw");
  EXPECT_EQ(url.host, "hooks.internal");
  EXPECT_EQ(url.port, 9000);
  EXPECT_EQ(url.path, "/x");
  // No host: refused, saying so.
  auto r = with_http_sink(R"("url": "http://:80/x")");
  EXPECT_THAT(message_at(r, "$.consumers[0].sink.url"), HasSubstr("the host is missing"));
}

TEST(config_loader, webhook_urls_with_bad_ports_or_control_characters_are_refused_naming_the_key) {
  for (auto [url, why] : {std::pair{"http://h:0/x", "1 to 65535"}, {"http://h:65536/x", "1 to 65535"},
                          {"http://h:http/x", "1 to 65535"}, {R"(http://h/x\r\nX-Injected: 1)", "a CR (0x0D)"},
                          {R"(http://h/x\u0000)", "a NUL (0x00)"}}) {
    SCOPED_TRACE(url);
    auto r = with_http_sink(std::string(R"("url": ")") + url + "\"");
    auto message = message_at(r, "$.consumers[0].sink.url");
    EXPECT_THAT(message, HasSubstr(why));
    EXPECT_EQ(message.find_first_of("\r\n"), std::string::npos) << "the message is one line";
  }
}

TEST(config_loader, header_names_must_be_tokens_and_values_hold_no_control_character) {
  auto r = with_http_sink(R"("url": "http://h/x", "headers": {
      "x-ok": "fine", "bad name": "v", "x-split": "a\r\nX-Injected: 1", "x-lf": "a\nb", "x-nul": "a\u0000b",
      "x-tab": "a\tb", "x\r\ny": "v" })");
  EXPECT_THAT(message_at(r, "$.consumers[0].sink.headers[\"bad name\"]"), HasSubstr("HTTP token"));
  EXPECT_THAT(message_at(r, "$.consumers[0].sink.headers[\"x\\r\\ny\"]"), HasSubstr("HTTP token"));
  EXPECT_THAT(message_at(r, "$.consumers[0].sink.headers[\"x-split\"]"), HasSubstr("a CR (0x0D) at character 2"));
  EXPECT_THAT(message_at(r, "$.consumers[0].sink.headers[\"x-lf\"]"), HasSubstr("an LF (0x0A)"));
  EXPECT_THAT(message_at(r, "$.consumers[0].sink.headers[\"x-nul\"]"), HasSubstr("a NUL (0x00)"));
  EXPECT_THAT(message_at(r, "$.consumers[0].sink.headers[\"x-tab\"]"), HasSubstr("a tab (0x09)"));
  EXPECT_EQ(r.problems.size(), 6u) << listing(r);
  for (const auto& p : r.problems)
    EXPECT_EQ(to_string(p).find_first_of("\r\n"), std::string::npos) << "one line: " << to_string(p);
}

TEST(config_loader, credentials_in_the_url_and_an_authorization_header_are_refused_together) {
  auto r = with_http_sink(R"("url": "http://user:s3cret-pw@h/x", "headers": { "AuthoriZation": "Bearer t" })");
  auto message = message_at(r, "$.consumers[0].sink.headers.AuthoriZation");
  EXPECT_THAT(message, HasSubstr("credentials in url, which are sent as the Authorization header"));
  EXPECT_EQ(listing(r).find("s3cret-pw"), std::string::npos) << listing(r);
  // Either alone is fine.
  EXPECT_TRUE(with_http_sink(R"("url": "http://h/x", "headers": { "Authorization": "Bearer t" })").value);
  EXPECT_TRUE(with_http_sink(R"("url": "http://user:pw@h/x", "headers": { "x-other": "v" })").value);
}

TEST(config_loader, an_http_sink_batch_takes_its_documented_defaults_and_what_the_file_sets) {
  auto absent = with_http_sink(R"("url": "http://h/x")");
  ASSERT_TRUE(absent.value) << listing(absent);
  EXPECT_FALSE(absent.value->consumers[0].sink.batch) << "one event per POST unless batch is set";

  auto empty = with_http_sink(R"("url": "http://h/x", "concurrency": 100, "batch": {})");
  ASSERT_TRUE(empty.value) << listing(empty);
  const auto& defaults = *empty.value->consumers[0].sink.batch;
  EXPECT_EQ(defaults.max_events, 100u);
  EXPECT_EQ(defaults.max_bytes, std::size_t{1} << 20);
  EXPECT_EQ(defaults.max_wait, std::chrono::milliseconds(5));

  auto set = with_http_sink(
    R"("url": "http://h/x", "concurrency": 20, "batch": { "max_events": 10, "max_bytes": 4096, "max_wait_ms": 0 })");
  ASSERT_TRUE(set.value) << listing(set);
  EXPECT_EQ(set.value->consumers[0].sink.batch, (batch_settings{10, 4096, std::chrono::milliseconds(0)}));
}

TEST(config_loader, an_http_sink_batch_out_of_bounds_or_misspelt_is_refused_naming_the_key_and_bounds) {
  auto r = with_http_sink(R"("url": "http://h/x", "concurrency": 1000,
      "batch": { "max_events": 0, "max_bytes": 100, "max_wait_ms": 2000, "max_event": 5 })");
  EXPECT_THAT(message_at(r, "$.consumers[0].sink.batch.max_events"), HasSubstr("1 to 10000"));
  EXPECT_THAT(message_at(r, "$.consumers[0].sink.batch.max_bytes"), HasSubstr("1024 to 67108864"));
  EXPECT_THAT(message_at(r, "$.consumers[0].sink.batch.max_wait_ms"), HasSubstr("0 to 1000"));
  EXPECT_THAT(message_at(r, "$.consumers[0].sink.batch.max_event"), HasSubstr("max_events"));
  EXPECT_EQ(r.problems.size(), 4u) << listing(r);
}

TEST(config_loader, a_batch_larger_than_the_sinks_concurrency_or_on_another_sink_is_refused) {
  auto r = with_http_sink(R"("url": "http://h/x", "concurrency": 8, "batch": { "max_events": 10 })");
  auto message = message_at(r, "$.consumers[0].sink.batch.max_events");
  EXPECT_THAT(message, HasSubstr("more than sink.concurrency (8)"));
  EXPECT_THAT(message, HasSubstr("a concurrency of at least max_events"));

  auto log = parse_settings(R"({ "topics": { "t": {} }, "consumers": [
    { "name": "c", "topic": "t", "group_id": "g", "sink": { "type": "log", "batch": {} } } ] })");
  EXPECT_THAT(message_at(log, "$.consumers[0].sink.batch"), HasSubstr("applies to sinks of type \"http\""));
}

TEST(config_loader, a_refused_url_never_shows_its_password) {
  auto r = with_http_sink(R"("url": "http://user:s3cret-pw@h:0/x")");
  EXPECT_THAT(message_at(r, "$.consumers[0].sink.url"), HasSubstr("http://user:***@h:0/x"));
  EXPECT_EQ(listing(r).find("s3cret-pw"), std::string::npos) << listing(r);
}

TEST(config_loader, a_schema_registry_url_with_credentials_or_a_bad_port_is_refused) {
  auto registry = [](const std::string& url) {
    return parse_settings(R"({ "transports": { "kafka": { "bootstrap_servers": "k:9092", "schema_registry_url": ")" +
                          url + R"(" } } })");
  };
  EXPECT_THAT(message_at(registry("http://u:pw@r:8081"), "$.transports.kafka.schema_registry_url"),
              HasSubstr("schema_registry_basic_auth"));
  EXPECT_THAT(message_at(registry("http://r:70000"), "$.transports.kafka.schema_registry_url"),
              HasSubstr("1 to 65535"));
  EXPECT_THAT(message_at(registry("http://"), "$.transports.kafka.schema_registry_url"), HasSubstr("host is missing"));
}

TEST(config_loader, an_unknown_choice_lists_the_allowed_values) {
  auto r = parse_settings(R"({ "default_transport": "carrier-pigeon" })");
  auto message = message_at(r, "$.default_transport");
  EXPECT_THAT(message, HasSubstr("carrier-pigeon"));
  EXPECT_THAT(message, HasSubstr("\"memory\""));
}

// --- malformed input ------------------------------------------------------------------------

TEST(config_loader, malformed_json_is_one_problem_naming_line_and_column) {
  auto r = parse_settings("{\n  \"topic_prefix\": \"dev\",\n  \"http\": {\n    \"listen\" \"x\"\n  }\n}\n");
  EXPECT_FALSE(r.value.has_value());
  ASSERT_EQ(r.problems.size(), 1u) << listing(r);
  EXPECT_EQ(r.problems[0].path, "$");
  EXPECT_THAT(r.problems[0].message, HasSubstr("not valid JSON"));
  EXPECT_THAT(r.problems[0].message, HasSubstr("line 4, column 14"));
}

TEST(config_loader, malformed_json_on_the_first_line_names_its_column) {
  auto r = parse_settings(R"({ "a": 1,, "b": 2 })");
  ASSERT_EQ(r.problems.size(), 1u) << listing(r);
  EXPECT_EQ(r.problems[0].path, "$");
  EXPECT_THAT(r.problems[0].message, HasSubstr("line 1, column 10"));
}

TEST(config_loader, a_truncated_file_is_malformed_json) {
  auto r = parse_settings("{\n  \"topic_prefix\": \"dev\",\n");
  EXPECT_FALSE(r.value.has_value());
  ASSERT_EQ(r.problems.size(), 1u) << listing(r);
  EXPECT_EQ(r.problems[0].path, "$");
  EXPECT_THAT(r.problems[0].message, HasSubstr("not valid JSON"));
}

TEST(config_loader, text_after_the_object_is_malformed_json) {
  auto r = parse_settings("{}\n{}\n");
  EXPECT_FALSE(r.value.has_value());
  ASSERT_EQ(r.problems.size(), 1u) << listing(r);
  EXPECT_THAT(r.problems[0].message, HasSubstr("line 2, column 1"));
}

TEST(config_loader, an_empty_file_is_a_problem) {
  auto r = parse_settings("");
  EXPECT_FALSE(r.value.has_value());
  ASSERT_EQ(r.problems.size(), 1u) << listing(r);
  EXPECT_EQ(r.problems[0].path, "$");
}

TEST(config_loader, a_root_that_is_not_an_object_is_a_problem) {
  auto r = parse_settings("[1, 2]");
  EXPECT_FALSE(r.value.has_value());
  ASSERT_EQ(r.problems.size(), 1u) << listing(r);
  EXPECT_EQ(r.problems[0].path, "$");
  EXPECT_THAT(r.problems[0].message, HasSubstr("is an array; expected a JSON object"));
  auto s = parse_settings("\"config\"");
  ASSERT_EQ(s.problems.size(), 1u) << listing(s);
  EXPECT_THAT(s.problems[0].message, HasSubstr("is a string"));
}

// --- files ---------------------------------------------------------------------------------

TEST(config_loader, a_missing_file_is_a_problem_naming_the_path) {
  const std::string path = ::testing::TempDir() + "eventrouter-config-test-no-such-dir/none.json";
  auto r = load_settings_file(path);
  EXPECT_FALSE(r.value.has_value());
  ASSERT_EQ(r.problems.size(), 1u) << listing(r);
  EXPECT_EQ(r.problems[0].path, "$");
  EXPECT_THAT(r.problems[0].message, HasSubstr(path));
}

TEST(config_loader, a_directory_given_as_the_file_is_a_problem_naming_the_path) {
  // As when a container mounts a config file that does not exist on the host: the runtime
  // creates a directory in its place.
  const std::string path = ::testing::TempDir();
  auto r = load_settings_file(path);
  EXPECT_FALSE(r.value.has_value());
  ASSERT_EQ(r.problems.size(), 1u) << listing(r);
  EXPECT_EQ(r.problems[0].path, "$");
  EXPECT_THAT(r.problems[0].message, HasSubstr(path));
}

TEST(config_loader, a_file_on_disk_is_loaded) {
  const std::string path = ::testing::TempDir() + "eventrouter-config-test-" +
                           std::to_string(::getpid()) + ".json";
  {
    std::ofstream out(path, std::ios::binary);
    out << "// on disk\n{ \"topic_prefix\": \"disk\", \"http\": { \"listen\": \"[::1]:9000\" }, }\n";
  }
  auto r = load_settings_file(path);
  std::remove(path.c_str());
  ASSERT_TRUE(r.value.has_value()) << listing(r);
  EXPECT_EQ(r.value->topic_prefix, "disk");
  EXPECT_EQ(r.value->http.host, "::1");
  EXPECT_EQ(r.value->http.port, 9000);
}

TEST(config_loader, problems_in_a_file_on_disk_are_reported_like_parsed_text) {
  const std::string path = ::testing::TempDir() + "eventrouter-config-test-bad-" +
                           std::to_string(::getpid()) + ".json";
  {
    std::ofstream out(path, std::ios::binary);
    out << "{ \"http\": { \"listen\": \"nowhere\" } }\n";
  }
  auto r = load_settings_file(path);
  std::remove(path.c_str());
  EXPECT_FALSE(r.value.has_value());
  EXPECT_THAT(message_at(r, "$.http.listen"), HasSubstr("HOST:PORT"));
}

TEST(config_loader, the_example_configuration_is_valid) {
  ::unsetenv("EVENTROUTER_PORT");
  auto r = load_settings_file(std::string(EVENTROUTER_SOURCE_DIR) + "/config/examples/local.json");
  ASSERT_TRUE(r.value.has_value()) << listing(r);
  EXPECT_EQ(r.value->topic_prefix, "dev");
  EXPECT_EQ(r.value->http.port, 8080);
  EXPECT_EQ(r.value->consumers.size(), 3u);
  EXPECT_EQ(r.value->topics.size(), 3u);
}

// --- to_string ---------------------------------------------------------------------------------

TEST(config_loader, a_problem_reads_as_path_colon_message) {
  EXPECT_EQ(to_string(problem{"$.http.listen", "is \"x\"; expected HOST:PORT"}),
            "$.http.listen: is \"x\"; expected HOST:PORT");
  auto r = parse_settings(R"({ "http": { "threads": 0 } })");
  ASSERT_EQ(r.problems.size(), 1u) << listing(r);
  EXPECT_EQ(to_string(r.problems[0]),
            "$.http.threads: is 0; expected a whole number from 1 to 256");
}

}  // namespace
}  // namespace eventrouter::config
