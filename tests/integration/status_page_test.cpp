// The status page on the real binary: GET / is one self-contained HTML page, never cached;
// GET /v1/reloads lists the start-up and every reload, newest first; and in headless Chromium
// the page's script fills the consumers, routes, topics and reloads tables from the service,
// inserting names as text, never as markup. A screenshot is left in the build's Testing folder.
// Chromium missing fails these tests: scripts/install-deps installs it.

#include "eventually.hpp"
#include "headless_chromium.hpp"
#include "service_under_test.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <csignal>
#include <fstream>
#include <iostream>

namespace eventrouter::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// A consumer name with markup in it: the page must show it as text.
constexpr auto markup_name = R"(<b id="injected">bold</b>)";

std::string config(bool valid = true) {
  return std::string(R"({
    "http": { "listen": "127.0.0.1:0" },
    "topic_prefix": "status",
    "producer_config": {
      "org.openedx.content_authoring.xblock.published.v1": {
        "xblock-lifecycle": { "event_key_field": "xblock_info.usage_key" },
        "xblock-archive": { "event_key_field": "xblock_info.usage_key", "enabled": false }
      }
    },
    "consumers": [
      { "name": "lifecycle-log", "topic": "xblock-lifecycle", "group_id": "g-lifecycle", "sink": { "type": "log" } },
      { "name": "audit-log", "topic": "xblock-lifecycle", "group_id": "g-audit", "sink": { "type": "log" } },
      { "name": )") + json::serialize(json::string(markup_name)) +
         R"(, "topic": "xblock-archive", "group_id": "g-markup", "sink": { "type": "log" } }
    ])" + (valid ? "" : R"(, "unknown_key": 1)") + "\n}";
}

constexpr auto config_file = "status-page.json";
constexpr int events = 12;

// The HTML of the element `<tag id="id" ...>...</tag>` (not nested in its own kind), or "".
std::string element(const std::string& html, const std::string& tag, const std::string& id) {
  auto start = html.find("<" + tag + " id=\"" + id + "\"");
  if (start == std::string::npos)
    return {};
  auto end = html.find("</" + tag + ">", start);
  return end == std::string::npos ? std::string{} : html.substr(start, end - start);
}

// The row of `table` that has a cell whose whole text is `text`, or "".
std::string row_with(const std::string& table, const std::string& text) {
  auto at = table.find(">" + text + "</td>");
  if (at == std::string::npos)
    return {};
  auto start = table.rfind("<tr", at);
  auto end = table.find("</tr>", at);
  return start == std::string::npos || end == std::string::npos ? std::string{} : table.substr(start, end - start);
}

class status_page : public ::testing::Test {
 protected:
  service_under_test service{config(), config_file};

  std::string url() const { return "http://127.0.0.1:" + std::to_string(service.port()) + "/"; }

  json::array reloads() { return json::parse(service.get("/v1/reloads").body).at("reloads").as_array(); }

  // Sends SIGHUP and waits until the reload is listed.
  json::object reload_by_sighup() {
    auto before = reloads().size();
    service.process().signal(SIGHUP);
    json::array now;
    EXPECT_TRUE(eventually([&] { return (now = reloads()).size() > before; }, 10s)) << "no reload listed";
    return now.empty() ? json::object{} : now.at(0).as_object();
  }

  // Posts events and waits until both consumers of the lifecycle topic delivered them all.
  void deliver_events() {
    ASSERT_EQ(post_events(service, "st-", events).size(), std::size_t(events));
    for (const auto* name : {"lifecycle-log", "audit-log"})
      ASSERT_TRUE(eventually([&] { return service.consumer(name).at("delivered").to_number<int>() == events; }, 10s))
        << name << " did not deliver every event";
  }
};

