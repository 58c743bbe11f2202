// The operator's commands `eventrouter routes` (a dry run of the routing table) and
// `eventrouter produce` (one event to the real topics), run as an operator runs them: what they
// print and their exit codes; for produce, what a real redis-server holds afterwards.

#include "redis_server.hpp"
#include "service_under_test.hpp"
#include "text_lines.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

const std::string example_config = EVENTROUTER_SOURCE_DIR "/config/examples/local.json";
constexpr auto deleted_type = "org.openedx.content_authoring.xblock.deleted.v1";

using run_result = finished_command;

// Runs the binary to its end.
run_result run(const std::vector<std::string>& args) { return run_to_end(EVENTROUTER_BINARY, args); }

// The line of `text` that contains `part`; empty when none does.
std::string line_with(const std::string& text, const std::string& part) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (contains(line, part))
      return line;
  return "";
}

// xblock.published to two memory topics, one of its routes disabled.
std::string config_with_a_disabled_route() {
  return write_temp("cli-disabled.json", R"({
    "topic_prefix": "cli",
    "producer_config": { "org.openedx.content_authoring.xblock.published.v1": {
      "xblock-lifecycle": { "event_key_field": "xblock_info.usage_key" },
      "xblock-archive": { "event_key_field": "xblock_info.block_id", "enabled": false } } } })");
}

std::string redis_config(const redis_server& redis) {
  return write_temp("cli-redis.json", R"({
    "topic_prefix": "cli",
    "default_transport": "redis",
    "transports": { "redis": { "url": ")" + redis.url() + R"(", "connect_timeout_ms": 1000 } },
    "producer_config": { "org.openedx.content_authoring.xblock.published.v1": {
      "xblock-lifecycle": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": [ { "name": "lifecycle-log", "topic": "xblock-lifecycle", "group_id": "g",
                     "sink": { "type": "log" } } ] })");
}

// --- routes -------------------------------------------------------------------------------

TEST(cli_routes, lists_every_event_type_of_the_example_with_its_topics) {
  auto r = run({"routes", "--config", example_config});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  for (auto type : {xblock_published_type, deleted_type, "org.openedx.learning.course.enrollment.created.v1"})
    EXPECT_TRUE(contains(r.out, std::string(type) + "\n")) << "no heading for " << type << "\n" << describe(r);
  auto row = line_with(r.out, "dev-learning-course-enrollment-lifecycle");
  EXPECT_TRUE(contains(row, "learning-course-enrollment-lifecycle ")) << row;
  EXPECT_TRUE(contains(row, "memory")) << row;
  EXPECT_TRUE(contains(row, "enrollment.course.course_key")) << row;
  EXPECT_TRUE(contains(row, "yes")) << row;
}

