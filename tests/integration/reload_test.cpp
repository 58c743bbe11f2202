// Live reload on the real binary: routes move between topics under load without losing or
// misrouting an event, untouched consumers are never restarted, an invalid file changes
// nothing and says why, the admin call needs its token, SIGHUP and an edited file reload,
// and a new Redis address is connected to.

#include "eventually.hpp"
#include "redis_server.hpp"
#include "service_under_test.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr auto token_env = "EVENTROUTER_RELOAD_TEST_TOKEN";
constexpr auto token = "s3cret-token";

std::string log_consumer(const std::string& name, const std::string& topic) {
  return R"({ "name": ")" + name + R"(", "topic": ")" + topic + R"(", "group_id": "g-)" + name +
         R"(", "sink": { "type": "log" } })";
}

const std::string both_consumers = log_consumer("lifecycle-log", "lifecycle") + "," + log_consumer("archive-log", "archive");

// xblock.published goes to `route_topic`, and `consumers` read. Only with `watch` does an
// edit of the file reload it by itself (tests that count reloads make each one themselves).
std::string config_routing_to(const std::string& route_topic, const std::string& consumers = both_consumers,
                              bool watch = false) {
  return R"({
    "http": { "listen": "127.0.0.1:0", "max_batch_events": 100 },
    "admin": { "token_env": ")" + std::string(token_env) + R"(" },
    "reload": { "watch_file": )" + (watch ? "true" : "false") + R"(, "debounce_ms": 100 },
    "topics": { "lifecycle": {}, "archive": {} },
    "producer_config": {
      "org.openedx.content_authoring.xblock.published.v1": {
        ")" + route_topic + R"(": { "event_key_field": "xblock_info.usage_key" }
      }
    },
    "consumers": [ )" + consumers + R"( ]
  })";
}

const header_list admin_headers = {{"authorization", std::string("Bearer ") + token}};

class reload : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { setenv(token_env, token, 1); }

  explicit reload(bool watch = false) : service{config_routing_to("lifecycle", both_consumers, watch), "reload.json"} {}

  service_under_test service;

  void write_config(const std::string& text) { write_temp("reload.json", text); }

  http_reply admin_reload(const header_list& headers = admin_headers) {
    return http_request(service.port(), "POST", "/admin/reload", headers);
  }

  std::uint64_t generation() {
    return json::parse(service.get("/v1/routes").body).at("generation").to_number<std::uint64_t>();
  }

  std::string route_topic() {
    auto routes = json::parse(service.get("/v1/routes").body).at("routes").as_array();
    return routes.empty() ? "" : std::string(routes.at(0).at("full_topic").as_string());
  }

  // The value of one series in /metrics, or -1 without it.
  double metric(const std::string& series) {
    auto text = service.get("/metrics").body;
    auto at = text.find("\n" + series + " ");
    if (at == std::string::npos)
      return -1;
    return std::stod(text.substr(at + series.size() + 2));
  }
};

