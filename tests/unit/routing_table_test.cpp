// Routing without side effects: the routing table built from a configuration, key paths into
// event data, and a batch planned into per-topic lists (or refused with every problem named).

#include "config/loader.hpp"
#include "router/batch_plan.hpp"
#include "router/key_path.hpp"
#include "router/routing_table.hpp"
#include "router/topic_keys.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace eventrouter {
namespace {

namespace json = boost::json;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr auto published = "org.openedx.content_authoring.xblock.published.v1";
constexpr auto deleted = "org.openedx.content_authoring.xblock.deleted.v1";
constexpr auto enrolled = "org.openedx.learning.course.enrollment.created.v1";

// Three event types: one to two topics, one to one topic (a second route disabled), one whose
// only route is disabled. "audit" is named only under topics and routes nothing.
constexpr auto config_text = R"({
  "topic_prefix": "prod",
  "topics": { "audit": {} },
  "producer_config": {
    "org.openedx.content_authoring.xblock.published.v1": {
      "xblock-lifecycle": { "event_key_field": "xblock_info.usage_key", "enabled": true },
      "xblock-published": { "event_key_field": "xblock_info.usage_key" }
    },
    "org.openedx.content_authoring.xblock.deleted.v1": {
      "xblock-lifecycle": { "event_key_field": "xblock_info.usage_key", "enabled": true },
      "xblock-archive": { "event_key_field": "xblock_info.usage_key", "enabled": false }
    },
    "org.openedx.learning.course.enrollment.created.v1": {
      "enrollment-lifecycle": { "event_key_field": "enrollment.course.course_key", "enabled": false }
    }
  }
})";

config::settings settings_from(std::string_view text) {
  auto loaded = config::parse_settings(text);
  if (!loaded.value) {
    std::string problems;
    for (const auto& p : loaded.problems)
      problems += config::to_string(p) + "\n";
    ADD_FAILURE() << "the test configuration does not load:\n" << problems;
    return {};
  }
  return *loaded.value;
}

routing_table sample_table() { return routing_table(settings_from(config_text)); }

std::size_t index_of(const routing_table& table, std::string_view full_topic) {
  auto index = table.topic_index(full_topic);
  if (!index) {
    ADD_FAILURE() << "no topic " << full_topic;
    return table.topics().size();
  }
  return *index;
}

std::vector<std::string> topics_of(const std::vector<route_target>& routes) {
  std::vector<std::string> out;
  for (const auto& r : routes)
    out.push_back(r.topic);
  return out;
}

// ---- routing table ---------------------------------------------------------------------------

TEST(routing_table, an_unknown_event_type_has_no_routes_at_all) {
  auto table = sample_table();
  EXPECT_EQ(table.enabled_routes("org.openedx.unknown.v1"), nullptr);
  EXPECT_EQ(table.enabled_routes(""), nullptr);
  EXPECT_EQ(table.enabled_routes("org.openedx.content_authoring.xblock.published.v2"), nullptr);
}

TEST(routing_table, a_type_whose_routes_are_all_disabled_is_known_but_routes_nowhere) {
  auto table = sample_table();
  const auto* routes = table.enabled_routes(enrolled);
  ASSERT_NE(routes, nullptr);
  EXPECT_TRUE(routes->empty());
}

TEST(routing_table, only_enabled_routes_are_listed_for_a_type) {
  auto table = sample_table();
  const auto* routes = table.enabled_routes(deleted);
  ASSERT_NE(routes, nullptr);
  EXPECT_EQ(topics_of(*routes), (std::vector<std::string>{"xblock-lifecycle"}));
  routes = table.enabled_routes(published);
  ASSERT_NE(routes, nullptr);
  EXPECT_EQ(topics_of(*routes), (std::vector<std::string>{"xblock-lifecycle", "xblock-published"}));
}

