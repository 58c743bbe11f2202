// The operator's watching commands against a running service: `eventrouter tail` prints what
// reaches a Redis stream or a Kafka topic without joining any consumer group, and `eventrouter
// top` draws the service's consumers and topics on a terminal (under util-linux `script`, which
// gives it a pty) or as plain blocks in a pipe.

#include "kafka_broker.hpp"
#include "redis_server.hpp"
#include "service_under_test.hpp"
#include "text_lines.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <csignal>
#include <sstream>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr auto deleted_type = "org.openedx.content_authoring.xblock.deleted.v1";
constexpr auto stream = "tail-xblock-lifecycle";

// A service on Redis: xblock events to the stream tail-xblock-lifecycle, read by the group "g";
// a memory topic beside it.
std::string redis_config(const redis_server& redis) {
  return R"({
    "topic_prefix": "tail",
    "default_transport": "redis",
    "http": { "listen": "127.0.0.1:0" },
    "transports": { "redis": { "url": ")" + redis.url() + R"(" } },
    "topics": { "scratch": { "transport": "memory" } },
    "producer_config": {
      "org.openedx.content_authoring.xblock.published.v1": {
        "xblock-lifecycle": { "event_key_field": "xblock_info.usage_key" } },
      "org.openedx.content_authoring.xblock.deleted.v1": {
        "xblock-lifecycle": { "event_key_field": "xblock_info.usage_key" },
        "scratch": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [ { "name": "lifecycle-log", "topic": "xblock-lifecycle", "group_id": "g",
                     "sink": { "type": "log" }, "poll_timeout_ms": 200 } ]
  })";
}

class cli_tail_redis : public ::testing::Test {
 protected:
  redis_server redis;
  std::string config_text = redis_config(redis);
  std::string config = write_temp("tail-redis.json", config_text);
  service_under_test service{config_text, "tail-service.json"};

  void post(const std::string& id, const std::string& type = xblock_published_type) {
    auto ev = xblock_published_event(id, "block-" + id);
    ev["type"] = type;
    ASSERT_EQ(service.post(structured_mode, json::serialize(ev)).status, 202u);
  }

  // `eventrouter tail` on the stream with `options`, once it said where it starts.
  std::unique_ptr<service_process> start_tail(std::vector<std::string> options) {
    std::vector<std::string> args{"tail", "--config", config, "--topic", "xblock-lifecycle"};
    args.insert(args.end(), options.begin(), options.end());
    auto tail = std::make_unique<service_process>(EVENTROUTER_BINARY, args);
    auto following = [](const std::string& l) { return contains(l, "following " + std::string(stream)); };
    EXPECT_TRUE(tail->wait_for_stderr(following, 10s)) << tail->stderr_text();
    return tail;
  }

  // The group names XINFO GROUPS lists for the stream.
  std::vector<std::string> groups() {
    auto lines = lines_of(redis.cli({"XINFO", "GROUPS", stream}));
    std::vector<std::string> out;
    for (std::size_t i = 0; i + 1 < lines.size(); ++i)
      if (lines[i] == "name")
        out.push_back(lines[i + 1]);
    return out;
  }
};

TEST_F(cli_tail_redis, sees_the_events_posted_after_it_started_and_creates_no_consumer_group) {
  post("before");  // already there: not shown
  auto tail = start_tail({"--count", "3"});
  for (auto id : {"t-1", "t-2", "t-3"})
    post(id);

  ASSERT_EQ(tail->wait_exit(10s), 0) << tail->stderr_text();
  auto lines = tail->stdout_lines();
  ASSERT_EQ(ids_of(lines), (std::vector<std::string>{"t-1", "t-2", "t-3"}));
  auto first = json::parse(lines[0]).as_object();
  EXPECT_EQ(first.at("topic").as_string(), stream);
  EXPECT_EQ(first.at("key").as_string(), "") << "Redis entries carry no key";
  EXPECT_EQ(first.at("type").as_string(), xblock_published_type);
  EXPECT_EQ(first.at("source").as_string(), "openedx/cms/web");
  EXPECT_EQ(first.at("data").at("xblock_info").at("usage_key").as_string(), "block-t-1");

  EXPECT_EQ(groups(), std::vector<std::string>{"g"}) << "only the service's group";
  EXPECT_EQ(service.delivered("t-3", 1).size(), 1u) << "the service's consumer still gets every event";
}

TEST_F(cli_tail_redis, last_prints_the_last_entries_then_follows) {
  for (auto id : {"l-1", "l-2", "l-3", "l-4"})
    post(id);
  auto tail = start_tail({"--last", "2", "--count", "3"});
  post("l-5");
  ASSERT_EQ(tail->wait_exit(10s), 0) << tail->stderr_text();
  EXPECT_EQ(ids_of(tail->stdout_lines()), (std::vector<std::string>{"l-3", "l-4", "l-5"}));
}