TEST_F(status_page, is_one_self_contained_html_page_that_is_never_cached) {
  auto reply = service.get("/");
  ASSERT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(reply.headers["cache-control"], "no-store");
  EXPECT_NE(reply.headers["content-security-policy"].find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(reply.body.rfind("<!doctype html>", 0), 0u);
  // No asset from elsewhere: no URL, no external script or style sheet.
  for (const auto* external : {"http://", "https://", "//cdn", "<script src", "rel=\"stylesheet\"", "@import"})
    EXPECT_EQ(reply.body.find(external), std::string::npos) << external;
  // Data goes into the page as text only.
  EXPECT_EQ(reply.body.find("innerHTML"), std::string::npos);
}

TEST_F(status_page, v1_reloads_lists_the_start_up_and_each_reload_newest_first) {
  auto start = reloads();
  ASSERT_EQ(start.size(), 1u);
  EXPECT_EQ(start.at(0).at("trigger"), "start-up");
  EXPECT_EQ(start.at(0).at("result"), "ok");
  EXPECT_EQ(start.at(0).at("generation"), 1);

  auto applied = reload_by_sighup();
  EXPECT_EQ(applied["trigger"], "SIGHUP");
  EXPECT_EQ(applied["result"], "ok");
  EXPECT_EQ(applied["generation"], 2);
  EXPECT_EQ(applied["changes"], "nothing changed");

  write_temp(config_file, config(false));
  auto refused = reload_by_sighup();
  EXPECT_EQ(refused["result"], "invalid");
  EXPECT_EQ(refused["generation"], 2);
  ASSERT_TRUE(refused["details"].is_array());
  EXPECT_NE(json::serialize(refused["details"]).find("unknown_key"), std::string::npos) << refused;
  EXPECT_FALSE(refused.contains("changes"));

  auto all = json::parse(service.get("/v1/reloads").body).as_object();
  EXPECT_EQ(all.at("generation"), 2);
  ASSERT_EQ(all.at("reloads").as_array().size(), 3u);
  EXPECT_EQ(all.at("reloads").as_array().at(2).at("trigger"), "start-up");
  EXPECT_TRUE(all.at("reloads").as_array().at(0).at("time").as_string().ends_with("+00:00"));
}

TEST_F(status_page, in_headless_chromium_shows_the_consumers_routes_topics_and_reloads) {
  deliver_events();
  reload_by_sighup();  // generation 2
  auto dom = dump_dom(url());

  EXPECT_EQ(element(dom, "strong", "generation"), R"(<strong id="generation">2)") << dom;
  EXPECT_EQ(element(dom, "span", "problem"), R"(<span id="problem" role="alert">)") << "the page could not refresh";

  auto consumers = element(dom, "table", "consumers");
  for (const auto* name : {"lifecycle-log", "audit-log"}) {
    auto row = row_with(consumers, name);
    ASSERT_FALSE(row.empty()) << "no row for " << name << " in\n" << consumers;
    EXPECT_NE(row.find(">running</td>"), std::string::npos) << row;
    EXPECT_NE(row.find(">" + std::to_string(events) + "</td>"), std::string::npos) << "delivered: " << row;
  }
  // The markup in a name is shown as text: escaped in the DOM, no element made of it.
  EXPECT_FALSE(row_with(consumers, R"(&lt;b id="injected"&gt;bold&lt;/b&gt;)").empty()) << consumers;
  EXPECT_EQ(dom.find(R"(<b id="injected">)"), std::string::npos);

  auto routes = element(dom, "table", "routes");
  EXPECT_NE(row_with(routes, "status-xblock-lifecycle").find(">yes</td>"), std::string::npos) << routes;
  EXPECT_NE(row_with(routes, "status-xblock-archive").find(">no</td>"), std::string::npos) << routes;
  EXPECT_NE(row_with(element(dom, "table", "topics"), "status-xblock-lifecycle").find("audit-log"), std::string::npos);

  auto reload_rows = element(dom, "table", "reloads");
  EXPECT_NE(row_with(reload_rows, "SIGHUP").find(">nothing changed</td>"), std::string::npos) << reload_rows;
  EXPECT_FALSE(row_with(reload_rows, "start-up").empty()) << reload_rows;
}

TEST_F(status_page, in_headless_chromium_renders_to_a_screenshot) {
  deliver_events();
  auto png = test_output_file("status-page.png");
  std::filesystem::remove(png);
  screenshot(url(), png);

  std::cout << "status page screenshot: " << png.string() << std::endl;
  RecordProperty("screenshot", png.string());
  ASSERT_TRUE(std::filesystem::exists(png)) << png;
  EXPECT_GT(std::filesystem::file_size(png), 10000u) << "a blank page?";
  std::ifstream in(png, std::ios::binary);
  std::string signature(8, '\0');
  in.read(signature.data(), 8);
  EXPECT_EQ(signature, "\x89PNG\r\n\x1a\n");
}

}  // namespace
}  // namespace eventrouter::testing
