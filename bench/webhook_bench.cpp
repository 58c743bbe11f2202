// webhook_bench: how fast a consumer delivers to a webhook, against the webhook's own ceiling.
//
// A local HTTP server (the tests' webhook harness) answers 200 at once. In the same run, for
// C = 1 and C = 8 connections:
//   wrk        wrk -t1 -cC POSTing a same-sized event body: C keep-alive connections, one
//              request at a time on each — what this server sustains for such a client
//   eventrouter events routed to a memory topic, delivered by one consumer's http sink with
//              sink.concurrency C (C connections; events of one key in order), until the
//              webhook has all
// and, once, batched:
//   batched    the same with sink.batch (max_events 100) and sink.concurrency 1000: CloudEvents
//              batch mode, up to 10 batches under way; events per second
// Latency for eventrouter is per event, from hand-over to the router until the webhook got it.
//
//   webhook_bench [--events N] [--runs R] [--seconds S]

#include "actors/messages.hpp"
#include "actors/service.hpp"
#include "config/loader.hpp"
#include "metrics/registry.hpp"
#include "router/cloudevents.hpp"

#include "service_process.hpp"
#include "webhook_server.hpp"

#include "bench_support.hpp"

#include <boost/json.hpp>

#include <caf/all.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace eventrouter;
using bench::event_json;
using bench::figures;
using bench::median;
using clock_type = std::chrono::steady_clock;

struct options {
  std::size_t events = 20000;
  std::size_t runs = 5;
  int seconds = 5;
};

// wrk's "Requests/sec: 12345.67" and its --latency "99%  1.23ms" lines.
figures run_wrk(const options& o, const std::string& body, std::size_t connections) {
  testing::webhook_server hook([](std::size_t) { return 200u; });
  auto script = std::filesystem::temp_directory_path() / "webhook_bench.lua";
  std::ofstream(script) << "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
                        << "wrk.body = [[" << body << "]]\n";
  auto out = testing::command_output("wrk -t1 -c" + std::to_string(connections) + " -d" + std::to_string(o.seconds) + "s --latency -s " + script.string() + " " +
                         hook.url() + " 2>&1");
  auto rate_at = out.find("Requests/sec:");
  if (rate_at == std::string::npos) {
    std::cerr << "webhook_bench: cannot read wrk's output:\n" << out << "\n";
    std::exit(1);
  }
  auto latency = [&](const char* label) {
    auto at = out.find(label);
    if (at == std::string::npos)
      return 0.0;
    std::size_t used = 0;
    auto value = std::stod(out.substr(at + std::strlen(label)), &used);
    auto unit = out.substr(at + std::strlen(label) + used, 2);
    return unit == "ms" ? value * 1000 : unit == "s\n" || unit[0] == 's' ? value * 1e6 : value;
  };
  return {std::stod(out.substr(rate_at + 13)), latency("50%"), latency("99%")};
}

constexpr const char* bench_config = R"({
  "http": { "listen": "127.0.0.1:0", "max_in_flight_events": 1000000 },
  "transports": { "memory": { "max_len": 10000000 } },
  "producer_config": { "org.openedx.content_authoring.xblock.published.v1": {
    "bench-topic": { "event_key_field": "xblock_info.usage_key" } } },
  "consumers": [ { "name": "hook", "topic": "bench-topic", "group_id": "hook", "batch_size": 500,
                   "sink": { "type": "http", "url": "URL", "concurrency": CONCURRENCY BATCH } } ]
})";

constexpr std::size_t batched_concurrency = 1000;
constexpr const char* batched = R"(, "batch": { "max_events": 100 })";

// The seq of each event a request carried: its body's, or each batch element's data's.
void each_seq(const http::request& request, const std::function<void(std::size_t)>& seen) {
  auto body = boost::json::parse(request.body);
  if (!body.is_array())
    return seen(body.at("seq").to_number<std::size_t>());
  for (const auto& ev : body.as_array())
    seen(ev.at("data").at("seq").to_number<std::size_t>());
}