TEST_F(cli_tail_redis, type_shows_only_events_of_that_type) {
  post("p-1");
  post("d-1", deleted_type);
  post("p-2");
  post("d-2", deleted_type);
  auto r = run_to_end(EVENTROUTER_BINARY, {"tail", "--config", config, "--topic", stream, "--from-beginning",
                                           "--type", deleted_type, "--count", "2"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(ids_of(lines_of(r.out)), (std::vector<std::string>{"d-1", "d-2"})) << "found by its full name too";
}

TEST_F(cli_tail_redis, pretty_prints_a_table_of_time_type_id_key_and_data) {
  post("p-1");
  auto r = run_to_end(EVENTROUTER_BINARY, {"tail", "--config", config, "--topic", "xblock-lifecycle", "--last", "1",
                                           "--pretty", "--count", "1"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_TRUE(lines[0].starts_with("TIME")) << lines[0];
  for (auto column : {"TYPE", "ID", "KEY", "DATA"})
    EXPECT_TRUE(contains(lines[0], column)) << lines[0];
  for (auto cell : {"2023-06-09T14:12:45.320819+00:00", xblock_published_type, " p-1 ", R"({"xblock_info":)"})
    EXPECT_TRUE(contains(lines[1], cell)) << cell << " not in " << lines[1];
}

TEST_F(cli_tail_redis, sigint_stops_it_with_exit_0) {
  auto tail = start_tail({});
  tail->signal(SIGINT);
  EXPECT_EQ(tail->wait_exit(5s), 0) << tail->stderr_text();
}

TEST_F(cli_tail_redis, a_memory_topic_cannot_be_tailed_and_says_why) {
  auto r = run_to_end(EVENTROUTER_BINARY, {"tail", "--config", config, "--topic", "scratch"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "tail-scratch is on the memory transport, whose topics live inside the service's process")) << r.err;
}

TEST_F(cli_tail_redis, usage_errors_exit_2) {
  for (const auto& args : std::vector<std::vector<std::string>>{
         {"tail", "--config", config, "--topic", "nothing"},
         {"tail", "--config", config, "--topic", "xblock-lifecycle", "--from-beginning", "--last", "2"},
         {"tail", "--config", config, "--topic", "xblock-lifecycle", "--count", "0"},
         {"tail", "--config", config}}) {
    auto r = run_to_end(EVENTROUTER_BINARY, args);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
  }
}

TEST(cli_tail, a_redis_that_is_down_exits_1) {
  redis_server redis;
  auto config = write_temp("tail-down.json", redis_config(redis));
  redis.stop();
  auto r = run_to_end(EVENTROUTER_BINARY, {"tail", "--config", config, "--topic", "xblock-lifecycle"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(contains(r.err, "eventrouter tail: tail-xblock-lifecycle: ")) << r.err;
}

// Kafka: the events are produced by `eventrouter produce`; tail assigns itself the partition and
// the broker ends up knowing no group of it.
TEST(cli_tail, kafka_last_then_follows_with_keys_and_leaves_no_group_on_the_broker) {
  auto& broker = shared_kafka_broker();
  broker.create_topic("ktail-xblock-lifecycle", 1);
  auto config = write_temp("tail-kafka.json", R"({
    "topic_prefix": "ktail",
    "default_transport": "kafka",
    "transports": { "kafka": { "bootstrap_servers": ")" + broker.bootstrap() + R"(" } },
    "producer_config": { "org.openedx.content_authoring.xblock.published.v1": {
      "xblock-lifecycle": { "event_key_field": "xblock_info.usage_key" } } } })");
  // produce says where Kafka put each event: the topic has one partition.
  auto produce = [&](const std::string& id, int offset) {
    auto r = run_to_end(EVENTROUTER_BINARY, {"produce", "--config", config, "--type", xblock_published_type, "--id", id,
                                             "--data", R"({"xblock_info": {"usage_key": "block-)" + id + R"("}})"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(contains(r.out, "partition 0 offset " + std::to_string(offset))) << r.out;
  };
  produce("k-1", 0);
  produce("k-2", 1);

  service_process tail{EVENTROUTER_BINARY,
                       {"tail", "--config", config, "--topic", "xblock-lifecycle", "--last", "1", "--count", "2"}};
  ASSERT_TRUE(tail.wait_for_stderr([](const std::string& l) { return contains(l, "following ktail-xblock-lifecycle"); },
                                   30s))
    << tail.stderr_text();
  produce("k-3", 2);
  ASSERT_EQ(tail.wait_exit(30s), 0) << tail.stderr_text();
  auto lines = tail.stdout_lines();
  ASSERT_EQ(ids_of(lines), (std::vector<std::string>{"k-2", "k-3"}));
  auto last = json::parse(lines[1]).as_object();
  EXPECT_EQ(last.at("key").as_string(), "block-k-3");
  EXPECT_EQ(last.at("topic").as_string(), "ktail-xblock-lifecycle");

  for (const auto& group : broker.consumer_groups())
    EXPECT_FALSE(group.starts_with("eventrouter-tail")) << group;
}

// --- top ----------------------------------------------------------------------------------

// How many times `part` occurs in `text`.
std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
    ++n;
  return n;
}

// The line of `text` that contains `part` last; empty when none does.
std::string last_line_with(const std::string& text, const std::string& part) {
  std::string found;
  for (const auto& line : lines_of(text))
    if (contains(line, part))
      found = line;
  return found;
}

TEST_F(cli_tail_redis, top_draws_consumers_and_topics_on_a_terminal) {
  for (auto id : {"top-1", "top-2", "top-3"})
    post(id);
  ASSERT_EQ(service.delivered("top-3", 1).size(), 1u);
  auto url = "http://127.0.0.1:" + std::to_string(service.port());
  // script(1) runs the command on a pseudo-terminal: top sees a terminal, as an operator's.
  auto r = run_to_end("script", {"-qfec", std::string(EVENTROUTER_BINARY) + " top --url " + url +
                                             " --iterations 3 --interval 0.2", "/dev/null"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(count_of(r.out, "\x1b[H\x1b[2J"), 3u) << "each refresh redraws the screen:\n" << r.out;
  EXPECT_TRUE(contains(r.out, "eventrouter top: " + url)) << r.out;
  for (auto header : {"CONSUMER", "STATE", "EVENTS/S", "LAG", "ERRORS", "RESTARTS", "PUBLISHED/S"})
    EXPECT_TRUE(contains(r.out, header)) << header << " missing:\n" << r.out;
  auto consumer = last_line_with(r.out, "lifecycle-log");
  EXPECT_TRUE(contains(consumer, stream)) << consumer;
  EXPECT_TRUE(contains(consumer, " running ")) << consumer;
  EXPECT_TRUE(contains(consumer, " 0.0 ")) << "a rate, from the second refresh on: " << consumer;
  auto topic = last_line_with(r.out, stream + std::string("  "));
  EXPECT_TRUE(contains(topic, " redis ")) << topic;
  EXPECT_TRUE(contains(topic, " 3 ")) << "3 published: " << topic;
}

TEST_F(cli_tail_redis, top_writes_plain_blocks_into_a_pipe) {
  auto url = "127.0.0.1:" + std::to_string(service.port());  // http:// may be left out
  auto r = run_to_end(EVENTROUTER_BINARY, {"top", "--url", url, "--iterations", "2", "--interval", "0.2"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_FALSE(contains(r.out, "\x1b")) << r.out;
  EXPECT_EQ(count_of(r.out, "eventrouter top: http://127.0.0.1:"), 2u) << r.out;
  EXPECT_EQ(count_of(r.out, "lifecycle-log"), 2u) << r.out;
}

TEST(cli_top, a_service_that_never_answers_exits_1_saying_so) {
  auto url = "http://127.0.0.1:" + std::to_string(free_port());
  auto r = run_to_end(EVENTROUTER_BINARY, {"top", "--url", url, "--iterations", "2", "--interval", "0.2"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(count_of(r.out, "cannot reach the service: GET " + url + "/v1/consumers: Connection refused"), 2u)
    << r.out;
  EXPECT_TRUE(contains(r.err, "eventrouter top: " + url + " never answered in 2 tries")) << r.err;
}

TEST(cli_top, usage_errors_exit_2) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"top"},
                                                                {"top", "--url", "ftp://x"},
                                                                {"top", "--url", "127.0.0.1:1", "--interval", "0"},
                                                                {"top", "--url", "127.0.0.1:1", "--iterations", "x"}}) {
    auto r = run_to_end(EVENTROUTER_BINARY, args);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
  }
}

TEST(cli_help, tail_and_top_explain_themselves_with_examples) {
  for (std::string command : {"tail", "top"}) {
    auto r = run_to_end(EVENTROUTER_BINARY, {command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(contains(r.out, "usage: eventrouter " + command)) << r.out;
    EXPECT_TRUE(contains(r.out, "exit codes:")) << r.out;
    EXPECT_TRUE(contains(r.out, "\n  eventrouter " + command + " --")) << "no example:\n" << r.out;
  }
}

}  // namespace
}  // namespace eventrouter::testing