TEST(routing_table, an_enabled_route_names_its_full_topic_index_and_key) {
  auto table = sample_table();
  for (const char* type : {published, deleted}) {
    SCOPED_TRACE(type);
    const auto* routes = table.enabled_routes(type);
    ASSERT_NE(routes, nullptr);
    ASSERT_FALSE(routes->empty());
    for (const auto& r : *routes) {
      SCOPED_TRACE(r.topic);
      EXPECT_EQ(r.event_type, type);
      EXPECT_TRUE(r.enabled);
      EXPECT_EQ(r.full_topic, "prod-" + r.topic);
      ASSERT_LT(r.topic_index, table.topics().size());
      EXPECT_EQ(table.topics()[r.topic_index], r.full_topic);
      EXPECT_EQ(table.topic_index(r.full_topic), r.topic_index);
      EXPECT_EQ(r.key.text(), "xblock_info.usage_key");
    }
  }
}

TEST(routing_table, two_types_routed_to_one_topic_share_its_index) {
  auto table = sample_table();
  const auto* a = table.enabled_routes(published);
  const auto* b = table.enabled_routes(deleted);
  ASSERT_TRUE(a && b && !a->empty() && !b->empty());
  EXPECT_EQ((*a)[0].topic, "xblock-lifecycle");
  EXPECT_EQ((*b)[0].topic, "xblock-lifecycle");
  EXPECT_EQ((*a)[0].topic_index, (*b)[0].topic_index);
  EXPECT_NE((*a)[0].topic_index, (*a)[1].topic_index);
}

TEST(routing_table, topics_lists_every_topic_once_by_full_name) {
  auto table = sample_table();
  std::set<std::string> unique(table.topics().begin(), table.topics().end());
  EXPECT_EQ(unique.size(), table.topics().size());
  EXPECT_EQ(unique, (std::set<std::string>{"prod-audit", "prod-enrollment-lifecycle", "prod-xblock-archive",
                                           "prod-xblock-lifecycle", "prod-xblock-published"}));
  for (std::size_t i = 0; i < table.topics().size(); ++i)
    EXPECT_EQ(table.topic_index(table.topics()[i]), i) << table.topics()[i];
}

TEST(routing_table, topic_index_knows_only_full_names) {
  auto table = sample_table();
  EXPECT_EQ(table.topic_index("xblock-lifecycle"), std::nullopt);
  EXPECT_EQ(table.topic_index("prod-nothing"), std::nullopt);
  EXPECT_EQ(table.topic_index(""), std::nullopt);
  EXPECT_TRUE(table.topic_index("prod-xblock-lifecycle").has_value());
}

TEST(routing_table, lookups_take_any_string_view_not_just_whole_strings) {
  auto table = sample_table();
  std::string text = std::string(deleted) + "-and-more";
  std::string_view type(text.data(), std::string_view(deleted).size());
  const auto* routes = table.enabled_routes(type);
  ASSERT_NE(routes, nullptr);
  EXPECT_EQ(routes->size(), 1u);
  std::string topics = "prod-xblock-archive|prod-audit";
  EXPECT_EQ(table.topic_index(std::string_view(topics).substr(0, 19)), index_of(table, "prod-xblock-archive"));
}

TEST(routing_table, all_routes_include_the_disabled_ones) {
  auto table = sample_table();
  EXPECT_EQ(table.all_routes().size(), 5u);
  auto disabled = std::count_if(table.all_routes().begin(), table.all_routes().end(),
                                [](const route_target& r) { return !r.enabled; });
  EXPECT_EQ(disabled, 2);
  for (const auto& r : table.all_routes()) {
    SCOPED_TRACE(r.event_type + " -> " + r.topic);
    EXPECT_EQ(table.topics().at(r.topic_index), r.full_topic);
  }
}