figures run_eventrouter(const options& o, std::size_t concurrency, const std::string& batch = "") {
  testing::webhook_server hook([](std::size_t) { return 200u; });
  std::string text = bench_config;
  text.replace(text.find("URL"), 3, hook.url());
  text.replace(text.find("CONCURRENCY"), 11, std::to_string(concurrency));
  text.replace(text.find("BATCH"), 5, batch);
  auto loaded = config::parse_settings(text);
  if (!loaded.value) {
    for (const auto& p : loaded.problems)
      std::cerr << config::to_string(p) << "\n";
    std::exit(1);
  }
  metrics::registry metrics;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  service svc{sys, *loaded.value, metrics};
  std::vector<clock_type::time_point> sent(o.events);
  caf::scoped_actor self{sys};
  auto start = clock_type::now();
  for (std::size_t first = 0; first < o.events; first += 100) {
    auto batch = std::make_shared<std::vector<event_ptr>>();
    for (auto seq = first; seq < std::min(o.events, first + 100); ++seq)
      batch->push_back(std::get<std::vector<event_ptr>>(parse_structured(boost::json::serialize(event_json(seq))))[0]);
    auto now = clock_type::now();
    for (auto seq = first; seq < std::min(o.events, first + 100); ++seq)
      sent[seq] = now;
    self->send(svc.router(), route_atom::value, event_batch{batch});
  }
  if (!hook.await_events(o.events, std::chrono::minutes(5))) {
    std::cerr << "webhook_bench: the webhook got " << hook.events() << " of " << o.events << " events\n";
    std::exit(1);
  }
  auto seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  auto requests = hook.requests();
  auto arrivals = hook.arrivals();
  std::vector<double> latency;
  for (std::size_t i = 0; i < requests.size(); ++i)
    each_seq(requests[i], [&](std::size_t seq) {
      latency.push_back(std::chrono::duration<double, std::micro>(arrivals[i] - sent[seq]).count());
    });
  std::sort(latency.begin(), latency.end());
  return {static_cast<double>(o.events) / seconds, bench::quantile(latency, 0.50), bench::quantile(latency, 0.99)};
}


figures medians(const std::vector<figures>& runs) {
  std::vector<double> rate, p50, p99;
  for (const auto& f : runs) {
    rate.push_back(f.per_second);
    p50.push_back(f.p50_us);
    p99.push_back(f.p99_us);
  }
  return {median(rate), median(p50), median(p99)};
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (!bench::read_number_flags(argc, argv,
                                {{"--events", [&](double v) { o.events = static_cast<std::size_t>(v); }},
                                 {"--runs", [&](double v) { o.runs = static_cast<std::size_t>(v); }},
                                 {"--seconds", [&](double v) { o.seconds = static_cast<int>(v); }}},
                                "webhook_bench"))
    return 2;
  auto body = boost::json::serialize(event_json(1).at("data"));
  std::printf("webhook_bench: %zu runs (medians), %zu events per eventrouter run, wrk %d s per run, %u cores\n\n",
              o.runs, o.events, o.seconds, std::thread::hardware_concurrency());
  std::vector<std::string> ratios;
  std::printf("| client                        |  requests/s |   p50 (us) |   p99 (us) |\n");
  std::printf("|-------------------------------|------------:|-----------:|-----------:|\n");
  for (std::size_t connections : {1u, 8u}) {
    std::vector<figures> wrk, ours;
    for (std::size_t r = 0; r < o.runs; ++r) {
      wrk.push_back(run_wrk(o, body, connections));
      ours.push_back(run_eventrouter(o, connections));
    }
    auto w = medians(wrk), e = medians(ours);
    std::printf("| wrk -t1 -c%-19zu | %11.0f | %10.0f | %10.0f |\n", connections, w.per_second, w.p50_us, w.p99_us);
    std::printf("| eventrouter, concurrency %-4zu | %11.0f | %10.0f | %10.0f |\n", connections, e.per_second, e.p50_us,
                e.p99_us);
    ratios.push_back("concurrency " + std::to_string(connections) + ": eventrouter at " +
                     std::to_string(static_cast<int>(100.0 * e.per_second / w.per_second + 0.5)) +
                     " % of wrk's request rate");
  }
  std::vector<figures> batch_runs;
  for (std::size_t r = 0; r < o.runs; ++r)
    batch_runs.push_back(run_eventrouter(o, batched_concurrency, batched));
  auto b = medians(batch_runs);
  std::printf("| eventrouter, batched c. %-5zu | %11.0f | %10.0f | %10.0f |\n", batched_concurrency, b.per_second,
              b.p50_us, b.p99_us);
  ratios.push_back("batched (max_events 100, concurrency " + std::to_string(batched_concurrency) +
                   "): events/s, not requests/s");
  std::printf("\n");
  for (const auto& r : ratios)
    std::printf("%s\n", r.c_str());
  std::printf("(eventrouter's latency is from the router to the webhook, queueing behind earlier events included)\n");
}
