// The producer actor against a stand-in router that answers only when told: the in-flight
// bound answers 503-style "overloaded" at once instead of queueing, completed batches free
// their room, and drain waits for what is in flight and then refuses new batches.

#include "actors/producer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace eventrouter {
namespace {

using namespace std::chrono_literals;

// A router that holds every batch until it receives ack_atom, then answers them all with
// `answer`.
struct held_routes {
  std::vector<caf::typed_response_promise<route_outcome>> pending;
};

caf::behavior holding_router(caf::stateful_actor<held_routes>* self, route_outcome answer) {
  return {
    [=](route_atom, const event_batch& batch) -> caf::result<route_outcome> {
      auto promise = self->make_response_promise<route_outcome>();
      self->state.pending.push_back(promise);
      (void)batch;
      return promise;
    },
    [=](status_atom) { return self->state.pending.size(); },
    [=](ack_atom) {
      auto released = self->state.pending.size();
      for (auto& p : self->state.pending)
        p.deliver(answer);
      self->state.pending.clear();
      return released;
    },
  };
}

// Replies as they arrive from the producer's thread, awaited with a deadline.
class reply_log {
 public:
  ingest_reply recorder() {
    return [this](const route_outcome& outcome) {
      std::lock_guard lock{mutex_};
      outcomes_.push_back(outcome);
      changed_.notify_all();
    };
  }

  std::optional<route_outcome> next(std::chrono::milliseconds within = 5s) {
    std::unique_lock lock{mutex_};
    if (!changed_.wait_for(lock, within, [&] { return !outcomes_.empty(); }))
      return std::nullopt;
    auto out = outcomes_.front();
    outcomes_.pop_front();
    return out;
  }

  std::size_t waiting() {
    std::lock_guard lock{mutex_};
    return outcomes_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<route_outcome> outcomes_;
};

event_batch events(std::size_t n) {
  auto batch = std::make_shared<std::vector<event_ptr>>();
  for (std::size_t i = 0; i < n; ++i)
    batch->push_back(std::make_shared<event>());
  return batch;
}

class producer_actor : public ::testing::Test {
 protected:
  metrics::registry metrics;  // outlives the actor system, whose actors count into it
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::actor router = sys.spawn(holding_router, route_outcome{route_outcome::status::accepted, 1, {}});
  caf::actor producer = spawn_producer(sys, "http", router, 10, metrics);
  caf::scoped_actor self{sys};
  reply_log replies;

  ~producer_actor() override {
    self->send_exit(producer, caf::exit_reason::user_shutdown);
    self->send_exit(router, caf::exit_reason::user_shutdown);
  }

  void ingest(std::size_t n) { self->send(producer, ingest_atom::value, events(n), replies.recorder()); }

  // Lets the router accept the next held batch, once the producer's request has reached it.
  void release_one() {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    std::size_t released = 0;
    while (released == 0 && std::chrono::steady_clock::now() < deadline)
      self->request(router, 5s, ack_atom::value).receive([&](std::size_t n) { released = n; }, [](caf::error&) {});
    ASSERT_EQ(released, 1u);
  }
};

TEST_F(producer_actor, past_the_in_flight_bound_a_batch_is_refused_at_once) {
  ingest(6);
  ingest(6);  // 12 > 10
  auto refused = replies.next();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->result, route_outcome::status::unavailable);
  ASSERT_EQ(refused->errors.size(), 1u);
  EXPECT_NE(refused->errors[0].find("overloaded: 6 events in flight, limit 10"), std::string::npos)
    << refused->errors[0];

  release_one();
  auto accepted = replies.next();
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->result, route_outcome::status::accepted);

  // The room is free again.
  ingest(10);
  release_one();
  auto again = replies.next();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->result, route_outcome::status::accepted);
  EXPECT_NE(metrics.serialize().find("eventrouter_ingest_rejected_total{reason=\"overloaded\"} 1"), std::string::npos);
}

TEST_F(producer_actor, drain_waits_for_batches_in_flight_then_refuses_new_ones) {
  ingest(3);
  // While the batch is in flight, drain does not answer.
  bool answered_early = false;
  self->request(producer, 200ms, drain_atom::value)
    .receive([&](bool) { answered_early = true; }, [&](caf::error&) {});
  EXPECT_FALSE(answered_early);

  release_one();
  bool drained = false;
  self->request(producer, 5s, drain_atom::value)
    .receive([&](bool ok) { drained = ok; }, [&](caf::error& e) { FAIL() << caf::to_string(e); });
  EXPECT_TRUE(drained);
  auto accepted = replies.next();
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->result, route_outcome::status::accepted);

  ingest(1);
  auto refused = replies.next();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->result, route_outcome::status::unavailable);
  EXPECT_NE(refused->errors.at(0).find("shutting down"), std::string::npos);
}

TEST_F(producer_actor, batches_the_router_held_when_it_went_down_are_answered_and_free_their_room) {
  ingest(10);
  // Once the router holds the batch (it answers ack_atom with what it released: nothing yet
  // would mean the batch is still on its way), it goes down with the batch unanswered.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  bool held = false;
  while (!held && std::chrono::steady_clock::now() < deadline) {
    std::size_t pending = 0;
    self->request(router, 5s, status_atom::value).receive([&](std::size_t n) { pending = n; }, [](caf::error&) {});
    held = pending == 1;
  }
  ASSERT_TRUE(held);
  self->send_exit(router, caf::exit_reason::kill);
  auto answered = replies.next();
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->result, route_outcome::status::unavailable);
  EXPECT_THAT(answered->errors, testing::ElementsAre(testing::HasSubstr("the router stopped")));
  // Its room is free: the next batch is not refused as overloaded (its router is gone).
  ingest(10);
  auto next = replies.next();
  ASSERT_TRUE(next);
  EXPECT_THAT(next->errors, testing::ElementsAre(testing::Not(testing::HasSubstr("overloaded"))));
}

}  // namespace
}  // namespace eventrouter
