#include "config/settings_diff.hpp"

#include "config/loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace eventrouter::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// A configuration file with the parts the tests vary as fields; the defaults make the base file.
struct file {
  std::string prefix = "dev";
  std::string listen = "127.0.0.1:8080";
  int max_len = 1000;
  int debounce_ms = 500;
  std::string routes = R"(
    "org.example.one.v1": { "alpha": { "event_key_field": "one.id" } },
    "org.example.two.v1": { "beta": { "event_key_field": "two.id", "enabled": true } })";
  std::string consumers = R"(
    { "name": "alpha-log", "topic": "alpha", "group_id": "log", "sink": { "type": "log" } })";

  std::string text() const {
    return R"({ "topic_prefix": ")" + prefix + R"(",
      "http": { "listen": ")" + listen + R"(" },
      "transports": { "memory": { "max_len": )" + std::to_string(max_len) + R"( } },
      "reload": { "debounce_ms": )" + std::to_string(debounce_ms) + R"( },
      "topics": { "alpha": {}, "beta": {} },
      "producer_config": {)" + routes + R"( },
      "consumers": [)" + consumers + R"( ] })";
  }
};

settings parse(const file& f) {
  auto r = parse_settings(f.text());
  std::string listing;
  for (const auto& p : r.problems)
    listing += "  " + to_string(p) + "\n";
  EXPECT_TRUE(r.problems.empty()) << "the test's file is invalid:\n" << listing << f.text();
  if (!r.value) {
    ADD_FAILURE() << "no settings returned";
    return settings{};
  }
  return *r.value;
}

// --- diff_routes ----------------------------------------------------------------------------

TEST(settings_diff, the_same_file_twice_makes_an_empty_diff) {
  auto before = parse(file{});
  auto after = parse(file{});
  auto d = diff_routes(before, after);
  EXPECT_THAT(d.added, IsEmpty());
  EXPECT_THAT(d.removed, IsEmpty());
  EXPECT_THAT(d.changed, IsEmpty());
}

TEST(settings_diff, a_new_route_is_added_and_named_by_event_type_and_full_topic) {
  file f;
  f.routes += R"(, "org.example.three.v1": { "alpha": { "event_key_field": "three.id" } })";
  auto d = diff_routes(parse(file{}), parse(f));
  EXPECT_THAT(d.added, ElementsAre("org.example.three.v1 -> dev-alpha"));
  EXPECT_THAT(d.removed, IsEmpty());
  EXPECT_THAT(d.changed, IsEmpty());
}

TEST(settings_diff, a_second_topic_for_an_existing_event_type_is_an_added_route) {
  file f;
  f.routes = R"(
    "org.example.one.v1": { "alpha": { "event_key_field": "one.id" },
                            "beta": { "event_key_field": "one.id" } },
    "org.example.two.v1": { "beta": { "event_key_field": "two.id", "enabled": true } })";
  auto d = diff_routes(parse(file{}), parse(f));
  EXPECT_THAT(d.added, ElementsAre("org.example.one.v1 -> dev-beta"));
  EXPECT_THAT(d.removed, IsEmpty());
  EXPECT_THAT(d.changed, IsEmpty());
}

TEST(settings_diff, a_route_no_longer_in_the_file_is_removed) {
  file f;
  f.routes = R"(
    "org.example.one.v1": { "alpha": { "event_key_field": "one.id" } })";
  auto d = diff_routes(parse(file{}), parse(f));
  EXPECT_THAT(d.added, IsEmpty());
  EXPECT_THAT(d.removed, ElementsAre("org.example.two.v1 -> dev-beta"));
  EXPECT_THAT(d.changed, IsEmpty());
}

TEST(settings_diff, a_new_key_field_changes_the_route) {
  file f;
  f.routes = R"(
    "org.example.one.v1": { "alpha": { "event_key_field": "one.other_id" } },
    "org.example.two.v1": { "beta": { "event_key_field": "two.id", "enabled": true } })";
  auto d = diff_routes(parse(file{}), parse(f));
  EXPECT_THAT(d.added, IsEmpty());
  EXPECT_THAT(d.removed, IsEmpty());
  EXPECT_THAT(d.changed, ElementsAre("org.example.one.v1 -> dev-alpha"));
}

TEST(settings_diff, disabling_a_route_changes_it) {
  file f;
  f.routes = R"(
    "org.example.one.v1": { "alpha": { "event_key_field": "one.id" } },
    "org.example.two.v1": { "beta": { "event_key_field": "two.id", "enabled": false } })";
  auto d = diff_routes(parse(file{}), parse(f));
  EXPECT_THAT(d.added, IsEmpty());
  EXPECT_THAT(d.removed, IsEmpty());
  EXPECT_THAT(d.changed, ElementsAre("org.example.two.v1 -> dev-beta"));
}

TEST(settings_diff, enabling_a_disabled_route_changes_it) {
  file disabled;
  disabled.routes = R"(
    "org.example.one.v1": { "alpha": { "event_key_field": "one.id", "enabled": false } },
    "org.example.two.v1": { "beta": { "event_key_field": "two.id", "enabled": true } })";
  auto d = diff_routes(parse(disabled), parse(file{}));
  EXPECT_THAT(d.added, IsEmpty());
  EXPECT_THAT(d.removed, IsEmpty());
  EXPECT_THAT(d.changed, ElementsAre("org.example.one.v1 -> dev-alpha"));
}