TEST(routing_table, to_json_shows_the_prefix_topics_and_every_route_with_its_enabled_flag) {
  auto table = sample_table();
  auto shown = table.to_json();
  EXPECT_EQ(shown.at("topic_prefix"), "prod");
  const auto& topics = shown.at("topics").as_array();
  ASSERT_EQ(topics.size(), table.topics().size());
  for (std::size_t i = 0; i < topics.size(); ++i)
    EXPECT_EQ(topics[i], table.topics()[i].c_str());
  const auto& routes = shown.at("routes").as_array();
  ASSERT_EQ(routes.size(), 5u);
  std::size_t enabled = 0;
  bool saw_archive = false;
  for (const auto& value : routes) {
    const auto& r = value.as_object();
    for (const char* key : {"event_type", "topic", "full_topic", "event_key_field", "enabled"})
      EXPECT_TRUE(r.contains(key)) << key << " in " << r;
    EXPECT_EQ(r.at("full_topic").as_string(), "prod-" + std::string(r.at("topic").as_string()));
    if (r.at("enabled").as_bool())
      ++enabled;
    if (r.at("event_type") == deleted && r.at("topic") == "xblock-archive") {
      saw_archive = true;
      EXPECT_EQ(r.at("enabled"), false);
      EXPECT_EQ(r.at("event_key_field"), "xblock_info.usage_key");
      EXPECT_EQ(r.at("full_topic"), "prod-xblock-archive");
    }
    if (r.at("event_type") == enrolled) {
      EXPECT_EQ(r.at("enabled"), false);
      EXPECT_EQ(r.at("event_key_field"), "enrollment.course.course_key");
    }
  }
  EXPECT_EQ(enabled, 3u);
  EXPECT_TRUE(saw_archive);
}

TEST(routing_table, a_table_built_by_hand_without_a_prefix_uses_names_as_they_are) {
  config::settings s;
  s.topics["alpha"] = {"alpha", "alpha"};
  s.topics["beta"] = {"beta", "beta"};
  s.routes.push_back({"type.one", "beta", "id", true});
  s.routes.push_back({"type.one", "alpha", "user.id", true});
  s.routes.push_back({"type.two", "alpha", "id", false});
  routing_table table(s);
  EXPECT_EQ(table.topics(), (std::vector<std::string>{"alpha", "beta"}));
  const auto* one = table.enabled_routes("type.one");
  ASSERT_NE(one, nullptr);
  ASSERT_EQ(one->size(), 2u);
  EXPECT_EQ((*one)[0].full_topic, "beta");
  EXPECT_EQ((*one)[0].topic_index, 1u);
  EXPECT_EQ((*one)[1].full_topic, "alpha");
  EXPECT_EQ((*one)[1].topic_index, 0u);
  EXPECT_EQ((*one)[1].key.text(), "user.id");
  const auto* two = table.enabled_routes("type.two");
  ASSERT_NE(two, nullptr);
  EXPECT_TRUE(two->empty());
  EXPECT_EQ(table.to_json().at("topic_prefix"), "");
}

// ---- key paths -------------------------------------------------------------------------------

json::value data_of(std::string_view text) { return json::parse(text); }

std::string key_of(const key_path& path, const json::value& data) {
  auto key = path.extract(data);
  if (auto* error = std::get_if<key_error>(&key)) {
    ADD_FAILURE() << "expected a key, got: " << error->message;
    return "<error>";
  }
  return std::get<std::string>(key);
}

std::string error_of(const key_path& path, const json::value& data) {
  auto key = path.extract(data);
  if (auto* text = std::get_if<std::string>(&key)) {
    ADD_FAILURE() << "expected a key_error, got the key \"" << *text << "\"";
    return "<no error>";
  }
  return std::get<key_error>(key).message;
}

TEST(key_path, a_nested_string_is_the_key_as_it_is) {
  key_path path("xblock_info.usage_key");
  EXPECT_EQ(path.text(), "xblock_info.usage_key");
  EXPECT_EQ(key_of(path, data_of(R"({"xblock_info": {"usage_key": "block-v1:edX+X+Y", "other": 1}})")),
            "block-v1:edX+X+Y");
}

TEST(key_path, a_deep_path_walks_every_step) {
  key_path path("enrollment.course.course_key");
  EXPECT_EQ(key_of(path, data_of(R"({"enrollment": {"course": {"course_key": "course-v1:a+b+c"}}})")),
            "course-v1:a+b+c");
}

TEST(key_path, a_one_step_path_reads_a_top_level_field) {
  EXPECT_EQ(key_of(key_path("id"), data_of(R"({"id": "abc"})")), "abc");
}

TEST(key_path, a_string_key_is_not_quoted_or_escaped) {
  EXPECT_EQ(key_of(key_path("k"), data_of(R"({"k": "say \"hi\" é"})")), "say \"hi\" é");
}

