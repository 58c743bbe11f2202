#include "binary_check.hpp"

#include "eventually.hpp"
#include "service_under_test.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <csignal>
#include <optional>

namespace eventrouter::testing {

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// One xblock.published event; the status it got, 0 when the service did not answer. A 503 is
// tried again for a while: with http.max_connections at 1, the connection of the request before
// may not be closed on the server's side yet.
unsigned post_one_event(service_under_test& svc) {
  auto event = json::serialize(xblock_published_event("property-event", "block-v1:property+1"));
  unsigned status = 0;
  eventually(
    [&] {
      try {
        status = http_request_within(10s, svc.port(), "POST", "/v1/events", structured_mode, event).status;
      } catch (const std::exception&) {
        status = 0;
      }
      return status != 503;
    },
    10s);
  return status;
}

std::optional<json::object> reloads_of(service_under_test& svc) {
  try {
    auto reply = http_request_within(5s, svc.port(), "GET", "/v1/reloads");
    if (reply.status == 200)
      return json::parse(reply.body).as_object();
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// The record of the reload SIGHUP asked for, once /v1/reloads lists it.
std::optional<json::object> sighup_record(service_under_test& svc) {
  std::optional<json::object> found;
  eventually(
    [&] {
      if (auto reloads = reloads_of(svc))
        for (const auto& r : reloads->at("reloads").as_array())
          if (r.at("trigger") == "SIGHUP")
            found = r.as_object();
      return found.has_value();
    },
    60s);  // a reload waits for consumers to finish their batch in hand
  return found;
}

std::vector<std::string> details_of(const json::object& record) {
  std::vector<std::string> out;
  if (const auto* details = record.if_contains("details"))
    for (const auto& d : details->as_array())
      out.emplace_back(d.as_string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string consumers_trouble(service_under_test& svc) {
  try {
    auto reply = http_request_within(5s, svc.port(), "GET", "/v1/consumers");
    return reply.status == 200 ? "" : "/v1/consumers answers " + std::to_string(reply.status) + ": " + reply.body;
  } catch (const std::exception& e) {
    return std::string("/v1/consumers does not answer: ") + e.what();
  }
}

// The base configuration, not reloading by itself: only the SIGHUP the check sends reloads it.
std::string without_watching(const std::string& base_text) {
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  auto base = json::parse(base_text, {}, options);
  auto& reload = base.as_object()["reload"];
  if (!reload.is_object())
    reload = json::object{};
  reload.as_object()["watch_file"] = false;
  return json::serialize(base);
}

}  // namespace

std::vector<std::string> run_serves(const std::string& text) {
  std::optional<service_under_test> svc;
  try {
    svc.emplace(text, "property-run.json");
  } catch (const std::exception& e) {
    return {std::string("run did not start: ") + e.what()};
  }
  std::vector<std::string> out;
  unsigned ready = 0;
  eventually(
    [&] {
      try {
        ready = http_request_within(5s, svc->port(), "GET", "/readyz").status;
      } catch (const std::exception&) {
      }
      return ready == 200;
    },
    10s);
  if (ready != 200)
    out.push_back("run started but /readyz answers " + std::to_string(ready) + "; " + consumers_trouble(*svc));
  // 400 is a configuration that does not route this event type (a mutation removed its route).
  if (auto status = post_one_event(*svc); status != 202 && status != 400)
    out.push_back("run answers POST /v1/events with " + std::to_string(status) + "\n" + svc->process().stderr_text());
  return out;
}

std::vector<std::string> run_refuses(const std::string& file, const verdict& check) {
  auto done = run_to_end(EVENTROUTER_BINARY, {"run", "--config", file}, 30s);
  if (done.exit_code == 0 || done.exit_code == -1)
    return {"run did not refuse it (exit " + std::to_string(done.exit_code) + ")\n" + done.err};
  if (auto problems = problems_in(done.err, file); problems != check.problems)
    return {"run refused it (exit " + std::to_string(done.exit_code) + ") naming other problems:\n" +
            listed(problems) + done.err};
  return {};
}

std::vector<std::string> reload_agrees(const std::string& text, const std::string& base_text, const verdict& check) {
  std::optional<service_under_test> svc;
  try {
    svc.emplace(without_watching(base_text), "property-reload.json");
  } catch (const std::exception& e) {
    return {std::string("the base configuration did not start: ") + e.what()};
  }
  auto before = reloads_of(*svc);
  if (!before)
    return {"/v1/reloads does not answer before the reload"};
  auto generation_before = before->at("generation").to_number<std::uint64_t>();
  write_temp("property-reload.json", text);
  svc->process().signal(SIGHUP);
  auto record = sighup_record(*svc);
  if (!record)
    return {"a reload by SIGHUP is not in /v1/reloads after 60 s\n" + svc->process().stderr_text()};
  auto after = reloads_of(*svc);
  auto generation_after = after ? after->at("generation").to_number<std::uint64_t>() : 0;
  std::vector<std::string> out;
  auto result = std::string(record->at("result").as_string());
  if (check.accepted()) {
    if (result != "ok" || generation_after != generation_before + 1)
      out.push_back("a reload to it was " + result + " (generation " + std::to_string(generation_before) + " -> " +
                    std::to_string(generation_after) + "): " + json::serialize(*record));
  } else {
    if (result != "invalid" || details_of(*record) != check.problems)
      out.push_back("a reload to it was " + result + " naming other problems:\n" + listed(details_of(*record)));
    if (generation_after != generation_before)
      out.push_back("a refused reload moved the generation from " + std::to_string(generation_before) + " to " +
                    std::to_string(generation_after));
    if (auto status = post_one_event(*svc); status != 202)
      out.push_back("after a refused reload POST /v1/events answers " + std::to_string(status));
  }
  if (auto trouble = consumers_trouble(*svc); !trouble.empty())
    out.push_back("after the reload " + trouble);
  return out;
}

}  // namespace eventrouter::testing
