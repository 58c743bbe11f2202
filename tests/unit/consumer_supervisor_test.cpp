// The consumer group and supervision behaviour on real actors: a memory topic, the consumer
// supervisor, and sinks scripted to fail.

#include "actors/consumer_supervisor.hpp"
#include "actors/failure.hpp"
#include "actors/memory/memory_topic.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

namespace eventrouter {
namespace {

using namespace std::chrono_literals;

// Records what it delivered; fails while `fail_next` is positive.
class scripted_sink final : public immediate_sink {
 public:
  explicit scripted_sink(int fail_first = 0) : fail_next_(fail_first) {}

  delivery_result deliver_now(const delivery& d) override {
    std::lock_guard lock{mutex_};
    if (fail_next_ > 0) {
      --fail_next_;
      return failure(errc::sink_failed, "scripted failure");
    }
    delivered_.push_back(std::string(d.consumer) + ":" + d.item.ev->id);
    return {};
  }

  std::vector<std::string> delivered() const {
    std::lock_guard lock{mutex_};
    return delivered_;
  }

 private:
  mutable std::mutex mutex_;
  int fail_next_;
  std::vector<std::string> delivered_;
};

config::consumer_settings consumer_named(std::string name, std::string group, unsigned limit = 3) {
  config::consumer_settings c;
  c.name = std::move(name);
  c.topic = "t";
  c.group_id = std::move(group);
  c.consecutive_errors_limit = limit;
  c.poll_timeout = 50ms;
  c.restart_backoff_min = 10ms;
  c.restart_backoff_max = 40ms;
  c.retry.max_attempts = 1;  // each failure counts at once; retries have tests of their own
  return c;
}

class supervision : public ::testing::Test {
 protected:
  metrics::registry metrics;  // outlives the actor system, whose actors count into it
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  memory_topic_actor topic = spawn_memory_topic(sys, "t", 1000, {"g", "group-a", "group-b"}, metrics);
  caf::scoped_actor self{sys};
  std::shared_ptr<scripted_sink> sink_ = std::make_shared<scripted_sink>();
  caf::actor supervisor;
  topic_actor dead_letter;  // set by a test before supervise() to give consumers a dead-letter topic

  ~supervision() override {
    self->send_exit(supervisor, caf::exit_reason::user_shutdown);
    self->send_exit(topic, caf::exit_reason::user_shutdown);
  }

  void supervise(std::vector<config::consumer_settings> consumers,
                 sink_factory make = {}) {
    std::vector<supervised_consumer> specs;
    for (auto& c : consumers)
      specs.push_back({c, "t", shared_source(topic), dead_letter, {topic}});
    if (!make)
      make = [this](const config::consumer_settings&) { return sink_; };
    supervisor = spawn_consumer_supervisor(sys, specs, make, metrics);
  }

  void publish(std::size_t n, const std::string& prefix = "e") {
    auto events = std::make_shared<std::vector<keyed_event>>();
    for (std::size_t i = 0; i < n; ++i) {
      auto ev = std::make_shared<event>();
      ev->id = prefix + std::to_string(i);
      events->push_back({ev, ""});
    }
    bool ok = false;
    self->request(topic, 5s, publish_atom::value, topic_batch{events})
      .receive([&](const publish_receipt&) { ok = true; }, [&](caf::error&) {});
    ASSERT_TRUE(ok);
  }

  consumer_statuses status() {
    consumer_statuses out;
    self->request(supervisor, 5s, status_atom::value)
      .receive([&](const consumer_statuses& s) { out = s; }, [&](caf::error&) {});
    return out;
  }

  // Polls the supervisor until `done` holds, for at most five seconds.
  bool eventually(const std::function<bool(const consumer_statuses&)>& done) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done(status()))
        return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }
};