// Every event goes where the generation that accepted it routed it: odd generations are the
// first file (lifecycle), even ones the second (archive).
TEST_F(reload, a_route_moved_ten_times_under_load_loses_nothing_and_misroutes_nothing) {
  constexpr int total = 50000, batch = 50, posters = 2, reloads = 10;
  std::mutex mutex;
  std::map<std::string, std::uint64_t> generation_of;  // accepted event id -> generation
  std::atomic<int> accepted{0}, refused{0};
  auto post_share = [&](int poster) {
    connection conn(service.port());
    for (int first = poster * batch; first < total; first += posters * batch) {
      json::array events;
      for (int i = first; i < first + batch; ++i)
        events.push_back(xblock_published_event("ev" + std::to_string(i), "block-v1:x+" + std::to_string(i % 97)));
      auto reply = conn.send("POST", "/v1/events", batch_mode, json::serialize(events));
      if (reply.status != 202) {
        refused += batch;
        continue;
      }
      auto generation = json::parse(reply.body).at("generation").to_number<std::uint64_t>();
      std::lock_guard lock(mutex);
      for (const auto& e : events)
        generation_of[std::string(e.at("id").as_string())] = generation;
      accepted += batch;
    }
  };
  std::vector<std::thread> threads;
  for (int p = 0; p < posters; ++p)
    threads.emplace_back(post_share, p);
  // Reloads spread over the load: one each time another tenth of the events was accepted.
  int done = 0;
  for (int r = 1; r <= reloads; ++r) {
    ASSERT_TRUE(eventually([&] { return accepted >= r * total / (reloads + 2); }, 30s));
    write_config(config_routing_to(r % 2 == 1 ? "archive" : "lifecycle"));
    auto reply = admin_reload();
    ASSERT_EQ(reply.status, 200u) << reply.body;
    EXPECT_EQ(json::parse(reply.body).at("generation").to_number<std::uint64_t>(), 1u + r);
    ++done;
  }
  for (auto& t : threads)
    t.join();
  ASSERT_EQ(done, reloads);
  EXPECT_EQ(refused, 0);
  ASSERT_EQ(accepted, total);

  std::vector<std::string> ids;
  std::set<std::uint64_t> generations_seen;
  for (const auto& [id, g] : generation_of) {
    ids.push_back(id);
    generations_seen.insert(g);
  }
  EXPECT_EQ(generations_seen.size(), static_cast<std::size_t>(reloads + 1)) << "every generation routed events";
  EXPECT_EQ(await_all({&service}, ids, 60s), std::vector<std::string>{});
  auto by_lifecycle = deliveries({&service}, "lifecycle-log");
  auto by_archive = deliveries({&service}, "archive-log");
  int misrouted = 0;
  for (const auto& [id, g] : generation_of) {
    bool to_lifecycle = g % 2 == 1;
    misrouted += (to_lifecycle ? by_archive : by_lifecycle).count(id) > 0 ? 1 : 0;
  }
  EXPECT_EQ(misrouted, 0);
  for (const auto* name : {"lifecycle-log", "archive-log"}) {
    EXPECT_EQ(service.consumer(name).at("restarts").to_number<int>(), 0) << name;
    EXPECT_EQ(metric(std::string("eventrouter_consumer_restarts_total{consumer=\"") + name + "\"}"), 0) << name;
  }
  EXPECT_FALSE(service.process().wait_for_stderr(
    [](const std::string& l) { return l.find("consumers restarted") != std::string::npos; }, 0ms));
  EXPECT_EQ(metric("eventrouter_config_reloads_total{result=\"ok\"}"), reloads);
  EXPECT_EQ(metric("eventrouter_config_generation"), reloads + 1);
}

TEST_F(reload, an_invalid_file_is_refused_with_every_problem_and_the_running_routes_stay) {
  write_config(R"({ "http": { "listen": "127.0.0.1:0" }, "producer_config": { "t": 5 }, "consumers": [ { "name": 1 } ] })");
  auto reply = admin_reload();
  ASSERT_EQ(reply.status, 422u) << reply.body;
  auto body = json::parse(reply.body).as_object();
  EXPECT_EQ(body.at("result"), "invalid");
  EXPECT_EQ(body.at("generation").to_number<int>(), 1);
  auto details = json::serialize(body.at("details"));
  EXPECT_NE(details.find("$.producer_config.t"), std::string::npos) << details;
  EXPECT_NE(details.find("$.consumers[0].name"), std::string::npos) << details;
  EXPECT_TRUE(service.process().wait_for_stderr(
    [](const std::string& l) { return l.find("refused") != std::string::npos; }, 5s));

  EXPECT_EQ(generation(), 1u);
  EXPECT_EQ(route_topic(), "lifecycle");
  auto accepted = post_events(service, "after-invalid-", 5);
  ASSERT_EQ(accepted.size(), 5u);
  EXPECT_EQ(await_all({&service}, accepted, 10s, "lifecycle-log"), std::vector<std::string>{});
  EXPECT_EQ(metric("eventrouter_config_reloads_total{result=\"invalid\"}"), 1);
  EXPECT_EQ(metric("eventrouter_config_reloads_total{result=\"ok\"}"), 0);
}

// A missing token and wrong ones: secrets_test.
TEST_F(reload, the_admin_call_needs_the_bearer_token) {
  EXPECT_EQ(admin_reload({{"authorization", std::string("Basic ") + token}}).status, 401u);
  EXPECT_EQ(admin_reload().status, 200u);
  EXPECT_EQ(generation(), 2u);
  auto get = http_request(service.port(), "GET", "/admin/reload");
  EXPECT_EQ(get.status, 405u);
  // The token never shows in what the service prints.
  EXPECT_EQ(service.process().stderr_text().find(token), std::string::npos);
}

TEST(reload_without_token, the_admin_call_is_refused_when_no_token_is_set) {
  unsetenv("EVENTROUTER_RELOAD_TEST_NO_TOKEN");
  service_under_test service{R"({ "http": { "listen": "127.0.0.1:0" },
                                  "admin": { "token_env": "EVENTROUTER_RELOAD_TEST_NO_TOKEN" } })"};
  auto reply = http_request(service.port(), "POST", "/admin/reload", {{"authorization", "Bearer x"}});
  EXPECT_EQ(reply.status, 403u);
  EXPECT_NE(reply.body.find("EVENTROUTER_RELOAD_TEST_NO_TOKEN"), std::string::npos) << reply.body;
}

