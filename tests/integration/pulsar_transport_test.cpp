// The real eventrouter binary on the Pulsar transport, against a real Apache Pulsar broker
// (tests/support/pulsar_broker.hpp, one per test process) and PyPI's native client as the
// oracle (pulsar_oracle.hpp): what eventrouter writes is what the native client reads — key,
// ce_* properties, event time, the data as JSON or as the Open edX schemaless Avro — and what
// the native client writes eventrouter's consumers deliver. Key_Shared groups keep per-key
// order, dead letters go to a Pulsar topic and come back with `dlq replay`, malformed messages
// are counted and passed over, the commands beside the service (tail, produce, replay) reach
// Pulsar topics, a reload to a broker that does not answer is refused, and the token never shows.
// (Bad transports.pulsar values: tests/bad_input/config.)

#include "avro/avro_codec.hpp"
#include "eventually.hpp"
#include "pulsar_oracle.hpp"
#include "redis_server.hpp"  // free_port
#include "router/rfc3339.hpp"
#include "service_under_test.hpp"
#include "text_lines.hpp"
#include "webhook_server.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
namespace json = boost::json;

// The Open edX schemas the fuzz and property tests use (schemaless Avro, as on Redis).
const std::string schemas_folder = EVENTROUTER_SOURCE_DIR "/tests/fuzz/schemas";
constexpr auto xblock_time = "2023-06-09T14:12:45.320819+00:00";
constexpr std::int64_t xblock_time_ms = 1686319965320;  // xblock_time as Pulsar's eventTime

// A log consumer of `topic` in group `group`.
std::string log_consumer(const std::string& name, const std::string& topic, const std::string& group) {
  return R"({ "name": ")" + name + R"(", "topic": ")" + topic + R"(", "group_id": ")" + group +
         R"(", "sink": { "type": "log" }, "poll_timeout_ms": 200 })";
}

// A configuration on the shared broker whose topics are named after the test (`prefix`), so
// tests sharing the broker never share a topic: xblock.published goes to `route_topic`, keyed by
// its usage key. `more` adds members ("topics", "schemas", ...), `pulsar_more` keys of
// transports.pulsar. A fresh broker can take over 5 s (the default) to open a first topic: the
// connections get 30 s.
std::string pulsar_config(const std::string& prefix, const std::string& consumers, const std::string& more = "",
                          const std::string& pulsar_more = "", const std::string& route_topic = "xblock-lifecycle") {
  return R"({
    "topic_prefix": ")" + prefix + R"(",
    "default_transport": "pulsar",
    "http": { "listen": "127.0.0.1:0" },
    "reload": { "watch_file": false },
    "transports": { "pulsar": { "service_url": ")" + shared_pulsar_broker().web_url() + R"(",
                                "connect_timeout_ms": 30000, "reconnect_backoff_ms": [50, 500] )" + pulsar_more + R"( } },
    "producer_config": {
      "org.openedx.content_authoring.xblock.published.v1": {
        ")" + route_topic + R"(": { "event_key_field": "xblock_info.usage_key" } } },
    )" + more + R"(
    "consumers": [ )" + consumers + R"( ]
  })";
}

// A subscription's stats as the broker's admin API shows them; null when it has none such.
json::value subscription_stats(const std::string& topic, const std::string& subscription) {
  auto reply = shared_pulsar_broker().admin("GET", "/admin/v2/persistent/public/default/" + topic + "/stats");
  if (reply.status != 200)
    return nullptr;
  auto stats = json::parse(reply.body);
  const auto* found = stats.at("subscriptions").as_object().if_contains(subscription);
  return found ? *found : json::value(nullptr);
}

// Waits until `n` consumers are connected to the subscription.
bool connected(const std::string& topic, const std::string& subscription, std::size_t n) {
  return eventually(
    [&] {
      auto stats = subscription_stats(topic, subscription);
      return stats.is_object() && stats.at("consumers").as_array().size() == n;
    },
    30s);
}

