// The service on real actors, without HTTP: a reload that cannot be applied whole changes
// nothing; the death of a long-lived actor makes the service say it is broken and tell its
// owner; errors of the eventrouter category render with their kind.

#include "actors/failure.hpp"
#include "actors/service.hpp"
#include "config/loader.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <caf/all.hpp>

#include <chrono>
#include <future>

namespace eventrouter {
namespace {

using namespace std::chrono_literals;

// Memory topics, xblock.published routed to `route_topic`, and log consumers named `consumers`.
config::settings settings_with(const std::string& route_topic, const std::vector<std::string>& consumers) {
  std::string listed;
  for (const auto& name : consumers)
    listed += std::string(listed.empty() ? "" : ",") + R"({ "name": ")" + name +
              R"(", "topic": "lifecycle", "group_id": "g-)" + name + R"(", "sink": { "type": "log" } })";
  auto loaded = config::parse_settings(R"({
    "topics": { "lifecycle": {}, "archive": {} },
    "producer_config": {
      "org.openedx.content_authoring.xblock.published.v1": {
        ")" + route_topic + R"(": { "event_key_field": "xblock_info.usage_key" }
      }
    },
    "consumers": [ )" + listed + R"( ]
  })");
  EXPECT_TRUE(loaded.problems.empty()) << (loaded.problems.empty() ? "" : config::to_string(loaded.problems[0]));
  return loaded.value.value_or(config::settings{});
}

class discarding_sink final : public immediate_sink {
 public:
  delivery_result deliver_now(const delivery&) override { return {}; }
};

// Refuses the sink of any consumer named "unbuildable", as an http sink refuses a URL.
caf::expected<std::shared_ptr<sink>> sinks(const config::consumer_settings& c) {
  if (c.name == "unbuildable")
    return failure(errc::not_built, "consumer 'unbuildable': its sink refuses its settings");
  return std::make_shared<discarding_sink>();
}

class service_test : public ::testing::Test {
 protected:
  service_test() { add_error_category(cfg); }

  metrics::registry metrics;  // outlives the actor system, whose actors count into it
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::promise<std::string> death;
  std::unique_ptr<service> svc = std::make_unique<service>(
    sys, settings_with("lifecycle", {"reader"}), metrics, sinks,
    [this](const std::string& why) { death.set_value(why); });

  ~service_test() override { svc.reset(); }

  // Where xblock.published goes now, as /v1/routes says it.
  std::string routed_to() const {
    auto routes = svc->routing_now()->table->to_json().at("routes").as_array();
    return std::string(routes.at(0).at("full_topic").as_string());
  }
};

TEST_F(service_test, a_reload_whose_new_consumer_cannot_be_built_changes_nothing) {
  auto applied = svc->apply(settings_with("archive", {"reader", "unbuildable"}));
  ASSERT_FALSE(applied);
  EXPECT_EQ(kind_of(applied.error()), errc::not_built);
  EXPECT_NE(describe(applied.error()).find("unbuildable"), std::string::npos) << describe(applied.error());
  EXPECT_EQ(svc->routing_now()->generation, 1u);
  EXPECT_EQ(routed_to(), "lifecycle");
  EXPECT_EQ(svc->settings_now()->consumers.size(), 1u);

  auto next = svc->apply(settings_with("archive", {"reader", "another"}));
  ASSERT_TRUE(next) << describe(next.error());
  EXPECT_EQ(next->generation, 2u);
  EXPECT_EQ(next->consumers.started, std::vector<std::string>{"another"});
  EXPECT_EQ(routed_to(), "archive");
  EXPECT_FALSE(svc->broken());
}

TEST_F(service_test, at_start_up_a_consumer_that_cannot_be_built_is_failed_and_the_others_run) {
  service started(sys, settings_with("lifecycle", {"unbuildable", "reader"}), metrics, sinks);
  caf::scoped_actor self{sys};
  consumer_statuses statuses;
  self->request(started.supervisor(), 5s, status_atom::value)
    .receive([&](consumer_statuses& s) { statuses = std::move(s); }, [](caf::error&) {});
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].state, "failed");
  EXPECT_EQ(statuses[0].last_error, "not_built: consumer 'unbuildable': its sink refuses its settings");
  EXPECT_EQ(statuses[1].state, "running");
}

TEST_F(service_test, when_the_consumer_supervisor_dies_the_service_is_broken_and_its_owner_told) {
  caf::anon_send_exit(svc->supervisor(), caf::exit_reason::kill);
  auto told = death.get_future();
  ASSERT_EQ(told.wait_for(5s), std::future_status::ready);
  auto why = told.get();
  EXPECT_NE(why.find("the consumer supervisor died"), std::string::npos) << why;
  EXPECT_EQ(svc->broken(), why);
}

TEST_F(service_test, when_the_router_dies_the_service_is_broken_and_its_owner_told) {
  caf::anon_send_exit(svc->router(), caf::exit_reason::kill);
  auto told = death.get_future();
  ASSERT_EQ(told.wait_for(5s), std::future_status::ready);
  EXPECT_NE(told.get().find("the router died"), std::string::npos);
}

// An actor whose handler throws, as a library call in it may.
caf::behavior throwing(caf::event_based_actor* self, std::string name) {
  exit_on_exception(self, std::move(name));
  return {[](int) { throw std::runtime_error("boom"); }};
}

TEST_F(service_test, a_watched_actor_that_throws_breaks_the_service_and_an_orderly_stop_does_not) {
  auto stops = sys.spawn(throwing, std::string("the stopping actor"));
  auto dies = sys.spawn(throwing, std::string("the config manager"));
  svc->watch(stops, "the stopping actor");
  svc->watch(dies, "the config manager");
  caf::anon_send_exit(stops, caf::exit_reason::user_shutdown);
  caf::anon_send(dies, 1);
  auto told = death.get_future();
  ASSERT_EQ(told.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(told.get(), "the config manager died: the config manager failed: boom");
}

TEST_F(service_test, an_error_of_ours_renders_with_its_kind) {
  EXPECT_EQ(sys.render(failure(errc::topic_full, "memory topic 't' is full")),
            "evrouter: topic_full: memory topic 't' is full");
  EXPECT_EQ(kind_of(caf::make_error(caf::sec::request_timeout)), errc::timeout);
  EXPECT_EQ(to_string(errc::broker_unreachable), "broker_unreachable");
}

}  // namespace
}  // namespace eventrouter
