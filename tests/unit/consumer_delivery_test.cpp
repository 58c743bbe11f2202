// The consumer's delivery on real actors (a memory topic, the supervisor) with a sink that
// answers from another thread after a while: at most sink.concurrency events at once, events
// of one key one after the other, polling ahead across polls, acknowledgements in read order,
// and retries that end in the dead-letter topic.

#include "actors/consumer_supervisor.hpp"
#include "actors/memory/memory_topic.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

namespace eventrouter {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// Answers each event from a thread of its own after `delay` (or the delay given for its id);
// records when each started and ended, and the most events it held at once.
class slow_sink final : public sink {
 public:
  explicit slow_sink(std::chrono::milliseconds delay, int fail_first_tries = 0,
                     std::map<std::string, std::chrono::milliseconds> delay_of = {})
      : delay_(delay), fail_left_(fail_first_tries), delay_of_(std::move(delay_of)) {}
  ~slow_sink() override {
    for (auto& t : threads_)
      t.join();
  }

  void deliver(caf::event_based_actor*, const delivery& d, delivery_done done) override {
    std::lock_guard lock{mutex_};
    auto id = d.item.ev->id;
    starts_[id] = clock_type::now();
    max_at_once_ = std::max(max_at_once_, ++at_once_);
    bool fail = fail_left_ > 0 && fail_left_-- > 0;
    auto delay = delay_of_.count(id) != 0 ? delay_of_.at(id) : delay_;
    threads_.emplace_back([this, id, fail, delay, done = std::move(done)] {
      std::this_thread::sleep_for(delay);  // the slow webhook this sink stands for
      {
        std::lock_guard lock{mutex_};
        --at_once_;
        ends_[id] = clock_type::now();
      }
      done(fail ? delivery_result{failure(errc::sink_failed, "scripted failure")} : delivery_result{});
    });
  }

  int max_at_once() const {
    std::lock_guard lock{mutex_};
    return max_at_once_;
  }
  std::map<std::string, clock_type::time_point> starts() const {
    std::lock_guard lock{mutex_};
    return starts_;
  }
  std::map<std::string, clock_type::time_point> ends() const {
    std::lock_guard lock{mutex_};
    return ends_;
  }

 private:
  std::chrono::milliseconds delay_;
  mutable std::mutex mutex_;
  int at_once_ = 0;
  int max_at_once_ = 0;
  int fail_left_;
  const std::map<std::string, std::chrono::milliseconds> delay_of_;
  std::map<std::string, clock_type::time_point> starts_, ends_;
  std::vector<std::thread> threads_;
};

class consumer_delivery : public ::testing::Test {
 protected:
  metrics::registry metrics;  // outlives the actor system, whose actors count into it
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  memory_topic_actor topic = spawn_memory_topic(sys, "t", 1000, {"g"}, metrics);
  memory_topic_actor dead_letters = spawn_memory_topic(sys, "t-dlq", 1000, {"dlq"}, metrics);
  caf::scoped_actor self{sys};
  caf::actor supervisor;

  ~consumer_delivery() override {
    self->send_exit(supervisor, caf::exit_reason::user_shutdown);
    self->send_exit(topic, caf::exit_reason::user_shutdown);
    self->send_exit(dead_letters, caf::exit_reason::user_shutdown);
  }

  void supervise(config::consumer_settings c, std::shared_ptr<sink> out) {
    supervisor = spawn_consumer_supervisor(
      sys, {{c, "t", shared_source(topic), dead_letters, {topic}}},
      [out](const config::consumer_settings&) { return out; }, metrics);
  }

  // Publishes events "e<i>" with the given keys, each with `extensions`.
  void publish(const std::vector<std::string>& keys, const std::vector<std::pair<std::string, std::string>>& extensions = {}) {
    auto events = std::make_shared<std::vector<keyed_event>>();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto ev = std::make_shared<event>();
      ev->id = "e" + std::to_string(i);
      ev->extensions = extensions;
      events->push_back({ev, keys[i]});
    }
    self->request(topic, 5s, publish_atom::value, topic_batch{events})
      .receive([](const publish_receipt&) {}, [](caf::error&) {});
  }

  // What the dead-letter topic holds.
  log_entries dead_lettered() {
    log_entries letters;
    self->request(dead_letters, 5s, poll_atom::value, std::string("dlq"), std::string("reader"), std::size_t{10},
                  std::uint32_t{1000})
      .receive([&](const log_entries& e) { letters = e; }, [](caf::error&) {});
    return letters;
  }