// The properties eventrouter gives an xblock.published event of xblock_published_event() on a
// topic of `format`'s content type.
std::map<std::string, std::string> xblock_properties(const std::string& id, const std::string& content_type) {
  return {{"ce_type", xblock_published_type}, {"ce_id", id},
          {"ce_source", "openedx/cms/web"},  {"ce_time", xblock_time},
          {"ce_specversion", "1.0"},         {"ce_minorversion", "0"},
          {"sourcehost", "cms.example"},     {"content-type", content_type},
          {"ce_datacontenttype", content_type}};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(pulsar_transport, a_json_event_is_a_message_with_its_key_ce_properties_event_time_and_data) {
  service_under_test service{pulsar_config("pt-json", log_consumer("lifecycle-log", "xblock-lifecycle", "g"))};
  auto event = xblock_published_event("json-1", "block-v1:key");
  event["sourcelib"] = "9.5.1";
  event["partnerid"] = "p-7";  // an extension
  auto reply = service.post(structured_mode, json::serialize(event));
  ASSERT_EQ(reply.status, 202u) << reply.body;

  auto properties = xblock_properties("json-1", "application/json");
  properties["sourcelib"] = "9.5.1";
  properties["partnerid"] = "p-7";
  const pulsar_message expected{"block-v1:key", properties,
                                R"({"xblock_info":{"usage_key":"block-v1:key","block_type":"problem"}})",
                                xblock_time_ms};
  EXPECT_EQ(pulsar_messages(shared_pulsar_broker(), "pt-json-xblock-lifecycle", 1),
            std::vector<pulsar_message>{expected});

  // eventrouter's own consumer reads it back as it was posted.
  auto lines = service.delivered("json-1", 1, 30s);
  ASSERT_EQ(lines.size(), 1u) << service.process().stderr_text();
  EXPECT_EQ(lines[0].at("key").as_string(), "block-v1:key");
  EXPECT_EQ(lines[0].at("topic").as_string(), "pt-json-xblock-lifecycle");
  const auto& delivered = lines[0].at("event");
  EXPECT_EQ(delivered.at("sourcelib").as_string(), "9.5.1");
  EXPECT_EQ(delivered.at("partnerid").as_string(), "p-7");
  EXPECT_EQ(delivered.at("data"), event.at("data"));
  auto stats = subscription_stats("pt-json-xblock-lifecycle", "g");
  ASSERT_TRUE(stats.is_object());
  EXPECT_EQ(stats.at("type").as_string(), "Key_Shared") << "a log sink is ordered by default";
}

TEST(pulsar_transport, an_openedx_event_is_schemaless_avro_of_its_types_schema) {
  service_under_test service{pulsar_config("pt-avro", log_consumer("avro-log", "xblock-avro", "g"),
                                           R"("schemas": { "directory": ")" + schemas_folder + R"(" },
                                              "topics": { "xblock-avro": { "format": "openedx" } },)",
                                           "", "xblock-avro")};
  ASSERT_EQ(service.post(structured_mode, json::serialize(xblock_published_event("avro-1", "block-v1:k"))).status,
            202u);

  auto messages = pulsar_messages(shared_pulsar_broker(), "pt-avro-xblock-avro", 1);
  ASSERT_EQ(messages.size(), 1u);
  // The Avro datum written out by hand: usage_key and block_type (zig-zag lengths), then the
  // union "version" on its null branch (index 0).
  EXPECT_EQ(messages[0], (pulsar_message{"block-v1:k", xblock_properties("avro-1", "application/avro"),
                                         "\x14" "block-v1:k" "\x0e" "problem" "\x00"s, xblock_time_ms}));
  auto schema = avro_schema::parse(read_file(schemas_folder + "/" + xblock_published_type + ".avsc"));
  ASSERT_TRUE(std::holds_alternative<avro_schema>(schema));
  auto data = decode_avro(std::get<avro_schema>(schema), messages[0].payload);
  ASSERT_TRUE(std::holds_alternative<json::value>(data)) << std::get<avro_error>(data).message;
  EXPECT_EQ(std::get<json::value>(data),
            json::parse(R"({"xblock_info":{"usage_key":"block-v1:k","block_type":"problem","version":null}})"));
  EXPECT_EQ(service.delivered("avro-1", 1, 30s).size(), 1u) << service.process().stderr_text();
}

