// Supervision and all-or-nothing reloads on the real binary: a consumer that cannot be built
// fails alone, named with its reason in /v1/consumers and /readyz, while the others deliver and
// reloads keep working; a reload that fails half-way — a new Redis nothing listens on, a new
// consumer whose sink refuses its settings — changes nothing anyone can see.

#include "eventually.hpp"
#include "redis_server.hpp"
#include "service_under_test.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr auto token_env = "EVENTROUTER_SUPERVISION_TEST_TOKEN";
constexpr auto token = "supervision-token";
const header_list admin_headers = {{"authorization", std::string("Bearer ") + token}};

std::string log_consumer(const std::string& name) {
  return R"({ "name": ")" + name + R"(", "topic": "lifecycle", "group_id": "g-)" + name +
         R"(", "sink": { "type": "log" } })";
}

// A consumer of a Redis stream at `redis_port`, where nothing listens: every poll fails, and it
// gives up quickly.
std::string unreachable_redis_consumer(const std::string& name) {
  return R"({ "name": ")" + name + R"(", "topic": "stream", "group_id": "g-)" + name + R"(",
              "sink": { "type": "log" }, "consecutive_errors_limit": 1, "restart_backoff_ms": [20, 50],
              "max_restarts": 1, "restart_window_ms": 60000 })";
}

// Memory topic `lifecycle` (xblock.published goes there) read by `consumers`; with
// `redis_port`, a Redis transport there and a topic `stream` on it.
std::string config_with(const std::string& consumers, std::uint16_t redis_port = 0) {
  std::string redis = redis_port == 0 ? "" : R"("transports": { "redis": { "url": "redis://127.0.0.1:)" +
                                               std::to_string(redis_port) + R"(", "connect_timeout_ms": 300,
                                               "reconnect_backoff_ms": [50, 100] } },)";
  std::string stream = redis_port == 0 ? "" : R"(, "stream": { "transport": "redis" })";
  return R"({
    "http": { "listen": "127.0.0.1:0" },
    "admin": { "token_env": ")" + std::string(token_env) + R"(" },
    "reload": { "watch_file": false },
    )" + redis + R"(
    "topics": { "lifecycle": {})" + stream + R"( },
    "producer_config": {
      "org.openedx.content_authoring.xblock.published.v1": {
        "lifecycle": { "event_key_field": "xblock_info.usage_key" }
      }
    },
    "consumers": [ )" + consumers + R"( ]
  })";
}

class supervision : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { setenv(token_env, token, 1); }

  http_reply reload(service_under_test& service, const std::string& file, const std::string& text) {
    write_temp(file, text);
    return http_request(service.port(), "POST", "/admin/reload", admin_headers);
  }

  static std::uint64_t generation(service_under_test& service) {
    return json::parse(service.get("/v1/routes").body).at("generation").to_number<std::uint64_t>();
  }
};