TEST(cli_routes, json_is_one_document_with_every_route) {
  auto r = run({"routes", "--config", example_config, "--json"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto doc = json::parse(r.out).as_object();
  EXPECT_EQ(doc.at("topic_prefix").as_string(), "dev");
  const auto& routes = doc.at("routes").as_array();
  ASSERT_EQ(routes.size(), 4u) << r.out;
  EXPECT_EQ(routes[0].as_object(), (json::object{{"event_type", xblock_published_type},
                                                 {"topic", "content-authoring-xblock-lifecycle"},
                                                 {"full_topic", "dev-content-authoring-xblock-lifecycle"},
                                                 {"transport", "memory"},
                                                 {"format", "json"},
                                                 {"event_key_field", "xblock_info.usage_key"},
                                                 {"enabled", true}}));
}

TEST(cli_routes, a_type_shows_its_disabled_route_and_the_key_each_route_extracts) {
  auto config = config_with_a_disabled_route();
  auto r = run({"routes", "--config", config, "--type", xblock_published_type, "--data",
                R"({"xblock_info": {"usage_key": "block-v1:x", "block_id": "b-7"}})"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "2 routes, 1 enabled")) << r.out;
  auto enabled = line_with(r.out, "cli-xblock-lifecycle");
  EXPECT_TRUE(contains(enabled, " yes ")) << enabled;
  EXPECT_TRUE(contains(enabled, "block-v1:x")) << enabled;
  auto disabled = line_with(r.out, "cli-xblock-archive");
  EXPECT_TRUE(contains(disabled, " no ")) << disabled;
  EXPECT_TRUE(contains(disabled, "b-7")) << "a disabled route still shows what its key would be: " << disabled;
  EXPECT_TRUE(contains(r.out, "would publish this event to 1 topic")) << r.out;
}

TEST(cli_routes, a_disabled_route_that_cannot_take_the_event_does_not_refuse_it) {
  auto config = config_with_a_disabled_route();
  auto r = run({"routes", "--config", config, "--type", xblock_published_type, "--data",
                R"({"xblock_info": {"usage_key": "block-v1:x"}})", "--json"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto doc = json::parse(r.out).as_object();
  EXPECT_EQ(doc.at("routed"), true);
  const auto& archive = doc.at("routes").as_array()[1].as_object();
  EXPECT_EQ(archive.at("enabled"), false);
  EXPECT_EQ(archive.at("key"), nullptr);
  EXPECT_EQ(archive.at("problem").as_string(), "key field 'xblock_info.block_id': data.xblock_info has no 'block_id'");
}

TEST(cli_routes, data_missing_the_key_exits_1_naming_the_missing_step) {
  auto r = run({"routes", "--config", example_config, "--type", deleted_type, "--data",
                R"({"xblock_info": {"block_type": "html"}})"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(contains(r.out, "content-authoring-xblock-lifecycle: key field 'xblock_info.usage_key': "
                              "data.xblock_info has no 'usage_key'"))
    << r.out;
  EXPECT_TRUE(contains(r.out, "the router would refuse this event")) << r.out;
}

TEST(cli_routes, an_unknown_type_exits_1_and_lists_the_close_matches) {
  auto r = run({"routes", "--config", example_config, "--type", "org.openedx.content_authoring.xblock.publish.v1"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(contains(r.err, "unknown event type 'org.openedx.content_authoring.xblock.publish.v1'")) << r.err;
  EXPECT_TRUE(contains(r.err, "close matches:\n  " + std::string(xblock_published_type) + "\n  " + deleted_type))
    << r.err;
  EXPECT_FALSE(contains(r.err, "enrollment")) << "a type of another subdomain is not close: " << r.err;

  auto as_json = run({"routes", "--config", example_config, "--type", "org.openedx.nothing.v1", "--json"});
  EXPECT_EQ(as_json.exit_code, 1) << describe(as_json);
  EXPECT_EQ(json::parse(as_json.out).at("known"), false) << as_json.out;
}

// A Kafka topic in openedx format normally needs the schema registry: the dry run does not ask
// it (here it does not even exist) and still checks the data against the schema.
TEST(cli_routes, openedx_topics_are_checked_against_their_schema_without_a_registry) {
  auto folder = std::filesystem::path(write_temp("cli-schemas.keep", "")).parent_path() / "cli-schemas";
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "org.example.thing.v1.avsc") << R"({"name": "CloudEvent", "type": "record",
    "namespace": "org.example.thing.v1", "fields": [{"name": "id", "type": "string"}]})";
  auto config = write_temp("cli-openedx.json", R"({
    "schemas": { "directory": ")" + folder.string() + R"(" },
    "transports": { "kafka": { "bootstrap_servers": "127.0.0.1:1",
                               "schema_registry_url": "http://127.0.0.1:)" + std::to_string(free_port()) + R"(" } },
    "topics": { "things": { "transport": "kafka", "format": "openedx" } },
    "producer_config": { "org.example.thing.v1": { "things": { "event_key_field": "id" } } } })");

  auto fits = run({"routes", "--config", config, "--type", "org.example.thing.v1", "--data", R"({"id": "t-1"})"});
  ASSERT_EQ(fits.exit_code, 0) << describe(fits);
  auto row = line_with(fits.out, "things ");
  EXPECT_TRUE(contains(row, "kafka")) << row;
  EXPECT_TRUE(contains(row, "openedx")) << row;
  EXPECT_TRUE(contains(row, "t-1")) << row;
  EXPECT_TRUE(contains(row, "fits")) << row;
  EXPECT_TRUE(contains(fits.out, "schema registry ids are not resolved in a dry run")) << fits.out;

  auto mismatch = run({"routes", "--config", config, "--type", "org.example.thing.v1", "--data", R"({"id": 5})"});
  EXPECT_EQ(mismatch.exit_code, 1) << describe(mismatch);
  EXPECT_TRUE(contains(line_with(mismatch.out, "things "), "does not fit")) << mismatch.out;
  EXPECT_TRUE(contains(mismatch.out, "data does not fit the schema of org.example.thing.v1")) << mismatch.out;
}

// --- produce ------------------------------------------------------------------------------

TEST(cli_produce, an_event_reaches_the_redis_stream_with_the_given_id_and_key) {
  redis_server redis;
  auto r = run({"produce", "--config", redis_config(redis), "--type", xblock_published_type, "--id", "cli-1",
                "--data", R"({"xblock_info": {"usage_key": "block-v1:x", "block_type": "html"}})"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "event cli-1 (" + std::string(xblock_published_type))) << r.out;
  auto row = line_with(r.out, "cli-xblock-lifecycle");
  EXPECT_TRUE(contains(row, "redis")) << row;
  EXPECT_TRUE(contains(row, "block-v1:x")) << row;

  // Confirmed means written: the entry is there as soon as the command exits.
  auto entry = redis.cli({"XRANGE", "cli-xblock-lifecycle", "-", "+"});
  EXPECT_TRUE(contains(entry, "id\ncli-1\n")) << entry;
  auto stream_id = entry.substr(0, entry.find('\n'));
  EXPECT_TRUE(contains(row, " " + stream_id)) << "the entry's id is shown: " << row;
  EXPECT_TRUE(contains(entry, "source\neventrouter/cli\n")) << entry;
  EXPECT_TRUE(contains(entry, R"({"xblock_info":{"usage_key":"block-v1:x","block_type":"html"}})")) << entry;
  EXPECT_EQ(redis.cli({"XLEN", "cli-xblock-lifecycle"}), "1");
}

TEST(cli_produce, data_missing_the_key_exits_1_and_writes_nothing) {
  redis_server redis;
  auto r = run({"produce", "--config", redis_config(redis), "--type", xblock_published_type, "--data",
                R"({"xblock_info": {"block_type": "html"}})"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(contains(r.err, "was not published")) << r.err;
  EXPECT_TRUE(contains(r.err, "key field 'xblock_info.usage_key': data.xblock_info has no 'usage_key'")) << r.err;
  EXPECT_EQ(redis.cli({"EXISTS", "cli-xblock-lifecycle"}), "0");
}

TEST(cli_produce, a_redis_that_is_down_exits_1_naming_the_topic) {
  redis_server redis;
  auto config = redis_config(redis);
  redis.stop();
  auto r = run({"produce", "--config", config, "--type", xblock_published_type, "--data",
                R"({"xblock_info": {"usage_key": "block-v1:x"}})"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(contains(r.err, "was not confirmed by every topic")) << r.err;
  EXPECT_TRUE(contains(r.err, "topic 'cli-xblock-lifecycle'")) << r.err;
}

TEST(cli_produce, a_memory_topic_is_said_to_live_only_in_this_process) {
  auto r = run({"produce", "--config", example_config, "--type", deleted_type, "--data",
                R"({"xblock_info": {"usage_key": "block-v1:x"}})", "--time", "2024-05-01T02:00:00+02:00"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "time 2024-05-01T00:00:00.000000+00:00")) << "written in UTC, as Open edX expects: "
                                                                        << r.out;
  EXPECT_TRUE(contains(r.out, "not visible to a running service")) << r.out;
}

TEST(cli_produce, usage_errors_exit_2) {
  EXPECT_EQ(run({"produce", "--config", example_config, "--type", deleted_type}).exit_code, 2);
  auto bad_time = run({"produce", "--config", example_config, "--type", deleted_type, "--data", "{}", "--time",
                       "yesterday"});
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_TRUE(contains(bad_time.err, "attribute 'time' is \"yesterday\"")) << bad_time.err;
  EXPECT_EQ(run({"routes", "--config", example_config, "--data", "{}"}).exit_code, 2) << "--data without --type";
}

TEST(cli_help, each_command_explains_itself_with_an_example) {
  for (std::string command : {"routes", "produce"}) {
    auto r = run({command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << command << "\n" << describe(r);
    EXPECT_TRUE(contains(r.out, "usage: eventrouter " + command)) << r.out;
    EXPECT_TRUE(contains(r.out, "exit codes:")) << r.out;
    EXPECT_TRUE(contains(r.out, "\n  eventrouter " + command + " --config ")) << "no example:\n" << r.out;
  }
}

}  // namespace
}  // namespace eventrouter::testing