TEST(pulsar_transport, messages_a_native_producer_wrote_are_delivered_in_both_formats) {
  service_under_test service{pulsar_config("pt-native",
                                           log_consumer("json-log", "xblock-lifecycle", "g") + "," +
                                             log_consumer("avro-log", "xblock-avro", "g"),
                                           R"("schemas": { "directory": ")" + schemas_folder + R"(" },
                                              "topics": { "xblock-avro": { "format": "openedx" } },)")};
  auto properties = xblock_properties("native-json", "application/json");
  properties["sourcelib"] = "9.5.1";
  pulsar_produce(shared_pulsar_broker(), "pt-native-xblock-lifecycle",
                 {{"block-v1:j", properties, R"({"xblock_info": {"usage_key": "block-v1:j", "block_type": "html"}})",
                   xblock_time_ms}});
  // The union "version" on its string branch (index 1, zig-zag 2).
  pulsar_produce(shared_pulsar_broker(), "pt-native-xblock-avro",
                 {{"block-v1:n", xblock_properties("native-avro", "application/avro"),
                   "\x14" "block-v1:n" "\x08" "html" "\x02" "\x04" "v2"s, xblock_time_ms}});

  auto from_json = service.delivered("native-json", 1, 30s);
  ASSERT_EQ(from_json.size(), 1u) << service.process().stderr_text();
  EXPECT_EQ(from_json[0].at("consumer").as_string(), "json-log");
  EXPECT_EQ(from_json[0].at("key").as_string(), "block-v1:j");
  EXPECT_EQ(from_json[0].at("event").at("type").as_string(), xblock_published_type);
  EXPECT_EQ(from_json[0].at("event").at("time").as_string(), xblock_time);
  EXPECT_EQ(from_json[0].at("event").at("sourcelib").as_string(), "9.5.1");
  EXPECT_EQ(from_json[0].at("event").at("data"),
            json::parse(R"({"xblock_info": {"usage_key": "block-v1:j", "block_type": "html"}})"));

  auto from_avro = service.delivered("native-avro", 1, 30s);
  ASSERT_EQ(from_avro.size(), 1u) << service.process().stderr_text();
  EXPECT_EQ(from_avro[0].at("consumer").as_string(), "avro-log");
  EXPECT_EQ(from_avro[0].at("key").as_string(), "block-v1:n");
  EXPECT_EQ(from_avro[0].at("event").at("source").as_string(), "openedx/cms/web");
  EXPECT_EQ(from_avro[0].at("event").at("data"),
            json::parse(R"({"xblock_info": {"usage_key": "block-v1:n", "block_type": "html", "version": "v2"}})"));
}

TEST(pulsar_transport, a_key_shared_group_keeps_each_keys_order_at_one_consumer_and_delivers_each_event_once) {
  constexpr auto topic = "pt-keys-xblock-lifecycle";
  service_under_test service{pulsar_config("pt-keys", log_consumer("a-1", "xblock-lifecycle", "g") + "," +
                                                        log_consumer("a-2", "xblock-lifecycle", "g"))};
  // Both members first, so that the broker splits the keys between them from the first message.
  ASSERT_TRUE(connected(topic, "g", 2)) << json::serialize(subscription_stats(topic, "g"));
  EXPECT_EQ(subscription_stats(topic, "g").at("type").as_string(), "Key_Shared");
  auto accepted = post_events(service, "k-", 120, 10, 20);
  ASSERT_EQ(accepted.size(), 120u);
  EXPECT_EQ(await_all({&service}, accepted, 30s), std::vector<std::string>{});

  for (const auto& [id, n] : deliveries({&service}))
    EXPECT_EQ(n, 1) << id << " was delivered more than once without any failure";
  // Per key: one consumer, the events in the order they were posted.
  std::map<std::string, std::set<std::string>> consumers_of;  // key -> consumers
  std::map<std::string, std::vector<int>> order_of;           // key -> event numbers as delivered
  for (const auto& line : service.all_delivered()) {
    std::string key(line.at("key").as_string()), id(line.at("event").at("id").as_string());
    consumers_of[key].insert(std::string(line.at("consumer").as_string()));
    order_of[key].push_back(std::stoi(id.substr(2)));
  }
  std::set<std::string> used;
  for (const auto& [key, names] : consumers_of) {
    EXPECT_EQ(names.size(), 1u) << key << " went to more than one consumer";
    used.insert(names.begin(), names.end());
    EXPECT_TRUE(std::is_sorted(order_of[key].begin(), order_of[key].end())) << key << " out of order";
  }
  EXPECT_EQ(used.size(), 2u) << "20 keys, all at one consumer";
}

TEST(pulsar_transport, a_refused_event_is_dead_lettered_to_pulsar_and_dlq_replay_moves_it_back) {
  std::atomic<bool> fixed{false};
  webhook_server hook([&](std::size_t) { return fixed ? 200u : 500u; });
  auto config = pulsar_config("pt-dlq", R"({ "name": "hook", "topic": "hooks", "group_id": "g", "poll_timeout_ms": 200,
                     "sink": { "type": "http", "url": ")" + hook.url() + R"(" },
                     "retry": { "max_attempts": 3, "backoff_ms": [10, 20] },
                     "dead_letter_topic": "hooks-dlq" })", "", "", "hooks");
  auto config_file = write_temp("pulsar-dlq.json", config);
  service_under_test service{config, "pulsar-dlq.json"};
  ASSERT_EQ(service.post(structured_mode, json::serialize(xblock_published_event("refused", "block-v1:d"))).status,
            202u);

  auto letters = pulsar_messages(shared_pulsar_broker(), "pt-dlq-hooks-dlq", 1);
  ASSERT_EQ(letters.size(), 1u) << service.process().stderr_text();
  EXPECT_EQ(hook.calls(), 3u) << "three attempts, then the dead letter";
  const auto& letter = letters[0];
  EXPECT_EQ(letter.key, "block-v1:d");
  EXPECT_EQ(letter.properties.at("ce_id"), "refused");
  EXPECT_EQ(letter.properties.at("dlq_attempts"), "3");
  EXPECT_EQ(letter.properties.at("dlq_source_topic"), "pt-dlq-hooks");
  EXPECT_EQ(letter.properties.at("dlq_consumer"), "hook");
  EXPECT_TRUE(contains(letter.properties.at("dlq_reason"), "500")) << letter;

  fixed = true;
  auto replay = run_to_end(EVENTROUTER_BINARY,
                           {"dlq", "replay", "--config", config_file, "--topic", "hooks-dlq", "--to", "hooks"}, 60s);
  ASSERT_EQ(replay.exit_code, 0) << describe(replay);
  EXPECT_TRUE(contains(replay.err, "1 moved")) << replay.err;
  auto back = pulsar_messages(shared_pulsar_broker(), "pt-dlq-hooks", 2);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].key, "block-v1:d");
  EXPECT_EQ(back[1].properties.at("ce_id"), "refused");
  for (const auto& [name, value] : back[1].properties)
    EXPECT_FALSE(name.starts_with("dlq_")) << name << " kept on the replayed message";
  ASSERT_TRUE(hook.await_calls(4, 30s)) << service.process().stderr_text();
  EXPECT_EQ(hook.requests().back().header("ce-id"), "refused");
  // A second run finds nothing new: the replay's subscription kept its place.
  auto again = run_to_end(EVENTROUTER_BINARY,
                          {"dlq", "replay", "--config", config_file, "--topic", "hooks-dlq", "--to", "hooks"}, 60s);
  ASSERT_EQ(again.exit_code, 0) << describe(again);
  EXPECT_TRUE(contains(again.err, "0 moved")) << again.err;
}