TEST(key_path, numbers_and_booleans_become_their_json_text) {
  key_path path("user.id");
  EXPECT_EQ(key_of(path, data_of(R"({"user": {"id": 42}})")), "42");
  EXPECT_EQ(key_of(path, data_of(R"({"user": {"id": -7}})")), "-7");
  EXPECT_EQ(key_of(path, data_of(R"({"user": {"id": 18446744073709551615}})")), "18446744073709551615");
  EXPECT_EQ(key_of(path, data_of(R"({"user": {"id": true}})")), "true");
  EXPECT_EQ(key_of(path, data_of(R"({"user": {"id": false}})")), "false");
}

TEST(key_path, a_fractional_number_becomes_its_shortest_text) {
  auto key = key_of(key_path("x"), data_of(R"({"x": 1.5})"));
  EXPECT_EQ(key, "1.5");  // as a producer writes it, not Boost's "1.5E0"
}

TEST(key_path, a_missing_step_is_an_error_naming_the_path_and_the_step) {
  key_path path("xblock_info.usage_key");
  auto message = error_of(path, data_of(R"({"xblock_info": {"block_type": "html"}})"));
  EXPECT_THAT(message, HasSubstr("xblock_info.usage_key"));
  EXPECT_THAT(message, HasSubstr("data.xblock_info has no 'usage_key'"));
}

TEST(key_path, a_missing_first_step_is_named_against_data) {
  auto message = error_of(key_path("xblock_info.usage_key"), data_of(R"({"other": {}})"));
  EXPECT_THAT(message, HasSubstr("data has no 'xblock_info'"));
}

TEST(key_path, a_non_object_in_the_middle_is_an_error_naming_where) {
  key_path path("a.b.c");
  for (const char* data : {R"({"a": {"b": "text"}})", R"({"a": {"b": [1]}})", R"({"a": {"b": 3}})",
                           R"({"a": {"b": null}})"}) {
    SCOPED_TRACE(data);
    auto message = error_of(path, data_of(data));
    EXPECT_THAT(message, HasSubstr("'a.b.c'"));
    EXPECT_THAT(message, HasSubstr("data.a.b is not an object"));
  }
}

TEST(key_path, data_that_is_not_an_object_is_an_error) {
  auto message = error_of(key_path("a"), data_of("[1, 2]"));
  EXPECT_THAT(message, HasSubstr("data is not an object"));
}

TEST(key_path, an_object_array_or_null_leaf_is_an_error) {
  key_path path("a.b");
  for (const char* data : {R"({"a": {"b": {"c": 1}}})", R"({"a": {"b": [1, 2]}})", R"({"a": {"b": null}})"}) {
    SCOPED_TRACE(data);
    auto message = error_of(path, data_of(data));
    EXPECT_THAT(message, HasSubstr("'a.b'"));
    EXPECT_THAT(message, HasSubstr("data.a.b is not a string, number or boolean"));
  }
}

// ---- batch plans -----------------------------------------------------------------------------

event_ptr make(const std::string& id, const std::string& type, std::string_view data) {
  auto ev = std::make_shared<event>();
  ev->id = id;
  ev->type = type;
  ev->source = "openedx/cms/web";
  ev->time = "2023-06-09T14:12:45Z";
  ev->data = json::parse(data);
  return ev;
}

event_ptr xblock(const std::string& id, const std::string& type, const std::string& usage_key) {
  return make(id, type, R"({"xblock_info": {"usage_key": ")" + usage_key + R"("}})");
}

std::vector<std::string> ids_and_keys(const std::vector<keyed_event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    out.push_back(e.ev->id + "/" + e.key);
  return out;
}