TEST_F(supervision, a_consumer_that_cannot_be_built_fails_alone_with_its_reason_and_reloads_keep_working) {
  auto port = free_port();
  auto consumers = log_consumer("good") + "," + unreachable_redis_consumer("unreachable");
  service_under_test service{config_with(consumers, port), "supervision.json"};

  auto ids = post_events(service, "good-", 10);
  ASSERT_EQ(ids.size(), 10u);
  EXPECT_EQ(await_all({&service}, ids, 10s, "good"), std::vector<std::string>{});

  ASSERT_TRUE(eventually([&] { return service.consumer("unreachable").at("state") == "failed"; }, 20s))
    << json::serialize(service.consumers());
  std::string reason(service.consumer("unreachable").at("last_error").as_string());
  EXPECT_NE(reason.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << reason;
  EXPECT_EQ(service.consumer("good").at("state"), "running");

  auto ready = service.get("/readyz");
  EXPECT_EQ(ready.status, 503u);
  EXPECT_NE(ready.body.find("consumer 'unreachable' failed"), std::string::npos) << ready.body;
  EXPECT_NE(ready.body.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << ready.body;
  EXPECT_NE(service.process().stderr_text().find("\"consumer\":\"unreachable\""), std::string::npos);

  // The supervisor is alive: a reload starts a consumer and the failed one goes on failing alone.
  auto reply = reload(service, "supervision.json", config_with(consumers + "," + log_consumer("added"), port));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(json::parse(reply.body).at("generation").to_number<std::uint64_t>(), 2u);
  auto after = post_events(service, "after-", 10);
  EXPECT_EQ(await_all({&service}, after, 10s, "added"), std::vector<std::string>{});
  EXPECT_EQ(await_all({&service}, after, 10s, "good"), std::vector<std::string>{});
  EXPECT_EQ(service.consumer("unreachable").at("state"), "failed");
}

// What a reload must leave as it was when it fails: generation, routes, consumers, delivery.
struct observed {
  std::uint64_t generation;
  std::string routes;
  std::size_t consumers;
};

observed observe(service_under_test& service) {
  auto routes = json::parse(service.get("/v1/routes").body).as_object();
  return {routes.at("generation").to_number<std::uint64_t>(), json::serialize(routes.at("routes")),
          service.consumers().size()};
}

void expect_unchanged(service_under_test& service, const observed& before, const std::string& prefix) {
  auto now = observe(service);
  EXPECT_EQ(now.generation, before.generation);
  EXPECT_EQ(now.routes, before.routes);
  EXPECT_EQ(now.consumers, before.consumers);
  EXPECT_EQ(service.get("/readyz").status, 200u);
  auto ids = post_events(service, prefix, 10);
  ASSERT_EQ(ids.size(), 10u);
  EXPECT_EQ(await_all({&service}, ids, 10s, "reader"), std::vector<std::string>{});
}

TEST_F(supervision, a_reload_to_a_redis_nothing_listens_on_fails_and_changes_nothing) {
  service_under_test service{config_with(log_consumer("reader")), "supervision-redis.json"};
  auto before = observe(service);

  auto port = free_port();
  auto reply = reload(service, "supervision-redis.json",
                      config_with(log_consumer("reader") + "," + unreachable_redis_consumer("on-redis"), port));
  ASSERT_EQ(reply.status, 500u) << reply.body;
  auto body = json::parse(reply.body).as_object();
  EXPECT_EQ(body.at("result"), "failed");
  EXPECT_EQ(body.at("kind"), "broker_unreachable");
  EXPECT_EQ(body.at("generation").to_number<std::uint64_t>(), before.generation);
  EXPECT_NE(json::serialize(body.at("details")).find("127.0.0.1:" + std::to_string(port)), std::string::npos)
    << reply.body;
  auto latest = json::parse(service.get("/v1/reloads").body).at("reloads").as_array().at(0).as_object();
  EXPECT_EQ(latest.at("result"), "failed");
  EXPECT_EQ(latest.at("kind"), "broker_unreachable");
  expect_unchanged(service, before, "after-redis-");
}

TEST_F(supervision, a_reload_with_a_consumer_whose_sink_refuses_its_settings_changes_nothing) {
  service_under_test service{config_with(log_consumer("reader")), "supervision-sink.json"};
  auto before = observe(service);

  // A webhook URL without a host: refused by the loader (422) or, failing that, by the sink (500).
  auto hostless = R"({ "name": "hostless", "topic": "lifecycle", "group_id": "g-hostless",
                       "sink": { "type": "http", "url": "http://:80/x" } })";
  auto reply = reload(service, "supervision-sink.json", config_with(log_consumer("reader") + "," + hostless));
  EXPECT_TRUE(reply.status == 422u || reply.status == 500u) << reply.status << " " << reply.body;
  auto body = json::parse(reply.body).as_object();
  EXPECT_NE(body.at("result"), "ok");
  EXPECT_EQ(body.at("generation").to_number<std::uint64_t>(), before.generation);
  if (reply.status == 500u) {
    EXPECT_EQ(body.at("kind"), "not_built") << reply.body;
  }
  expect_unchanged(service, before, "after-sink-");
}

}  // namespace
}  // namespace eventrouter::testing
