// The router actor against stand-in topics: a batch is answered once every topic it goes to
// confirmed; a topic that stays silent past the publish timeout is named in an "unavailable"
// answer, and what it says later changes nothing.

#include "actors/router.hpp"
#include "config/loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <future>
#include <memory>

namespace eventrouter {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr auto published = "org.openedx.content_authoring.xblock.published.v1";

// One event type to two memory topics, "prod-confirming" and "prod-silent".
constexpr auto config_text = R"({
  "topic_prefix": "prod",
  "producer_config": {
    "org.openedx.content_authoring.xblock.published.v1": {
      "confirming": { "event_key_field": "xblock_info.usage_key" },
      "silent": { "event_key_field": "xblock_info.usage_key" } } }
})";

// A topic that confirms every publish at once, as written at `position`. (Function-based
// actors take an argument: with none, CAF 0.17 dereferences a null argument tuple.)
topic_actor::behavior_type confirming_topic(topic_actor::pointer, std::string position) {
  return {
    [=](publish_atom, const topic_batch& batch) { return publish_receipt{batch->size(), position}; },
    [=](stop_atom) {},
  };
}

// A topic that holds every publish until it receives ack_atom, then confirms them all as
// written at `position`.
struct held_publishes {
  std::vector<caf::typed_response_promise<publish_receipt>> pending;
};

// A topic, and releasing what it holds.
using silent_topic_actor = topic_actor::extend<caf::replies_to<ack_atom>::with<std::size_t>>;

silent_topic_actor::behavior_type silent_topic(silent_topic_actor::stateful_pointer<held_publishes> self,
                                               std::string position) {
  return {
    [=](publish_atom, const topic_batch&) -> caf::result<publish_receipt> {
      auto promise = self->make_response_promise<publish_receipt>();
      self->state.pending.push_back(promise);
      return promise;
    },
    [=](ack_atom) {
      for (auto& p : self->state.pending)
        p.deliver(publish_receipt{1, position});
      auto released = self->state.pending.size();
      self->state.pending.clear();
      return released;
    },
    [=](stop_atom) {},
  };
}

event_batch one_event() {
  auto ev = std::make_shared<event>();
  ev->id = "e0";
  ev->type = published;
  ev->source = "openedx/cms/web";
  ev->time = "2023-06-09T14:12:45Z";
  ev->data = boost::json::parse(R"({"xblock_info": {"usage_key": "k0"}})");
  return std::make_shared<std::vector<event_ptr>>(std::vector<event_ptr>{ev});
}

class router_actor : public ::testing::Test {
 protected:
  metrics::registry metrics;  // outlives the actor system, whose actors count into it
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  topic_actor confirming = sys.spawn(confirming_topic, std::string("offset 0"));
  silent_topic_actor silent = sys.spawn(silent_topic, std::string("offset 0"));

  ~router_actor() override {
    self->send_exit(confirming, caf::exit_reason::user_shutdown);
    self->send_exit(silent, caf::exit_reason::user_shutdown);
  }

  // A router to both topics whose publish timeout is `within`.
  caf::actor router(std::chrono::milliseconds within) {
    auto loaded = config::parse_settings(config_text);
    EXPECT_TRUE(loaded.value.has_value());
    auto table = std::make_shared<const routing_table>(*loaded.value);
    std::vector<topic_actor> topics;
    for (const auto& name : table->topics())
      topics.push_back(name == "prod-silent" ? topic_actor{silent} : confirming);
    return spawn_router(sys, std::make_shared<const routing>(routing{1, table, topics}), metrics, within);
  }

  // A batch routed by `r`, from a requester of its own (so it may wait on another thread).
  route_outcome route(const caf::actor& r) {
    caf::scoped_actor requester{sys};
    route_outcome out;
    requester->request(r, 10s, route_atom::value, one_event())
      .receive([&](const route_outcome& o) { out = o; }, [&](caf::error& e) { ADD_FAILURE() << to_string(e); });
    return out;
  }

  std::size_t release_silent() {
    std::size_t released = 0;
    self->request(silent, 5s, ack_atom::value).receive([&](std::size_t n) { released = n; }, [](caf::error&) {});
    return released;
  }
};

TEST_F(router_actor, a_batch_is_accepted_once_every_topic_confirmed) {
  auto r = router(10s);
  auto answer = std::async(std::launch::async, [&] { return route(r); });
  // The silent topic holds the batch: no answer yet.
  EXPECT_EQ(answer.wait_for(200ms), std::future_status::timeout);
  std::size_t released = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 5s; released == 0 && std::chrono::steady_clock::now() < deadline;)
    released = release_silent();  // once the router's publish reached it
  EXPECT_EQ(released, 1u);
  ASSERT_EQ(answer.wait_for(5s), std::future_status::ready);
  auto out = answer.get();
  EXPECT_EQ(out.result, route_outcome::status::accepted);
  EXPECT_EQ(out.deliveries, 2u);
  EXPECT_EQ(out.positions.size(), 2u);
  self->send_exit(r, caf::exit_reason::user_shutdown);
}

TEST_F(router_actor, a_topic_silent_past_the_timeout_is_named_and_what_it_says_later_changes_nothing) {
  auto r = router(300ms);
  auto started = std::chrono::steady_clock::now();
  auto out = route(r);
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(out.result, route_outcome::status::unavailable);
  EXPECT_THAT(out.errors, ElementsAre(HasSubstr("topic 'prod-silent' (timeout): no confirmation within 300 ms")));
  EXPECT_GE(waited, 300ms);
  EXPECT_LT(waited, 5s);
  // The late confirmation is dropped, and the router goes on routing.
  EXPECT_EQ(release_silent(), 1u);
  auto again = route(r);
  EXPECT_EQ(again.result, route_outcome::status::unavailable);
  self->send_exit(r, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace eventrouter