  // Entries of group "g" not acknowledged.
  std::uint64_t lag() {
    std::uint64_t out = 0;
    self->request(topic, 5s, status_atom::value, std::string("g")).receive([&](std::uint64_t l) { out = l; },
                                                                            [](caf::error&) {});
    return out;
  }

  consumer_status status() {
    consumer_status out;
    self->request(supervisor, 5s, status_atom::value)
      .receive([&](const consumer_statuses& s) { out = s.at(0); }, [](caf::error&) {});
    return out;
  }

  bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
    auto deadline = clock_type::now() + timeout;
    while (!done()) {
      if (clock_type::now() > deadline)
        return false;
      std::this_thread::sleep_for(5ms);  // the polling interval
    }
    return true;
  }

  static config::consumer_settings settings(std::size_t concurrency, bool ordered) {
    config::consumer_settings c;
    c.name = "c";
    c.topic = "t";
    c.group_id = "g";
    c.poll_timeout = 50ms;
    c.sink.concurrency = concurrency;
    c.sink.ordered = ordered;
    c.retry.max_attempts = 2;
    c.retry.backoff_min = 10ms;
    c.retry.backoff_max = 20ms;
    return c;
  }
};

TEST_F(consumer_delivery, at_most_concurrency_events_are_under_way_and_one_key_waits_for_itself) {
  auto out = std::make_shared<slow_sink>(30ms);
  supervise(settings(3, true), out);
  publish({"a", "b", "a", "c", "d", "b", "e", "f"});
  ASSERT_TRUE(eventually([&] { return status().delivered == 8; })) << status().delivered;
  EXPECT_EQ(out->max_at_once(), 3);
  auto starts = out->starts();
  auto ends = out->ends();
  // e2 has e0's key, e5 has e1's: each started only after the earlier one ended.
  EXPECT_GE(starts["e2"], ends["e0"]);
  EXPECT_GE(starts["e5"], ends["e1"]);
}

TEST_F(consumer_delivery, it_polls_ahead_so_events_of_later_polls_are_under_way_with_earlier_ones) {
  auto out = std::make_shared<slow_sink>(100ms);
  auto c = settings(8, true);
  c.batch_size = 2;
  c.window = 8;
  supervise(c, out);
  publish({"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"});
  ASSERT_TRUE(eventually([&] { return status().delivered == 10; })) << status().delivered;
  EXPECT_EQ(out->max_at_once(), 8);  // the window, across four polls of two
}

TEST_F(consumer_delivery, one_key_keeps_its_order_across_polls) {
  auto out = std::make_shared<slow_sink>(20ms);
  auto c = settings(8, true);
  c.batch_size = 1;
  supervise(c, out);
  publish({"a", "b", "a", "a", "b"});
  ASSERT_TRUE(eventually([&] { return status().delivered == 5; })) << status().delivered;
  auto starts = out->starts();
  auto ends = out->ends();
  EXPECT_GE(starts["e2"], ends["e0"]);
  EXPECT_GE(starts["e3"], ends["e2"]);
  EXPECT_GE(starts["e4"], ends["e1"]);
  EXPECT_LT(starts["e1"], ends["e0"]);  // another key did not wait
}

TEST_F(consumer_delivery, nothing_is_acknowledged_past_an_event_still_under_way) {
  auto out = std::make_shared<slow_sink>(1ms, 0, std::map<std::string, std::chrono::milliseconds>{{"e0", 400ms}});
  supervise(settings(8, true), out);
  publish({"a", "b", "c", "d", "e"});
  ASSERT_TRUE(eventually([&] { return status().delivered == 4; })) << status().delivered;
  EXPECT_EQ(lag(), 5u);  // e1..e4 are delivered, but e0 is not: a commit must not pass it
  ASSERT_TRUE(eventually([&] { return lag() == 0; })) << lag();
  EXPECT_EQ(status().delivered, 5u);
}

TEST_F(consumer_delivery, unordered_events_of_one_key_may_overlap) {
  auto out = std::make_shared<slow_sink>(50ms);
  supervise(settings(4, false), out);
  publish({"k", "k", "k", "k"});
  ASSERT_TRUE(eventually([&] { return status().delivered == 4; }));
  EXPECT_EQ(out->max_at_once(), 4);
}

