// Faults on the Pulsar path, with the real binary and a real Apache Pulsar broker (standalone,
// WebSocket API): eventrouter killed mid-load, the broker killed and started again mid-load,
// eventrouter killed while its sink holds events it has not acknowledged. Every event that got
// 202 reaches the webhook; the topic holds every one of them (read by the native client) and the
// subscription has nothing left unacknowledged.
//
// The file starts one broker of its own for all its cases (a start is 13-26 s), since one case
// kills and restarts it; each case has its own topic and subscription. The consumer's sink is
// ordered (the default), so its subscription is Key_Shared. The broker's journal is not synced
// (tests/pulsar/standalone.conf): a kill -9 of the JVM keeps what it acknowledged in the page
// cache, which is what these cases need, not a power cut.

#include "eventually.hpp"
#include "fault_service.hpp"
#include "fault_tally.hpp"
#include "pulsar_broker.hpp"
#include "pulsar_oracle.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <set>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
using clock = load_producer::clock;
namespace json = boost::json;

// A restarted consumer joins its subscription at once; the broker hands it what the dead one
// held when it sees that connection closed. Room for a broker start on top in the restart case.
constexpr auto delivery_timeout = 45s;

// The event ids of the sink's calls that got `status` (0: held, no answer), one per call.
std::multiset<std::string> answered(const webhook_server& sink, unsigned status) {
  std::multiset<std::string> ids;
  for (const auto& call : sink.history())
    if (call.answer == status)
      ids.insert(std::string(call.request.header("ce-id").value_or("")));
  return ids;
}

class pulsar_faults : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    try {
      broker_ = std::make_unique<pulsar_broker>();
    } catch (const std::exception& e) {
      failure_ = e.what();
    }
  }
  static void TearDownTestSuite() { broker_.reset(); }
  void SetUp() override { ASSERT_TRUE(broker_) << "no Pulsar broker: " << failure_; }

  static pulsar_broker& broker() { return *broker_; }

  // Short timeouts so that a broker gone shows within the case; reconnect quickly after.
  static fault_service_config pulsar_service(const std::string& prefix) {
    return {.prefix = prefix,
            .transport = "pulsar",
            .transport_settings = R"("pulsar": { "service_url": ")" + broker().web_url() +
                                  R"(", "send_timeout_ms": 5000,
                                        "reconnect_backoff_ms": [50, 500] })"};
  }

  // An admin answer as JSON (an empty object when it is not 200, with the failure reported).
  static json::object admin_json(const std::string& topic, const std::string& what) {
    auto reply = broker().admin("GET", "/admin/v2/persistent/public/default/" + topic + "/" + what);
    EXPECT_EQ(reply.status, 200u) << what << ": " << reply.body;
    boost::system::error_code ec;
    auto parsed = json::parse(reply.body, ec);
    return reply.status == 200 && !ec && parsed.is_object() ? parsed.as_object() : json::object{};
  }

  // What the broker holds afterwards: every accepted event on the topic, and nothing left
  // unacknowledged by the case's subscription.
  static void expect_topic_holds_every_accepted_event(const fault_case& c) {
    auto topic = c.config.topic();
    // One entry per message: the WebSocket producer does not batch.
    auto internal = admin_json(topic, "internalStats");
    auto* entries = internal.if_contains("numberOfEntries");
    ASSERT_TRUE(entries && entries->is_int64()) << internal;
    std::set<std::string> ids;
    for (auto& m : pulsar_messages(broker(), topic, static_cast<std::size_t>(entries->as_int64())))
      ids.insert(m.properties["ce_id"]);
    EXPECT_EQ(accepted_but_not_in(c.load, ids), std::vector<std::string>{});
    auto backlog = [&]() -> std::int64_t {  // -1: no such subscription
      auto stats = admin_json(topic, "stats");
      auto* subs = stats.if_contains("subscriptions");
      auto* sub = subs && subs->is_object() ? subs->as_object().if_contains(c.config.prefix + "-hook") : nullptr;
      auto* n = sub && sub->is_object() ? sub->as_object().if_contains("msgBacklog") : nullptr;
      return n && n->is_int64() ? n->as_int64() : -1;
    };
    EXPECT_TRUE(eventually([&] { return backlog() == 0; })) << backlog() << " messages not acknowledged";
  }

  // Every case's end: the webhook got every accepted event (one row of the table), so does the
  // topic, and the subscription has acknowledged them all.
  static fault_result settle_and_check(const std::string& name, fault_case& c, clock::time_point fault_end) {
    auto result = settle("pulsar: " + name, c.load, c.sink, fault_end, delivery_timeout);
    expect_no_loss(result, c.load);
    expect_topic_holds_every_accepted_event(c);
    return result;
  }

  static inline std::unique_ptr<pulsar_broker> broker_;
  static inline std::string failure_;
};

TEST_F(pulsar_faults, kill_9_of_eventrouter_mid_load) {
  fault_case c{pulsar_service("fp-kill"), {.prefix = "kill-"}};
  settle_and_check("kill -9 of eventrouter", c, kill_9_and_restart(c));
}