TEST(settings_diff, a_route_moved_to_another_topic_is_removed_from_one_and_added_to_the_other) {
  file f;
  f.routes = R"(
    "org.example.one.v1": { "beta": { "event_key_field": "one.id" } },
    "org.example.two.v1": { "beta": { "event_key_field": "two.id", "enabled": true } })";
  auto d = diff_routes(parse(file{}), parse(f));
  EXPECT_THAT(d.added, ElementsAre("org.example.one.v1 -> dev-beta"));
  EXPECT_THAT(d.removed, ElementsAre("org.example.one.v1 -> dev-alpha"));
  EXPECT_THAT(d.changed, IsEmpty());
}

TEST(settings_diff, a_new_topic_prefix_renames_every_route) {
  file f;
  f.prefix = "prod";
  auto d = diff_routes(parse(file{}), parse(f));
  EXPECT_THAT(d.added, UnorderedElementsAre("org.example.one.v1 -> prod-alpha", "org.example.two.v1 -> prod-beta"));
  EXPECT_THAT(d.removed, UnorderedElementsAre("org.example.one.v1 -> dev-alpha", "org.example.two.v1 -> dev-beta"));
  EXPECT_THAT(d.changed, IsEmpty());
}

TEST(settings_diff, added_removed_and_changed_routes_in_one_reload) {
  file f;
  f.routes = R"(
    "org.example.one.v1": { "alpha": { "event_key_field": "one.new_id" } },
    "org.example.three.v1": { "beta": { "event_key_field": "three.id" } })";
  auto d = diff_routes(parse(file{}), parse(f));
  EXPECT_THAT(d.added, ElementsAre("org.example.three.v1 -> dev-beta"));
  EXPECT_THAT(d.removed, ElementsAre("org.example.two.v1 -> dev-beta"));
  EXPECT_THAT(d.changed, ElementsAre("org.example.one.v1 -> dev-alpha"));
}

// --- restart_only_changes -------------------------------------------------------------------

TEST(settings_diff, the_same_file_twice_needs_no_restart) {
  EXPECT_THAT(restart_only_changes(parse(file{}), parse(file{})), IsEmpty());
}

TEST(settings_diff, a_new_http_listen_address_needs_a_restart) {
  file f;
  f.listen = "127.0.0.1:9090";
  EXPECT_THAT(restart_only_changes(parse(file{}), parse(f)), ElementsAre("$.http"));
}

TEST(settings_diff, each_limit_of_the_http_server_needs_a_restart) {
  const settings before;
  auto changed = [&](auto change) {
    auto after = before;
    change(after.http);
    return restart_only_changes(before, after);
  };
  EXPECT_THAT(changed([](http_settings& h) { h.max_header_bytes = 4096; }), ElementsAre("$.http"));
  EXPECT_THAT(changed([](http_settings& h) { h.request_timeout = std::chrono::milliseconds(500); }), ElementsAre("$.http"));
  EXPECT_THAT(changed([](http_settings& h) { h.idle_timeout = std::chrono::milliseconds(500); }), ElementsAre("$.http"));
  EXPECT_THAT(changed([](http_settings& h) { h.max_connections = 8; }), ElementsAre("$.http"));
}

TEST(settings_diff, a_new_memory_max_len_needs_a_restart) {
  file f;
  f.max_len = 2000;
  EXPECT_THAT(restart_only_changes(parse(file{}), parse(f)), ElementsAre("$.transports.memory"));
}

TEST(settings_diff, a_new_reload_debounce_needs_a_restart) {
  file f;
  f.debounce_ms = 250;
  EXPECT_THAT(restart_only_changes(parse(file{}), parse(f)), ElementsAre("$.reload"));
}

TEST(settings_diff, every_restart_only_change_is_listed_at_once) {
  file f;
  f.listen = "0.0.0.0:8080";
  f.max_len = 5;
  f.debounce_ms = 0;
  EXPECT_THAT(restart_only_changes(parse(file{}), parse(f)),
              UnorderedElementsAre("$.http", "$.transports.memory", "$.reload"));
}

TEST(settings_diff, routes_and_consumers_apply_without_a_restart) {
  file f;
  f.routes = R"(
    "org.example.one.v1": { "beta": { "event_key_field": "one.other_id", "enabled": false } },
    "org.example.three.v1": { "alpha": { "event_key_field": "three.id" } })";
  f.consumers = R"(
    { "name": "alpha-log", "topic": "alpha", "group_id": "log", "sink": { "type": "log" }, "batch_size": 7 },
    { "name": "beta-log", "topic": "beta", "group_id": "log", "sink": { "type": "log" } })";
  auto before = parse(file{});
  auto after = parse(f);
  ASSERT_FALSE(before == after) << "the two files must differ for this test to mean anything";
  EXPECT_THAT(restart_only_changes(before, after), IsEmpty());
}

}  // namespace
}  // namespace eventrouter::config