// With no dead-letter topic, an event whose tries ran out is given back: a negative
// acknowledgement, and the broker sends it again after negative_ack_redelivery_delay_ms.
TEST(pulsar_transport, a_given_back_event_is_redelivered_by_the_broker_and_then_acknowledged) {
  webhook_server hook([](std::size_t call) { return call == 0 ? 500u : 200u; });
  service_under_test service{pulsar_config("pt-nack", R"({ "name": "hook", "topic": "hooks", "group_id": "g",
                     "poll_timeout_ms": 200, "sink": { "type": "http", "url": ")" + hook.url() + R"(" },
                     "retry": { "max_attempts": 1 }, "consecutive_errors_limit": 5 })",
                                           "", R"(, "negative_ack_redelivery_delay_ms": 300)", "hooks")};
  ASSERT_EQ(service.post(structured_mode, json::serialize(xblock_published_event("given-back", "k"))).status, 202u);

  ASSERT_TRUE(hook.await_calls(2, 30s)) << service.process().stderr_text();
  auto history = hook.history();
  EXPECT_EQ(history[0].answer, 500u);
  EXPECT_EQ(history[1].answer, 200u);
  EXPECT_EQ(history[1].request.header("ce-id"), "given-back");
  EXPECT_GE(history[1].arrival - history[0].arrival, 300ms) << "redelivered before the broker's delay";
  EXPECT_TRUE(eventually([&] { return subscription_stats("pt-nack-hooks", "g").at("msgBacklog") == 0; }))
    << json::serialize(subscription_stats("pt-nack-hooks", "g"));
  EXPECT_EQ(hook.calls(), 2u) << "delivered, then acknowledged: not sent again";
}

