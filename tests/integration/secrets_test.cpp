// Security basics on the real binary: the admin endpoint takes only its token, and no secret of
// the configuration — the admin token, the Redis password, Kafka's SASL password, the schema
// registry's basic auth — ever shows on stderr, stdout, an endpoint or the status page, even
// while the brokers it names are down and every error quotes where it tried to connect.

#include "eventually.hpp"
#include "redis_server.hpp"
#include "service_under_test.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr auto token_env = "EVENTROUTER_SECRETS_TEST_TOKEN";
constexpr auto admin_token = "admin-token-7f3a9c";
constexpr auto redis_password = "redis-pass-51bd0e";
constexpr auto sasl_password = "sasl-pass-c2e84d";
constexpr auto registry_password = "registry-pass-9a61f7";
const std::vector<std::string> secrets = {admin_token, redis_password, sasl_password, registry_password};

// Every secret written into the file itself (the hardest case: no ${ENV} indirection), a Redis
// and a Kafka topic each with a consumer, and brokers that are not there. With `schemas` (a
// folder holding org.example.thing.v1.avsc), also a Kafka topic in openedx format, whose schema
// is registered with the registry at start.
std::string config_with_secrets(const std::string& redis_port, const std::string& schemas = "") {
  auto kafka = "127.0.0.1:" + std::to_string(free_port());
  auto registry = "http://127.0.0.1:" + std::to_string(free_port());
  return R"({
    "http": { "listen": "127.0.0.1:0" },
    "reload": { "watch_file": false },
    "admin": { "token_env": ")" + std::string(token_env) + R"(" },
    "transports": {
      "redis": { "url": "redis://operator:)" + redis_password + "@127.0.0.1:" + redis_port + R"(/0",
                 "reconnect_backoff_ms": [20, 100] },
      "kafka": { "bootstrap_servers": ")" + kafka + R"(",
                 "properties": { "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "PLAIN",
                                 "sasl.username": "router", "sasl.password": ")" + sasl_password + R"(",
                                 "reconnect.backoff.ms": "20", "message.timeout.ms": "1000",
                                 "debug": "security,broker" },
                 "schema_registry_url": ")" + registry + R"(",
                 "schema_registry_basic_auth": "router:)" + registry_password + R"(" }
    },
    "topics": { "on-redis": { "transport": "redis" }, "on-kafka": { "transport": "kafka" },
                "things": { "transport": "kafka", "format": ")" + (schemas.empty() ? "json" : "openedx") + R"(" } },
    )" + (schemas.empty() ? "" : R"("schemas": { "directory": ")" + schemas + R"(" },)") + R"(
    "producer_config": {
      "org.example.thing.v1": { "things": { "event_key_field": "id" } },
      ")" + std::string(xblock_published_type) + R"(": {
      "on-redis": { "event_key_field": "xblock_info.usage_key" },
      "on-kafka": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [
      { "name": "redis-log", "topic": "on-redis", "group_id": "g", "sink": { "type": "log" },
        "consecutive_errors_limit": 2, "restart_backoff_ms": [20, 100] },
      { "name": "kafka-log", "topic": "on-kafka", "group_id": "g", "sink": { "type": "log" },
        "consecutive_errors_limit": 2, "restart_backoff_ms": [20, 100] }
    ]
  })";
}

// The secrets `text` shows, for a failure message.
std::vector<std::string> shown_secrets(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& s : secrets)
    if (text.find(s) != std::string::npos)
      out.push_back(s);
  return out;
}

class secrets_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { setenv(token_env, admin_token, 1); }
};

