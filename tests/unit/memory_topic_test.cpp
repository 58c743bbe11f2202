// The memory topic actor's parked polls: a poll with nothing to read waits for an append or its
// own timeout, whichever comes first, and polls with different timeouts end each at its own.

#include "actors/memory/memory_topic.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <chrono>
#include <future>
#include <memory>

namespace eventrouter {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

struct poll_result {
  std::size_t entries = 0;
  clock_type::duration waited{};
};

class memory_topic_actor : public ::testing::Test {
 protected:
  metrics::registry metrics;  // outlives the actor system, whose actors count into it
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  eventrouter::memory_topic_actor topic = spawn_memory_topic(sys, "prod-t", 1000, {"g"}, metrics);

  ~memory_topic_actor() override { caf::anon_send_exit(topic, caf::exit_reason::user_shutdown); }

  // A poll by `consumer` of group g, from a thread of its own; what it got and how long it waited.
  std::future<poll_result> poll(const std::string& consumer, std::uint32_t timeout_ms) {
    return std::async(std::launch::async, [this, consumer, timeout_ms] {
      caf::scoped_actor self{sys};
      poll_result out;
      auto started = clock_type::now();
      self->request(topic, 30s, poll_atom::value, std::string("g"), consumer, std::size_t{10}, timeout_ms)
        .receive([&](const log_entries& got) { out.entries = got.size(); },
                 [&](caf::error& e) { ADD_FAILURE() << to_string(e); });
      out.waited = clock_type::now() - started;
      return out;
    });
  }

  void publish_one() {
    auto ev = std::make_shared<event>();
    ev->id = "e0";
    auto batch = std::make_shared<std::vector<keyed_event>>(std::vector<keyed_event>{{ev, "k"}});
    caf::scoped_actor self{sys};
    self->request(topic, 5s, publish_atom::value, topic_batch{batch})
      .receive([](const publish_receipt&) {}, [&](caf::error& e) { ADD_FAILURE() << to_string(e); });
  }
};

TEST_F(memory_topic_actor, a_poll_with_nothing_to_read_is_answered_empty_at_its_timeout) {
  auto got = poll("c1", 300).get();
  EXPECT_EQ(got.entries, 0u);
  EXPECT_GE(got.waited, 300ms);
  EXPECT_LT(got.waited, 3s);
}

TEST_F(memory_topic_actor, a_waiting_poll_is_answered_by_the_next_append) {
  auto waiting = poll("c1", 20000);
  EXPECT_EQ(waiting.wait_for(200ms), std::future_status::timeout);
  publish_one();
  ASSERT_EQ(waiting.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(waiting.get().entries, 1u);
}

TEST_F(memory_topic_actor, polls_with_different_timeouts_end_each_at_its_own) {
  auto long_poll = poll("c1", 20000);
  EXPECT_EQ(long_poll.wait_for(100ms), std::future_status::timeout);  // parked first
  auto short_poll = poll("c2", 300).get();
  EXPECT_EQ(short_poll.entries, 0u);
  EXPECT_LT(short_poll.waited, 3s);  // not held until the long poll's timeout
  EXPECT_EQ(long_poll.wait_for(0s), std::future_status::timeout);
  publish_one();
  ASSERT_EQ(long_poll.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(long_poll.get().entries, 1u);
}

}  // namespace
}  // namespace eventrouter