TEST(pulsar_transport, a_malformed_message_is_counted_and_the_next_one_is_delivered) {
  service_under_test service{pulsar_config("pt-bad", log_consumer("lifecycle-log", "xblock-lifecycle", "g"))};
  auto properties = xblock_properties("no-type", "application/json");
  properties.erase("ce_type");
  pulsar_produce(shared_pulsar_broker(), "pt-bad-xblock-lifecycle", {{"k", properties, "{}", 0}});
  ASSERT_EQ(service.post(structured_mode, json::serialize(xblock_published_event("after-bad", "k"))).status, 202u);

  EXPECT_EQ(service.delivered("after-bad", 1, 30s).size(), 1u) << service.process().stderr_text();
  EXPECT_TRUE(eventually([&] { return service.consumer("lifecycle-log").at("malformed").to_number<int>() == 1; }))
    << json::serialize(service.consumer("lifecycle-log"));
  EXPECT_TRUE(service.process().wait_for_stderr(
    [](const std::string& l) {
      return contains(l, "malformed message: property 'ce_type' is missing") &&
             contains(l, R"("event_id":"no-type")") && contains(l, R"("message_id":")") &&
             contains(l, R"("next":"passed over)");
    },
    0ms))
    << service.process().stderr_text();
  // Acknowledged, not redelivered for ever: the group has nothing left.
  EXPECT_TRUE(eventually([&] { return subscription_stats("pt-bad-xblock-lifecycle", "g").at("msgBacklog") == 0; }))
    << json::serialize(subscription_stats("pt-bad-xblock-lifecycle", "g"));
}

TEST(pulsar_transport, lag_is_the_groups_backlog_zero_once_consumed_and_above_zero_behind_a_stopped_sink) {
  webhook_server stuck([](std::size_t) { return 0u; });  // never answers
  service_under_test service{pulsar_config(
    "pt-lag", log_consumer("fast", "xblock-lifecycle", "fast") + R"(, { "name": "stuck", "topic": "xblock-lifecycle",
      "group_id": "stuck", "poll_timeout_ms": 200, "sink": { "type": "http", "url": ")" + stuck.url() + R"(" } })")};
  auto accepted = post_events(service, "lag-", 5);
  ASSERT_EQ(accepted.size(), 5u);
  EXPECT_EQ(await_all({&service}, accepted, 30s, "fast"), std::vector<std::string>{});
  ASSERT_TRUE(stuck.await_calls(1, 30s));

  auto lag_of = [&](const std::string& name) { return service.consumer(name).at("lag"); };
  EXPECT_TRUE(eventually([&] { return lag_of("stuck").is_number() && lag_of("stuck").to_number<int>() == 5; }, 30s))
    << json::serialize(service.consumers());
  EXPECT_TRUE(eventually([&] { return lag_of("fast").is_number() && lag_of("fast").to_number<int>() == 0; }, 30s))
    << json::serialize(service.consumers());
}