// The broker goes away by `halt` once a third of the load is in, and starts again on the same
// ports and data. Meanwhile every publish is refused at once with 503 and Retry-After — none
// waits out the producer's request timeout — and the producer retries until the broker is back;
// the consumer reconnects by itself.
void broker_restart_mid_load(const std::string& name, const std::string& prefix, void (pulsar_broker::*halt)()) {
  fault_case c{pulsar_faults::pulsar_service(prefix), {.prefix = prefix + "-", .deadline = 120s}};
  ASSERT_TRUE(c.load.await_accepted(c.load.events() / 3, 30s));
  (pulsar_faults::broker().*halt)();
  // Five more refusals once the broker is gone (a stop takes seconds, with refusals meanwhile).
  auto down = clock::now();
  auto refused_before = c.load.refused();
  EXPECT_TRUE(eventually([&] { return c.load.refused() >= refused_before + 5 * c.load.batch(); }, 20s))
    << "accepted while the broker was down";
  auto refused_by = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - down);
  auto accepted_while_down = c.load.accepted().size();
  pulsar_faults::broker().start();
  auto up = clock::now();
  std::cout << "[ pulsar   ] five batches refused within " << refused_by.count() << " ms of the broker's end; back after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(up - down).count() << " ms\n";
  // The producer retries after 100 ms; one request waiting for the broker would take seconds.
  EXPECT_LT(refused_by, 5s) << "publishes waited for the broker instead of failing at once";

  pulsar_faults::settle_and_check(name, c, up);
  for (const auto& [why, n] : c.load.refusals())
    EXPECT_TRUE(why.starts_with("503 (retry-after 1)")) << n << " x " << why;
  EXPECT_LT(accepted_while_down, c.load.accepted().size()) << "nothing accepted once the broker was back";
}

// Most duplicates here are events the consumer acknowledged in the last second before the kill:
// the broker writes a subscription's acknowledged position to its cursor ledger at most once a
// second (managedLedgerDefaultMarkDeleteRateLimit), so a kill -9 forgets those acknowledgements
// and the broker delivers them again (measured: 284 duplicates, all delivered less than 0.9 s
// before the kill, of 678 delivered before it).
TEST_F(pulsar_faults, broker_kill_9_and_restart_mid_load) {
  broker_restart_mid_load("broker kill -9 and restart", "fp-crash", &pulsar_broker::kill);
}

// A clean stop (SIGTERM): the broker closes the WebSocket sessions and its ledgers first.
TEST_F(pulsar_faults, broker_stop_and_restart_mid_load) {
  broker_restart_mid_load("broker stop and restart", "fp-stop", &pulsar_broker::stop);
}

// The sink stops answering once a third of the load is in, so the consumer holds events it
// delivered and never acknowledged (the sink's calls wait; its timeout is longer than the case);
// once every event got 202, eventrouter is killed, the sink answers again and a new eventrouter
// joins the subscription: the broker gives it every message the dead one held.
TEST_F(pulsar_faults, a_consumer_killed_holding_unacknowledged_events_gets_them_back) {
  std::atomic<bool> holding{false};
  auto config = pulsar_service("fp-held");
  config.sink_extra = R"(, "timeout_ms": 60000)";
  fault_case c{config, {.prefix = "held-", .events = 1000}, [&](std::size_t) { return holding ? 0u : 200u; }};
  ASSERT_TRUE(c.load.await_accepted(c.load.events() / 3, 30s));
  holding = true;
  ASSERT_TRUE(c.load.await_done()) << "the producer got " << c.load.accepted().size() << " events accepted";
  auto held = [&] { return answered(c.sink, 0); };
  ASSERT_TRUE(eventually([&] { return held().size() >= c.config.concurrency; }, 20s))
    << held().size() << " calls held by the sink";
  auto held_at_kill = held();
  auto restarted = kill_9_and_restart(c, [&] { holding = false; });
  std::cout << "[ pulsar   ] " << held_at_kill.size() << " events held by the sink when eventrouter was killed\n";
  auto result = settle_and_check("consumer killed holding unacked events", c, restarted);
  EXPECT_EQ(result.refused, 0) << "every event was accepted before the kill";
  for (const auto& id : held_at_kill)
    EXPECT_EQ(std::count(result.missing.begin(), result.missing.end(), id), 0) << id << " held and never redelivered";
}

// The sink refuses every call (503) for a while, once a third of the load is in: each event
// fails its tries and the consumer gives its window back with negative acknowledgements, which
// the broker redelivers after negative_ack_redelivery_delay_ms; once the sink answers again,
// every event arrives, none lost.
TEST_F(pulsar_faults, a_sink_refusing_for_a_while_gets_every_given_back_event_again) {
  std::atomic<bool> refusing{false};
  auto config = pulsar_service("fp-nack");
  config.retry = R"({ "max_attempts": 2, "backoff_ms": [10, 50] })";
  fault_case c{config, {.prefix = "nack-", .events = 1000}, [&](std::size_t) { return refusing ? 503u : 200u; }};
  ASSERT_TRUE(c.load.await_accepted(c.load.events() / 3, 30s));
  refusing = true;
  auto refused_calls = [&] { return answered(c.sink, 503).size(); };
  // Enough for the window to be given back more than once: some events come a second time.
  ASSERT_TRUE(eventually([&] { return refused_calls() >= 60; }, 30s)) << refused_calls() << " calls refused";
  refusing = false;
  settle_and_check("sink refusing, events given back", c, clock::now());
}

}  // namespace
}  // namespace eventrouter::testing