TEST(batch_plan, a_good_batch_fans_out_to_each_topic_with_extracted_keys) {
  auto table = sample_table();
  std::vector<event_ptr> events = {xblock("e0", published, "k0"), xblock("e1", deleted, "k1"),
                                   xblock("e2", published, "k2")};
  auto plan = plan_batch(table, events);
  EXPECT_TRUE(plan.ok());
  EXPECT_TRUE(plan.errors.empty());
  EXPECT_EQ(plan.unknown_types, 0u);
  EXPECT_EQ(plan.missing_keys, 0u);
  ASSERT_EQ(plan.by_topic.size(), table.topics().size());
  EXPECT_EQ(ids_and_keys(plan.by_topic[index_of(table, "prod-xblock-lifecycle")]),
            (std::vector<std::string>{"e0/k0", "e1/k1", "e2/k2"}));
  EXPECT_EQ(ids_and_keys(plan.by_topic[index_of(table, "prod-xblock-published")]),
            (std::vector<std::string>{"e0/k0", "e2/k2"}));
  EXPECT_TRUE(plan.by_topic[index_of(table, "prod-xblock-archive")].empty());
  EXPECT_TRUE(plan.by_topic[index_of(table, "prod-audit")].empty());
  EXPECT_TRUE(plan.by_topic[index_of(table, "prod-enrollment-lifecycle")].empty());
}

TEST(batch_plan, fanned_out_events_are_shared_not_copied) {
  auto table = sample_table();
  auto ev = xblock("e0", published, "k0");
  auto plan = plan_batch(table, {ev});
  const auto& a = plan.by_topic[index_of(table, "prod-xblock-lifecycle")];
  const auto& b = plan.by_topic[index_of(table, "prod-xblock-published")];
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].ev.get(), ev.get());
  EXPECT_EQ(b[0].ev.get(), ev.get());
}

TEST(batch_plan, routed_has_one_entry_per_event_and_topic) {
  auto table = sample_table();
  auto plan = plan_batch(table, {xblock("e0", published, "k0"), xblock("e1", deleted, "k1")});
  ASSERT_EQ(plan.routed.size(), 3u);  // e0 to two topics, e1 to one
  std::multiset<std::string> pairs;
  for (const auto* r : plan.routed) {
    ASSERT_NE(r, nullptr);
    pairs.insert(r->event_type + " -> " + r->full_topic);
  }
  EXPECT_EQ(pairs, (std::multiset<std::string>{std::string(published) + " -> prod-xblock-lifecycle",
                                               std::string(published) + " -> prod-xblock-published",
                                               std::string(deleted) + " -> prod-xblock-lifecycle"}));
  std::size_t planned = 0;
  for (const auto& topic : plan.by_topic)
    planned += topic.size();
  EXPECT_EQ(planned, plan.routed.size());
}

TEST(batch_plan, a_batch_with_an_unknown_type_is_refused_naming_the_event) {
  auto table = sample_table();
  auto plan = plan_batch(table, {xblock("e0", published, "k0"), xblock("e1", "org.openedx.nobody.v1", "k1")});
  EXPECT_FALSE(plan.ok());
  EXPECT_EQ(plan.unknown_types, 1u);
  EXPECT_EQ(plan.missing_keys, 0u);
  ASSERT_EQ(plan.errors.size(), 1u);
  EXPECT_THAT(plan.errors[0], HasSubstr("unknown event type"));
  EXPECT_THAT(plan.errors[0], HasSubstr("org.openedx.nobody.v1"));
  EXPECT_THAT(plan.errors[0], HasSubstr("event 1"));
  EXPECT_THAT(plan.errors[0], HasSubstr("'e1'"));
}

TEST(batch_plan, every_unknown_type_is_counted_and_reported) {
  auto table = sample_table();
  auto plan = plan_batch(table, {xblock("a", "x.v1", "k"), xblock("b", "y.v1", "k"), xblock("c", "x.v1", "k")});
  EXPECT_EQ(plan.unknown_types, 3u);
  EXPECT_EQ(plan.errors.size(), 3u);
  EXPECT_TRUE(plan.routed.empty());
}

TEST(batch_plan, a_missing_key_is_refused_naming_the_route_topic) {
  auto table = sample_table();
  auto plan = plan_batch(table, {make("e0", deleted, R"({"xblock_info": {"block_type": "html"}})")});
  EXPECT_FALSE(plan.ok());
  EXPECT_EQ(plan.missing_keys, 1u);
  EXPECT_EQ(plan.unknown_types, 0u);
  ASSERT_EQ(plan.errors.size(), 1u);
  EXPECT_THAT(plan.errors[0], HasSubstr("event 0"));
  EXPECT_THAT(plan.errors[0], HasSubstr("'e0'"));
  EXPECT_THAT(plan.errors[0], HasSubstr("xblock-lifecycle"));
  EXPECT_THAT(plan.errors[0], HasSubstr("'usage_key'"));
}