// The commands beside the service, with no service running: produce writes, tail reads.
TEST(pulsar_transport, produce_writes_and_tail_reads_from_the_beginning_and_the_last_n_then_follows) {
  auto config = write_temp("pulsar-cli.json", pulsar_config("pt-cli", ""));
  auto produce = [&](const std::string& id) {
    auto r = run_to_end(EVENTROUTER_BINARY, {"produce", "--config", config, "--type", xblock_published_type, "--id", id,
                                             "--data", R"({"xblock_info": {"usage_key": "block-)" + id + R"("}})"},
                        60s);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(contains(r.out, "pt-cli-xblock-lifecycle")) << r.out;
    EXPECT_TRUE(contains(r.out, " pulsar ")) << r.out;
    EXPECT_TRUE(contains(r.out, "block-" + id)) << r.out;
    EXPECT_TRUE(contains(r.out, " message ")) << "the message id is shown: " << r.out;
  };
  produce("c-1");
  produce("c-2");
  auto on_topic = pulsar_messages(shared_pulsar_broker(), "pt-cli-xblock-lifecycle", 2);
  ASSERT_EQ(on_topic.size(), 2u);
  EXPECT_EQ(on_topic[1].properties.at("ce_id"), "c-2");
  EXPECT_EQ(on_topic[1].key, "block-c-2");

  auto all = run_to_end(EVENTROUTER_BINARY, {"tail", "--config", config, "--topic", "xblock-lifecycle",
                                             "--from-beginning", "--count", "2"},
                        60s);
  ASSERT_EQ(all.exit_code, 0) << describe(all);
  EXPECT_EQ(ids_of(lines_of(all.out)), (std::vector<std::string>{"c-1", "c-2"}));
  auto first = json::parse(lines_of(all.out).at(0)).as_object();
  EXPECT_EQ(first.at("key").as_string(), "block-c-1");
  EXPECT_EQ(first.at("topic").as_string(), "pt-cli-xblock-lifecycle");
  EXPECT_EQ(first.at("type").as_string(), xblock_published_type);

  service_process tail{EVENTROUTER_BINARY,
                       {"tail", "--config", config, "--topic", "xblock-lifecycle", "--last", "1", "--count", "2"}};
  ASSERT_TRUE(tail.wait_for_stderr([](const std::string& l) { return contains(l, "following pt-cli-xblock-lifecycle"); },
                                   60s))
    << tail.stderr_text();
  produce("c-3");
  ASSERT_EQ(tail.wait_exit(60s), 0) << tail.stderr_text();
  EXPECT_EQ(ids_of(tail.stdout_lines()), (std::vector<std::string>{"c-2", "c-3"}));
}

TEST(pulsar_transport, replay_from_a_time_or_an_offset_delivers_exactly_the_events_after_it) {
  auto config = pulsar_config("pt-replay", log_consumer("lifecycle-log", "xblock-lifecycle", "g"));
  auto config_file = write_temp("pulsar-replay.json", config);
  std::string from;
  {
    service_under_test service{config, "pulsar-replay.json"};
    auto before = post_events(service, "old-", 20);
    ASSERT_EQ(before.size(), 20u);
    ASSERT_EQ(await_all({&service}, before, 30s), std::vector<std::string>{});
    // The old events were written well before (their delivery was awaited), the new ones after.
    from = format_rfc3339(std::chrono::system_clock::now());
    auto after = post_events(service, "new-", 30);
    ASSERT_EQ(after.size(), 30u);
    ASSERT_EQ(await_all({&service}, after, 30s), std::vector<std::string>{});
    // The replay reads the group's subscription alone: the service's consumers stop first.
    service.process().signal(SIGTERM);
    ASSERT_EQ(service.process().wait_exit(20s), 0) << service.process().stderr_text();
  }
  auto replay = run_to_end(EVENTROUTER_BINARY,
                           {"replay", "--config", config_file, "--consumer", "lifecycle-log", "--from-time", from}, 60s);
  ASSERT_EQ(replay.exit_code, 0) << describe(replay);
  std::map<std::string, int> replayed, expected;
  for (const auto& line : lines_of(replay.out))
    replayed[std::string(json::parse(line).at("event").at("id").as_string())]++;
  for (int i = 0; i < 30; ++i)
    expected["new-" + std::to_string(i)] = 1;
  EXPECT_EQ(replayed, expected);
  EXPECT_TRUE(contains(replay.err, "caught up")) << replay.err;

  // The 45th message on: the topic holds the 20 old events, then the 30 new ones.
  auto from_offset = run_to_end(EVENTROUTER_BINARY,
                                {"replay", "--config", config_file, "--consumer", "lifecycle-log", "--from-offset", "45"},
                                60s);
  ASSERT_EQ(from_offset.exit_code, 0) << describe(from_offset);
  std::vector<std::string> ids;
  for (const auto& line : lines_of(from_offset.out))
    ids.emplace_back(json::parse(line).at("event").at("id").as_string());
  EXPECT_EQ(ids.size(), 5u) << from_offset.out;
  for (const auto& id : ids)
    EXPECT_TRUE(id.starts_with("new-")) << id;
}

constexpr auto admin_token_env = "EVENTROUTER_PULSAR_TEST_ADMIN_TOKEN";
constexpr auto admin_token = "pulsar-test-admin-4d2e";
constexpr auto pulsar_token_env = "EVENTROUTER_PULSAR_TEST_TOKEN";
constexpr auto pulsar_token = "pulsar-token-b71c9e0a";