TEST_F(supervision, a_consumer_failing_up_to_its_limit_is_restarted_and_then_delivers) {
  sink_ = std::make_shared<scripted_sink>(3);
  supervise({consumer_named("c", "g", 3)});
  publish(2);
  ASSERT_TRUE(eventually([](const consumer_statuses& s) { return s[0].delivered == 2; }));
  auto s = status()[0];
  EXPECT_EQ(s.restarts, 1u);
  EXPECT_EQ(s.failed, 3u);
  EXPECT_EQ(s.consecutive_errors, 0u);
  EXPECT_EQ(s.state, "running");
  EXPECT_NE(s.last_error.find("3 consecutive failures"), std::string::npos) << s.last_error;
  EXPECT_EQ(sink_->delivered(), (std::vector<std::string>{"c:e0", "c:e1"}));
  EXPECT_NE(metrics.serialize().find("eventrouter_consumer_restarts_total{consumer=\"c\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.serialize().find("eventrouter_consumer_failures_total{consumer=\"c\",kind=\"sink_failed\"} 3"),
            std::string::npos);
}

TEST_F(supervision, a_sink_that_recovers_below_the_limit_resets_the_count_without_restart) {
  sink_ = std::make_shared<scripted_sink>(2);
  supervise({consumer_named("c", "g", 3)});
  publish(1);
  ASSERT_TRUE(eventually([](const consumer_statuses& s) { return s[0].delivered == 1; }));
  auto s = status()[0];
  EXPECT_EQ(s.restarts, 0u);
  EXPECT_EQ(s.failed, 2u);
  EXPECT_EQ(s.consecutive_errors, 0u);
}

TEST_F(supervision, a_sink_that_keeps_failing_is_restarted_again_and_again) {
  sink_ = std::make_shared<scripted_sink>(1000000);
  supervise({consumer_named("c", "g", 2)});
  publish(1);
  ASSERT_TRUE(eventually([](const consumer_statuses& s) { return s[0].restarts >= 3; }));
  EXPECT_TRUE(sink_->delivered().empty());
}

TEST_F(supervision, two_groups_each_receive_every_event) {
  supervise({consumer_named("a", "group-a"), consumer_named("b", "group-b")});
  publish(3);
  ASSERT_TRUE(eventually([](const consumer_statuses& s) {
    return s[0].delivered == 3 && s[1].delivered == 3;
  }));
  std::multiset<std::string> got;
  for (auto& d : sink_->delivered())
    got.insert(d);
  EXPECT_EQ(got, (std::multiset<std::string>{"a:e0", "a:e1", "a:e2", "b:e0", "b:e1", "b:e2"}));
}

TEST_F(supervision, consumers_of_one_group_share_events_and_each_is_delivered_once) {
  supervise({consumer_named("c1", "g"), consumer_named("c2", "g")});
  publish(200);
  ASSERT_TRUE(eventually([](const consumer_statuses& s) {
    return s[0].delivered + s[1].delivered == 200;
  }));
  std::set<std::string> ids;
  for (auto& d : sink_->delivered())
    ids.insert(d.substr(d.find(':') + 1));
  EXPECT_EQ(ids.size(), 200u);
  EXPECT_EQ(sink_->delivered().size(), 200u);
}

TEST_F(supervision, drain_delivers_everything_published_then_stops_every_consumer) {
  supervise({consumer_named("c", "g")});
  publish(50);
  bool drained = false;
  self->request(supervisor, 5s, drain_atom::value).receive([&](bool) { drained = true; },
                                                           [&](caf::error&) {});
  ASSERT_TRUE(drained);
  EXPECT_EQ(sink_->delivered().size(), 50u);
  EXPECT_EQ(status()[0].state, "stopped");
}

// A sink factory that refuses one consumer's settings, as an http sink refuses a URL it cannot use.
sink_factory refusing(const std::string& refused, std::shared_ptr<sink> others) {
  return [=](const config::consumer_settings& c) -> caf::expected<std::shared_ptr<sink>> {
    if (c.name == refused)
      return failure(errc::not_built, "consumer '" + c.name + "': its sink refuses its settings: no such URL");
    return others;
  };
}

TEST_F(supervision, a_consumer_that_cannot_be_built_is_failed_with_its_reason_and_the_others_deliver) {
  supervise({consumer_named("bad", "group-a"), consumer_named("good", "group-b")}, refusing("bad", sink_));
  publish(3);
  ASSERT_TRUE(eventually([](const consumer_statuses& s) { return s[1].delivered == 3; }));
  ASSERT_TRUE(eventually([](const consumer_statuses& s) { return s[0].state == "failed"; }));
  auto bad = status()[0];
  EXPECT_EQ(bad.delivered, 0u);
  EXPECT_NE(bad.last_error.find("not_built"), std::string::npos) << bad.last_error;
  EXPECT_NE(bad.last_error.find("no such URL"), std::string::npos) << bad.last_error;
  EXPECT_EQ(status()[1].state, "running");
}

TEST_F(supervision, a_reload_after_a_consumer_that_cannot_be_built_is_applied_and_can_mend_it) {
  supervise({consumer_named("bad", "group-a")}, refusing("bad", sink_));
  ASSERT_TRUE(eventually([](const consumer_statuses& s) { return s[0].state == "failed"; }));
  // The next configuration's consumer comes with a sink its reload built.
  auto next = std::make_shared<consumer_set>();
  auto mended = consumer_named("bad", "group-a", 4);
  next->consumers.push_back({mended, "t", shared_source(topic), {}, {topic}, sink_});
  next->make_sink = refusing("bad", sink_);
  std::optional<consumer_changes> changes;
  self->request(supervisor, 5s, reload_atom::value, consumer_set_ptr{next})
    .receive([&](consumer_changes& c) { changes = std::move(c); }, [&](caf::error&) {});
  ASSERT_TRUE(changes);
  EXPECT_EQ(changes->restarted, std::vector<std::string>{"bad"});
  publish(2);
  ASSERT_TRUE(eventually([](const consumer_statuses& s) { return s[0].delivered == 2; }));
  EXPECT_EQ(status()[0].state, "running");
}

}  // namespace
}  // namespace eventrouter