TEST(batch_plan, a_missing_key_is_reported_once_per_route_that_needs_it) {
  auto table = sample_table();
  auto plan = plan_batch(table, {make("e0", published, R"({"other": 1})")});
  EXPECT_EQ(plan.missing_keys, 2u);
  ASSERT_EQ(plan.errors.size(), 2u);
  std::vector<std::string> errors = plan.errors;
  std::sort(errors.begin(), errors.end());
  EXPECT_THAT(errors[0], HasSubstr("'xblock-lifecycle'"));
  EXPECT_THAT(errors[1], HasSubstr("'xblock-published'"));
}

TEST(batch_plan, a_key_that_is_not_text_is_refused) {
  auto table = sample_table();
  auto plan = plan_batch(table, {make("e0", deleted, R"({"xblock_info": {"usage_key": {"nested": 1}}})")});
  EXPECT_FALSE(plan.ok());
  EXPECT_EQ(plan.missing_keys, 1u);
}

TEST(batch_plan, unknown_types_and_missing_keys_are_all_reported_together) {
  auto table = sample_table();
  auto plan = plan_batch(table, {xblock("e0", "nope.v1", "k"), make("e1", deleted, "{}"), xblock("e2", deleted, "k2")});
  EXPECT_EQ(plan.unknown_types, 1u);
  EXPECT_EQ(plan.missing_keys, 1u);
  EXPECT_EQ(plan.errors.size(), 2u);
  EXPECT_FALSE(plan.ok());
}

TEST(batch_plan, a_type_whose_routes_are_all_disabled_goes_nowhere_without_error) {
  auto table = sample_table();
  auto plan = plan_batch(table, {make("e0", enrolled, R"({"enrollment": {}})")});
  EXPECT_TRUE(plan.ok());
  EXPECT_TRUE(plan.routed.empty());
  for (const auto& topic : plan.by_topic)
    EXPECT_TRUE(topic.empty());
}

TEST(batch_plan, an_empty_batch_plans_nothing) {
  auto table = sample_table();
  auto plan = plan_batch(table, {});
  EXPECT_TRUE(plan.ok());
  EXPECT_EQ(plan.by_topic.size(), table.topics().size());
  EXPECT_TRUE(plan.routed.empty());
}

// ---- topics in openedx format -----------------------------------------------------------------

// xblock.published to a Redis and a Kafka topic in openedx format; the registry is a map here.
struct openedx_tables {
  std::vector<std::string> subjects_asked;
  routing_table table;

  openedx_tables()
      : table(settings(), [this](const std::string& subject, const std::string& schema) {
          subjects_asked.push_back(subject + " " + schema);
          return subject.ends_with("-string") ? 7u : 0x0102u;
        }) {}

  static config::settings settings() {
    config::settings s;
    s.schemas.by_type[published] = R"({"name": "CloudEvent", "type": "record", "namespace": ")" +
                                   std::string(published) + R"(", "fields": [{"name": "xblock_info", "type":
      {"name": "XBlockData", "type": "record", "fields": [{"name": "usage_key", "type": "string"},
                                                          {"name": "block_type", "type": "string"}]}}]})";
    s.topics["r"] = {"r", "dev-r", config::transport_kind::redis, config::topic_format::openedx};
    s.topics["k"] = {"k", "dev-k", config::transport_kind::kafka, config::topic_format::openedx};
    s.routes = {{published, "r", "xblock_info.usage_key", true}, {published, "k", "xblock_info.usage_key", true}};
    return s;
  }
};