TEST_F(consumer_delivery, a_failure_retried_to_the_limit_goes_to_the_dead_letter_topic_with_why) {
  auto out = std::make_shared<slow_sink>(1ms, 2);  // the first two tries fail: e0's two tries
  supervise(settings(1, true), out);
  publish({"a", "b"});
  ASSERT_TRUE(eventually([&] { return status().delivered == 1; }));
  auto letters = dead_lettered();
  ASSERT_EQ(letters.size(), 1u);
  const auto& letter = *letters[0].item.ev;
  EXPECT_EQ(letter.id, "e0");
  std::map<std::string, std::string> ext(letter.extensions.begin(), letter.extensions.end());
  EXPECT_EQ(ext["dlq_reason"], "scripted failure");
  EXPECT_EQ(ext["dlq_attempts"], "2");
  EXPECT_EQ(ext["dlq_source_topic"], "t");
  EXPECT_EQ(ext["dlq_consumer"], "c");
  EXPECT_FALSE(ext["dlq_first_failure_time"].empty());
  EXPECT_NE(metrics.serialize().find(R"(eventrouter_consumer_messages_total{consumer="c",outcome="dead_lettered"} 1)"),
            std::string::npos);
}

TEST_F(consumer_delivery, an_event_dead_lettered_again_carries_each_dlq_attribute_once_with_the_new_values) {
  auto out = std::make_shared<slow_sink>(1ms, 2);
  supervise(settings(1, true), out);
  publish({"a"}, {{"dlq_reason", "an older failure"}, {"dlq_attempts", "9"}, {"trace", "t-1"}});
  ASSERT_TRUE(eventually([&] {
    return metrics.serialize().find(R"(outcome="dead_lettered"} 1)") != std::string::npos;
  }));
  auto letters = dead_lettered();
  ASSERT_EQ(letters.size(), 1u);
  std::multimap<std::string, std::string> ext(letters[0].item.ev->extensions.begin(),
                                              letters[0].item.ev->extensions.end());
  EXPECT_EQ(ext.count("dlq_reason"), 1u);
  EXPECT_EQ(ext.find("dlq_reason")->second, "scripted failure");
  EXPECT_EQ(ext.count("dlq_attempts"), 1u);
  EXPECT_EQ(ext.find("dlq_attempts")->second, "2");
  EXPECT_EQ(ext.find("trace")->second, "t-1");
}

// A source that answers joins with `joined` and holds every poll unanswered, counting them.
// (Function-based actors take an argument: with none, CAF 0.17 dereferences a null argument
// tuple.)
struct held_polls {
  std::vector<caf::typed_response_promise<log_entries>> pending;
};

// A source, and how many polls it holds.
using silent_source_actor = source_actor::extend<caf::replies_to<status_atom>::with<std::size_t>>;

silent_source_actor::behavior_type silent_source(silent_source_actor::stateful_pointer<held_polls> self, bool joined) {
  return {
    [=](join_atom, const std::string&, const std::string&) { return joined; },
    [=](poll_atom, const std::string&, const std::string&, std::size_t, std::uint32_t) -> caf::result<log_entries> {
      auto promise = self->make_response_promise<log_entries>();
      self->state.pending.push_back(promise);
      return promise;
    },
    [=](ack_atom, const std::string&, const std::vector<std::uint64_t>&) {},
    [=](nack_atom, const std::string&, const std::vector<std::uint64_t>&) {},
    [=](status_atom) { return self->state.pending.size(); },
  };
}

TEST_F(consumer_delivery, a_poll_its_source_never_answers_fails_as_a_timeout_and_the_consumer_polls_again) {
  auto source = sys.spawn(silent_source, true);
  auto c = settings(1, true);
  c.restart_backoff_min = 10ms;
  supervisor = spawn_consumer_supervisor(
    sys, {{c, "t", shared_source(source), dead_letters, {topic}}},
    [](const config::consumer_settings&) { return std::make_shared<slow_sink>(0ms); }, metrics);
  auto polls = [&] {
    std::size_t n = 0;
    self->request(source, 5s, status_atom::value).receive([&](std::size_t held) { n = held; }, [](caf::error&) {});
    return n;
  };
  // The poll timeout (50 ms) and the grace after it (5 s) pass: the poll is given up, counted,
  // and another one sent.
  ASSERT_TRUE(eventually([&] { return polls() >= 2; }, 15s)) << polls();
  EXPECT_NE(metrics.serialize().find(R"(eventrouter_consumer_failures_total{consumer="c",kind="timeout"} 1)"),
            std::string::npos)
    << metrics.serialize();
  self->send_exit(source, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace eventrouter
