// paced_latency: latency from POST to delivery at a steady rate, for bench/fast_defaults.
//
// wrk and nginx cannot tell this: wrk sends as fast as it is answered (so a slow path is
// measured at whatever rate it allows), and nginx does not timestamp what reaches it. Here one
// process both paces the posts and receives the deliveries (the tests' webhook harness, which
// timestamps each arrival), so both ends read the same steady clock.
//
//   paced_latency [--rate R] [--seconds S] [--connections C]
//
// It starts the receiver on a free loopback port and prints "receiver URL" on stdout; then it
// reads one line from stdin: the URL to post single CloudEvents to (structured mode), or
// "direct" to post to the receiver itself (the floor: the same client, no service between). C
// keep-alive connections, each on a thread of its own, post R events/s in all for S seconds, on
// a fixed schedule: event i is due at start + i / R. A post that finds its connection still
// busy goes as soon as it is free (its lateness is reported as "send lag", so a run whose
// generator could not hold the rate is seen as such). Latency is from just before an event's
// request is written to its arrival at the receiver. Deliveries are awaited for at most 30 s
// after the last post. Prints one JSON line with the figures.

#include "http_client.hpp"
#include "webhook_server.hpp"

#include "bench_support.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace eventrouter;
using clock_type = std::chrono::steady_clock;
using bench::quantile;

struct options {
  double rate = 10000;
  double seconds = 5;
  std::size_t connections = 4;
};

struct post_record {
  clock_type::time_point sent{};
  double lag_us = 0;  // how late after its due time the post went
};

// Which event a delivery is: its data.seq, delivered as the body (binary mode), or the whole
// event's (the direct run posts structured events to the receiver).
std::size_t seq_of(const std::string& body) {
  auto v = boost::json::parse(body).as_object();
  if (auto* data = v.if_contains("data"))
    return data->at("seq").to_number<std::size_t>();
  return v.at("seq").to_number<std::size_t>();
}

double micros(clock_type::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (!bench::read_number_flags(argc, argv,
                                {{"--rate", [&](double v) { o.rate = v; }},
                                 {"--seconds", [&](double v) { o.seconds = v; }},
                                 {"--connections", [&](double v) { o.connections = static_cast<std::size_t>(v); }}},
                                "paced_latency"))
    return 2;
  // 200, not 204: the harness answers with a body, which a 204 must not have.
  testing::webhook_server receiver([](std::size_t) { return 200u; });
  std::cout << "receiver " << receiver.url() << std::endl;
  std::string target;
  if (!std::getline(std::cin, target) || target.empty())
    return 2;
  if (target == "direct")
    target = receiver.url();
  // http://127.0.0.1:PORT/path
  auto port_at = target.rfind(':') + 1;
  auto path_at = target.find('/', port_at);
  auto port = static_cast<std::uint16_t>(std::stoul(target.substr(port_at, path_at - port_at)));
  auto path = target.substr(path_at);

  auto events = static_cast<std::size_t>(o.rate * o.seconds);
  // Bodies made before the clock starts: the generator's own cost stays out of its pacing.
  std::vector<std::string> bodies(events);
  for (std::size_t seq = 0; seq < events; ++seq)
    bodies[seq] = boost::json::serialize(bench::event_json(seq));
  std::vector<post_record> posts(events);
  std::atomic<std::size_t> refused{0};
  auto start = clock_type::now() + std::chrono::milliseconds(100);  // every connection open by then
  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < o.connections; ++k)
    threads.emplace_back([&, k] {
      testing::connection conn{port};
      for (auto seq = k; seq < events; seq += o.connections) {
        auto due = start + std::chrono::duration_cast<clock_type::duration>(
                             std::chrono::duration<double>(static_cast<double>(seq) / o.rate));
        std::this_thread::sleep_until(due);
        auto now = clock_type::now();
        posts[seq] = {now, micros(now - due)};
        auto reply = conn.send("POST", path, {{"Content-Type", "application/cloudevents+json"}}, bodies[seq]);
        if (reply.status / 100 != 2)
          ++refused;
      }
    });
  for (auto& t : threads)
    t.join();
  auto last_post = clock_type::now();
  receiver.await_calls(events - refused, std::chrono::seconds(30));

  std::vector<double> latency, lag;
  for (const auto& call : receiver.history())
    latency.push_back(micros(call.arrival - posts[seq_of(call.request.body)].sent));
  for (const auto& p : posts)
    lag.push_back(p.lag_us);
  std::sort(latency.begin(), latency.end());
  std::sort(lag.begin(), lag.end());
  boost::json::object out{{"events", events},
                          {"refused", refused.load()},
                          {"delivered", latency.size()},
                          {"posted_per_second", static_cast<double>(events) / std::chrono::duration<double>(
                                                                                  last_post - start).count()},
                          {"send_lag_p99_us", quantile(lag, 0.99)}};
  if (!latency.empty()) {
    out["p50_us"] = quantile(latency, 0.50);
    out["p99_us"] = quantile(latency, 0.99);
    out["max_us"] = latency.back();
  }
  std::cout << boost::json::serialize(out) << std::endl;
  return 0;
}