class watched_reload : public reload {
 protected:
  watched_reload() : reload(true) {}
};

TEST_F(watched_reload, an_edited_file_and_sighup_reload_it) {
  write_config(config_routing_to("archive", both_consumers, true));
  EXPECT_TRUE(eventually([&] { return route_topic() == "archive"; }, 10s)) << "the edit was not picked up";
  EXPECT_EQ(generation(), 2u);
  EXPECT_TRUE(service.process().wait_for_stderr(
    [](const std::string& l) { return l.find("reload (file changed) applied generation 2") != std::string::npos; },
    5s));

  service.process().signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return generation() == 3u; }, 10s)) << "SIGHUP did not reload";
  EXPECT_TRUE(service.process().wait_for_stderr(
    [](const std::string& l) { return l.find("reload (SIGHUP) applied generation 3: nothing changed") != std::string::npos; },
    5s));
  EXPECT_EQ(route_topic(), "archive");
}

TEST_F(reload, consumers_are_started_stopped_and_restarted_as_the_file_says_and_the_rest_left_alone) {
  auto before = post_events(service, "before-", 20);
  ASSERT_EQ(await_all({&service}, before, 10s, "lifecycle-log"), std::vector<std::string>{});
  // archive-log is removed, an audit consumer joins lifecycle, lifecycle-log is untouched.
  write_config(config_routing_to("lifecycle", log_consumer("lifecycle-log", "lifecycle") + "," +
                                                 log_consumer("audit-log", "lifecycle")));
  auto reply = admin_reload();
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto changes = std::string(json::parse(reply.body).at("changes").as_string());
  EXPECT_NE(changes.find("consumers started: audit-log"), std::string::npos) << changes;
  EXPECT_NE(changes.find("consumers stopped: archive-log"), std::string::npos) << changes;
  EXPECT_EQ(changes.find("lifecycle-log"), std::string::npos) << changes;

  auto consumers = json::parse(service.get("/v1/consumers").body).as_object();
  EXPECT_EQ(consumers.at("generation").to_number<int>(), 2);
  std::set<std::string> names;
  for (const auto& c : consumers.at("consumers").as_array())
    names.insert(std::string(c.at("name").as_string()));
  EXPECT_EQ(names, (std::set<std::string>{"lifecycle-log", "audit-log"}));
  // The untouched consumer kept its count: the same incarnation goes on.
  EXPECT_EQ(service.consumer("lifecycle-log").at("delivered").to_number<int>(), 20);

  auto after = post_events(service, "after-", 20);
  EXPECT_EQ(await_all({&service}, after, 10s, "lifecycle-log"), std::vector<std::string>{});
  EXPECT_EQ(await_all({&service}, after, 10s, "audit-log"), std::vector<std::string>{});
  EXPECT_EQ(metric("eventrouter_consumer_state{consumer=\"archive-log\",state=\"running\"}"), 0);
}

// A new broker address: topics and consumers on Redis move to it.
TEST(reload_redis, a_new_redis_address_is_connected_to) {
  setenv(token_env, token, 1);
  redis_server first, second;
  auto config_on = [](const redis_server& redis) {
    return R"({
      "http": { "listen": "127.0.0.1:0" },
      "admin": { "token_env": ")" + std::string(token_env) + R"(" },
      "default_transport": "redis",
      "transports": { "redis": { "url": ")" + redis.url() + R"(" } },
      "producer_config": {
        "org.openedx.content_authoring.xblock.published.v1": { "lifecycle": { "event_key_field": "xblock_info.usage_key" } }
      },
      "consumers": [ { "name": "lifecycle-log", "topic": "lifecycle", "group_id": "g", "sink": { "type": "log" } } ]
    })";
  };
  service_under_test service{config_on(first), "reload-redis.json"};
  auto on_first = post_events(service, "first-", 10);
  ASSERT_EQ(await_all({&service}, on_first, 10s), std::vector<std::string>{});

  write_temp("reload-redis.json", config_on(second));
  auto reply = http_request(service.port(), "POST", "/admin/reload", admin_headers);
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto on_second = post_events(service, "second-", 10);
  ASSERT_EQ(on_second.size(), 10u);
  EXPECT_EQ(second.cli({"XLEN", "lifecycle"}), "10");
  EXPECT_EQ(first.cli({"XLEN", "lifecycle"}), "10");
  EXPECT_EQ(await_all({&service}, on_second, 10s), std::vector<std::string>{});
}

}  // namespace
}  // namespace eventrouter::testing