TEST(pulsar_transport, a_reload_to_a_broker_that_does_not_answer_is_refused_one_that_answers_is_moved_to_and_the_token_never_shows) {
  setenv(admin_token_env, admin_token, 1);
  setenv(pulsar_token_env, pulsar_token, 1);
  auto config_on = [](const std::string& service_url) {
    auto text = pulsar_config("pt-reload", log_consumer("lifecycle-log", "xblock-lifecycle", "g"),
                              R"("admin": { "token_env": ")" + std::string(admin_token_env) + R"(" },)",
                              R"(, "token_env": ")" + std::string(pulsar_token_env) + R"(")");
    auto at = text.find(shared_pulsar_broker().web_url());
    return text.replace(at, shared_pulsar_broker().web_url().size(), service_url);
  };
  auto file = write_temp("pulsar-reload.json", config_on(shared_pulsar_broker().web_url()));
  service_under_test service{config_on(shared_pulsar_broker().web_url()), "pulsar-reload.json", {"--log-level", "debug"}};
  ASSERT_EQ(service.post(structured_mode, json::serialize(xblock_published_event("before", "k"))).status, 202u);
  ASSERT_EQ(service.delivered("before", 1, 30s).size(), 1u) << service.process().stderr_text();

  const auto nowhere = "http://127.0.0.1:" + std::to_string(free_port());
  write_temp("pulsar-reload.json", config_on(nowhere));
  std::string seen;
  auto checked = run_to_end(EVENTROUTER_BINARY, {"check-config", file}, 20s);
  EXPECT_EQ(checked.exit_code, 0) << describe(checked);  // the file is valid: the broker is not asked
  seen += checked.out + checked.err;
  auto reload = http_request(service.port(), "POST", "/admin/reload",
                             {{"authorization", std::string("Bearer ") + admin_token}});
  // A valid file the service could not move to: "failed", not "invalid" (422).
  EXPECT_EQ(reload.status, 500u) << reload.body;
  EXPECT_TRUE(contains(reload.body, R"("result":"failed")")) << reload.body;
  EXPECT_TRUE(contains(reload.body, "pulsar at " + nowhere + "/ does not answer: cannot connect to the broker"))
    << reload.body;
  seen += reload.body;

  // Still on the first broker.
  ASSERT_EQ(service.post(structured_mode, json::serialize(xblock_published_event("after", "k"))).status, 202u);
  EXPECT_EQ(service.delivered("after", 1, 30s).size(), 1u) << service.process().stderr_text();
  EXPECT_EQ(pulsar_messages(shared_pulsar_broker(), "pt-reload-xblock-lifecycle", 2).size(), 2u);
  EXPECT_EQ(json::parse(service.get("/v1/routes").body).at("generation"), 1);

  // A changed URL that answers (the same broker by another name) is moved to: new connections.
  auto renamed = "http://localhost:" + std::to_string(shared_pulsar_broker().web_port());
  write_temp("pulsar-reload.json", config_on(renamed));
  auto moved = http_request(service.port(), "POST", "/admin/reload",
                            {{"authorization", std::string("Bearer ") + admin_token}});
  EXPECT_EQ(moved.status, 200u) << moved.body;
  seen += moved.body;
  EXPECT_EQ(json::parse(service.get("/v1/routes").body).at("generation"), 2);
  ASSERT_EQ(service.post(structured_mode, json::serialize(xblock_published_event("moved", "k"))).status, 202u);
  EXPECT_EQ(service.delivered("moved", 1, 30s).size(), 1u) << service.process().stderr_text();
  EXPECT_EQ(pulsar_messages(shared_pulsar_broker(), "pt-reload-xblock-lifecycle", 3).size(), 3u);

  for (auto endpoint : {"/", "/healthz", "/readyz", "/v1/routes", "/v1/consumers", "/v1/reloads", "/metrics"})
    seen += service.get(endpoint).body;
  EXPECT_TRUE(contains(seen, nowhere)) << "the refusal names the broker:\n" << seen;
  seen += service.process().stderr_text();
  for (const auto& line : service.process().stdout_lines())
    seen += line + "\n";
  EXPECT_FALSE(contains(seen, pulsar_token)) << seen;
  EXPECT_FALSE(contains(seen, admin_token)) << seen;
}

}  // namespace
}  // namespace eventrouter::testing