TEST(batch_plan, openedx_topics_get_the_data_as_avro_and_kafka_adds_the_registry_framing) {
  openedx_tables t;
  EXPECT_THAT(t.subjects_asked, ::testing::ElementsAre(
                                  HasSubstr("dev-k-org.openedx.content_authoring.xblock.published.v1.CloudEvent {"),
                                  "dev-k-string {\"name\": \"usage_key\", \"type\": \"string\"}"));
  auto plan = plan_batch(t.table, {make("e0", published, R"({"xblock_info": {"usage_key": "k0", "block_type": "html"}})")});
  ASSERT_TRUE(plan.ok()) << plan.errors.front();
  const auto& redis = plan.by_topic[index_of(t.table, "dev-r")].at(0);
  const auto& kafka = plan.by_topic[index_of(t.table, "dev-k")].at(0);
  EXPECT_EQ(redis.key, "k0");
  ASSERT_TRUE(redis.encoded);
  EXPECT_EQ(redis.encoded->value, std::string("\x04k0\x08html"));
  ASSERT_TRUE(kafka.encoded);
  EXPECT_EQ(kafka.encoded->value, std::string("\0\0\0\x01\x02\x04k0\x08html", 13));
  EXPECT_EQ(kafka.encoded->key, std::string("\0\0\0\0\x07\x04k0", 8));
  EXPECT_EQ(kafka.key, "k0");  // what sinks and logs show
}

TEST(batch_plan, data_that_does_not_fit_the_schema_refuses_the_batch_naming_the_field) {
  openedx_tables t;
  auto plan = plan_batch(t.table, {make("e0", published, R"({"xblock_info": {"usage_key": "k0", "block_type": 5}})")});
  EXPECT_FALSE(plan.ok());
  EXPECT_EQ(plan.schema_mismatches, 2u);  // once per route
  ASSERT_FALSE(plan.errors.empty());
  EXPECT_THAT(plan.errors[0], AllOf(HasSubstr("event 0 (id 'e0')"), HasSubstr("xblock_info.block_type")));
}

}  // namespace
}  // namespace eventrouter

// ---- the keys of events read without one (router/topic_keys) ---------------------------------

namespace eventrouter {
namespace {

event typed(const std::string& type, json::value data) {
  event ev;
  ev.type = type;
  ev.data = std::move(data);
  return ev;
}

TEST(topic_keys, an_event_gets_the_key_of_the_route_of_its_type_to_the_topic_disabled_or_not) {
  routing_table table(settings_from(config_text));
  topic_keys keys(table, "prod-xblock-lifecycle", "");
  json::value xblock = {{"xblock_info", {{"usage_key", "block-v1:x"}}}};
  EXPECT_EQ(keys.key_of(typed(published, xblock)), "block-v1:x");
  EXPECT_EQ(keys.key_of(typed(deleted, xblock)), "block-v1:x");
  topic_keys archive(table, "prod-xblock-archive", "");  // its only route is disabled
  EXPECT_EQ(archive.key_of(typed(deleted, xblock)), "block-v1:x");
}

TEST(topic_keys, a_type_no_route_knows_gets_the_consumers_key_field_or_none) {
  routing_table table(settings_from(config_text));
  json::value data = {{"user", {{"id", 42}}}};
  EXPECT_EQ(topic_keys(table, "prod-xblock-lifecycle", "user.id").key_of(typed("other.v1", data)), "42");
  EXPECT_EQ(topic_keys(table, "prod-xblock-lifecycle", "").key_of(typed("other.v1", data)), "");
  EXPECT_EQ(topic_keys().key_of(typed(published, data)), "");
}

// A stream an Open edX service writes, which a bridge reads and forwards along the routes.
TEST(topic_keys, a_type_routed_only_elsewhere_gets_its_routes_key_unless_the_consumer_names_one) {
  routing_table table(settings_from(config_text));
  json::value data = {{"xblock_info", {{"usage_key", "block-v1:x"}}}, {"user", {{"id", 7}}}};
  EXPECT_EQ(topic_keys(table, "openedx-stream", "").key_of(typed(published, data)), "block-v1:x");
  EXPECT_EQ(topic_keys(table, "openedx-stream", "user.id").key_of(typed(published, data)), "7");
}

TEST(topic_keys, data_without_the_key_gives_none) {
  routing_table table(settings_from(config_text));
  topic_keys keys(table, "prod-xblock-lifecycle", "");
  EXPECT_EQ(keys.key_of(typed(published, json::object{{"xblock_info", json::object{}}})), "");
}

}  // namespace
}  // namespace eventrouter
