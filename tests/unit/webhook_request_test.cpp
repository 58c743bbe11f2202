// A webhook request's bytes, read back by Beast's parser as a receiver would: binary mode's
// attributes and body, batch mode's array, the fixed headers, and the configured headers
// winning over any other of the same name.

#include "config/url.hpp"
#include "transports/webhook_request.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json.hpp>

#include <array>
#include <memory>
#include <string>
#include <variant>

namespace eventrouter::http {
namespace {

namespace bhttp = boost::beast::http;

config::sink_settings sink_for(const std::string& url, std::vector<std::pair<std::string, std::string>> headers = {}) {
  config::sink_settings sink;
  sink.type = config::sink_kind::http;
  sink.url = std::get<config::url>(config::parse_url(url, "http"));
  sink.headers = std::move(headers);
  return sink;
}

bhttp::request<bhttp::string_body> read_back(const std::string& bytes) {
  bhttp::request_parser<bhttp::string_body> parser;
  boost::beast::error_code ec;
  parser.eager(true);
  auto used = parser.put(boost::asio::buffer(bytes), ec);
  EXPECT_FALSE(ec) << ec.message() << "\n" << bytes;
  EXPECT_TRUE(parser.is_done()) << bytes;
  EXPECT_EQ(used, bytes.size()) << "bytes past the request";
  return parser.release();
}

keyed_event sample(std::string key) {
  auto ev = std::make_shared<event>();
  ev->id = "id-1";
  ev->type = "org.openedx.x.v1";
  ev->source = "openedx/cms/web";
  ev->time = "2023-06-09T14:12:45Z";
  ev->data = boost::json::object{{"k", "v"}};
  ev->extensions = {{"tenant", "caf\xc3\xa9 \"x\""}, {"trace", "t-1"}};
  return {ev, std::move(key)};
}

TEST(webhook_request, binary_mode_carries_the_attributes_in_headers_and_the_data_as_body) {
  webhook_request_writer writer(sink_for("http://user:p%40ss@hooks.example:8081/in"));
  auto req = read_back(writer.binary(sample("block-v1:k")));
  EXPECT_EQ(req.method(), bhttp::verb::post);
  EXPECT_EQ(req.target(), "/in");
  EXPECT_EQ(req[bhttp::field::host], "hooks.example:8081");
  EXPECT_EQ(req[bhttp::field::authorization], "Basic dXNlcjpwQHNz");
  EXPECT_EQ(req[bhttp::field::content_type], "application/json");
  EXPECT_EQ(req[bhttp::field::user_agent], "eventrouter");
  EXPECT_EQ(req["ce-id"], "id-1");
  EXPECT_EQ(req["ce-specversion"], "1.0");
  EXPECT_EQ(req["ce-tenant"], "caf%C3%A9 %22x%22");  // percent-encoded as the binding says
  EXPECT_EQ(req["ce-partitionkey"], "block-v1:k");
  EXPECT_EQ(req.count("ce-sourcehost"), 0u) << "an empty attribute is not sent";
  EXPECT_TRUE(req.keep_alive());
  EXPECT_EQ(boost::json::parse(req.body()), boost::json::parse(R"({"k":"v"})"));
}

TEST(webhook_request, configured_headers_win_over_any_other_of_the_same_name) {
  webhook_request_writer writer(
    sink_for("http://hooks.example/in", {{"User-Agent", "mine"}, {"CE-Trace", "fixed"}, {"content-length", "1"}}));
  auto req = read_back(writer.binary(sample("")));
  EXPECT_EQ(req[bhttp::field::user_agent], "mine");
  EXPECT_EQ(req.count(bhttp::field::user_agent), 1u);
  EXPECT_EQ(req["ce-trace"], "fixed");
  EXPECT_EQ(req.count("ce-trace"), 1u);
  EXPECT_EQ(req[bhttp::field::host], "hooks.example") << "port 80 is not in Host";
  EXPECT_EQ(req.count("ce-partitionkey"), 0u) << "no key, no partitionkey";
  EXPECT_EQ(req.body(), R"({"k":"v"})") << "Content-Length is the writer's";
}

TEST(webhook_request, batch_mode_is_a_json_array_of_the_events_texts) {
  webhook_request_writer writer(sink_for("http://hooks.example/in", {{"x-tenant", "t"}}));
  std::array<std::string, 2> texts{R"({"id":"a"})", R"({"id":"b"})"};
  auto req = read_back(writer.batch(texts, [](const std::string& t) -> const std::string& { return t; }));
  EXPECT_EQ(req[bhttp::field::content_type], "application/cloudevents-batch+json");
  EXPECT_EQ(req["x-tenant"], "t");
  EXPECT_EQ(req.count("ce-id"), 0u);
  EXPECT_EQ(req.body(), R"([{"id":"a"},{"id":"b"}])");
  EXPECT_EQ(req.body().size(), webhook_request_writer::batch_body_bytes(2, texts[0].size() + texts[1].size()));
}

}  // namespace
}  // namespace eventrouter::http