TEST_F(secrets_test, the_admin_call_refuses_a_missing_token_and_a_wrong_one_of_the_same_length) {
  service_under_test service{R"({ "http": { "listen": "127.0.0.1:0" }, "reload": { "watch_file": false },
                                  "admin": { "token_env": ")" + std::string(token_env) + R"(" } })",
                             "secrets-admin.json"};
  auto reload = [&](const header_list& headers) {
    return http_request(service.port(), "POST", "/admin/reload", headers).status;
  };
  std::string same_length(std::strlen(admin_token), 'x');
  std::string one_off = admin_token;
  one_off.back() = one_off.back() == '0' ? '1' : '0';
  EXPECT_EQ(reload({}), 401u);
  EXPECT_EQ(reload({{"authorization", "Bearer " + same_length}}), 401u);
  EXPECT_EQ(reload({{"authorization", "Bearer " + one_off}}), 401u);
  EXPECT_EQ(reload({{"authorization", "Bearer " + std::string(admin_token) + "x"}}), 401u);
  EXPECT_EQ(reload({{"authorization", "Bearer "}}), 401u);
  EXPECT_EQ(reload({{"authorization", std::string("Bearer ") + admin_token}}), 200u);
}

TEST_F(secrets_test, no_secret_shows_in_logs_endpoints_or_the_status_page_while_the_brokers_are_down) {
  service_under_test service{config_with_secrets(std::to_string(free_port())), "secrets.json", {"--log-level", "debug"}};
  // The Redis consumer fails to reach its server, and says where (Kafka's consumer just waits).
  EXPECT_TRUE(eventually([&] { return !service.consumer("redis-log").at("last_error").as_string().empty(); }, 20s))
    << json::serialize(service.consumers());
  std::string seen;
  auto post = service.post(structured_mode, json::serialize(xblock_published_event("s-1", "k")));
  seen += post.body;
  // A reload of a file whose Redis port is broken quotes its URL in the problem.
  write_temp("secrets.json", config_with_secrets("port"));
  auto reload = http_request(service.port(), "POST", "/admin/reload",
                             {{"authorization", std::string("Bearer ") + admin_token}});
  EXPECT_EQ(reload.status, 422u) << reload.body;
  EXPECT_NE(reload.body.find("redis://operator:***@"), std::string::npos) << reload.body;
  seen += reload.body;
  for (auto endpoint : {"/", "/healthz", "/readyz", "/v1/routes", "/v1/consumers", "/v1/reloads", "/metrics"}) {
    auto reply = service.get(endpoint);
    EXPECT_EQ(shown_secrets(reply.body), std::vector<std::string>{}) << endpoint << ":\n" << reply.body;
    seen += reply.body;
  }
  EXPECT_NE(seen.find("redis://operator:***@127.0.0.1:"), std::string::npos) << "the errors quote no URL:\n" << seen;
  auto err = service.process().stderr_text();
  EXPECT_NE(err.find("librdkafka"), std::string::npos) << "librdkafka said nothing:\n" << err;
  EXPECT_EQ(shown_secrets(err), std::vector<std::string>{}) << err;
  std::string out;
  for (const auto& line : service.process().stdout_lines())
    out += line + "\n";
  EXPECT_EQ(shown_secrets(out + seen), std::vector<std::string>{}) << out << seen;
}

// A Kafka topic in openedx format registers its schema at start: the registry is down, the start
// fails naming the registry, and neither its basic auth nor any other secret is in the message.
TEST_F(secrets_test, a_start_that_fails_on_the_schema_registry_shows_no_secret) {
  auto schema = write_temp("org.example.thing.v1.avsc", R"({"name": "CloudEvent", "type": "record",
    "namespace": "org.example.thing.v1", "fields": [{"name": "id", "type": "string"}]})");
  auto file = write_temp("secrets-registry.json", config_with_secrets(std::to_string(free_port()),
                                                                     std::filesystem::path(schema).parent_path().string()));
  auto checked = run_to_end(EVENTROUTER_BINARY, {"check-config", file}, 20s);
  EXPECT_EQ(checked.exit_code, 0) << checked.err;
  auto run = run_to_end(EVENTROUTER_BINARY, {"run", "--config", file, "--log-level", "debug"}, 30s);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("cannot start: schema registry"), std::string::npos) << run.err;
  EXPECT_EQ(shown_secrets(run.err + run.out + checked.err + checked.out), std::vector<std::string>{}) << run.err;
}

}  // namespace
}  // namespace eventrouter::testing
