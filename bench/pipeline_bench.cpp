// pipeline_bench: how fast events move through eventrouter on the memory transport.
//
// Three paths, each run --runs times, medians printed:
//   caf-chain    a bare 3-actor CAF chain, one message per event: the ceiling for actors here
//   router       batches sent straight to the router actor -> memory topic -> consumer -> sink
//   http         batches POSTed over keep-alive HTTP connections -> the same path
//   log          the router path with the configured log sink (to /dev/null, through its line
//                writer thread) instead of a sink that only counts: what printing each event costs
// Latency is per event, from the moment its batch is handed over until the sink has it.
//
// What metrics cost: the paths through eventrouter (produce, router, http) run with the
// service's metrics registry enabled, disabled (every update an untaken branch on an empty
// handle), or both. With both (the default), a path's runs alternate between the two, and the
// table adds the median without metrics and the overhead, (off - on) / off.
// The issue's budget for it is 5 %.
//
// Options: see `usage` below. With redis or kafka it starts its own redis-server or Kafka
// broker (the tests' harness).

#include "actors/messages.hpp"
#include "actors/service.hpp"
#include "actors/http_api.hpp"
#include "actors/line_writer.hpp"
#include "actors/log_sink.hpp"
#include "config/loader.hpp"
#include "metrics/registry.hpp"
#include "router/cloudevents.hpp"
#include "transports/http_server.hpp"

#include "kafka_broker.hpp"
#include "redis_server.hpp"

#include "bench_support.hpp"
#include "router/event_data.hpp"
#include "transports/ce_attributes.hpp"

#include <librdkafka/rdkafka.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <caf/all.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <iostream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using namespace eventrouter;
using bench::event_json;
using bench::figures;
using bench::median;
using clock_type = std::chrono::steady_clock;
using metrics_mode = metrics::registry::mode;

constexpr const char* usage =
  "pipeline_bench [--events N] [--batch B] [--runs R] [--clients C] [--window W]\n"
  "               [--only PATH] [--transport memory|redis|kafka] [--metrics on|off|both]\n";

struct options {
  std::size_t events = 200000;
  std::size_t batch = 100;
  std::size_t runs = 5;
  std::size_t clients = 4;
  std::size_t window = 8;  // batches in flight per driver
  std::string only;        // run just this path (for profiling)
  std::string transport = "memory";
  std::string metrics = "both";  // on, off, or both: alternating rounds, to measure what metrics cost
  std::string redis_url;   // set when transport is redis (a server this program started)
  std::uint16_t redis_port = 0;
  std::string kafka_bootstrap;  // set when transport is kafka (a broker this program started)
};

// The consumer's sink: notes when each event (by its "seq") arrived, and signals the last one.
class timing_sink final : public immediate_sink {
 public:
  timing_sink(std::size_t n, const std::vector<clock_type::time_point>& sent)
      : sent_(sent), latency_us_(n), done_(n) {}

  delivery_result deliver_now(const delivery& d) override {
    auto seq = static_cast<std::size_t>(d.item.ev->data.as_object().at("seq").as_int64());
    latency_us_[seq] = std::chrono::duration<double, std::micro>(clock_type::now() - sent_[seq]).count();
    if (--done_ == 0)
      finished_.set_value();
    return {};
  }

  // Events lost would leave the bench waiting forever: give up loudly instead.
  void wait() {
    if (finished_.get_future().wait_for(std::chrono::minutes(2)) != std::future_status::ready) {
      std::cerr << "pipeline_bench: " << done_ << " events never reached the sink\n";
      std::exit(1);
    }
  }
  std::vector<double>& latencies() { return latency_us_; }

 private:
  const std::vector<clock_type::time_point>& sent_;
  std::vector<double> latency_us_;
  std::atomic<std::size_t> done_;
  std::promise<void> finished_;
};

// The configured log sink, writing through a line writer of its own, timed when each line was
// written (its delivery done), as the consumer sees it.
class timed_log_sink final : public sink {
 public:
  timed_log_sink(line_writer& out, std::shared_ptr<timing_sink> timing) : log_(out), timing_(std::move(timing)) {}

  void deliver(caf::event_based_actor* consumer, const delivery& d, delivery_done done) override {
    log_.deliver(consumer, d, [timing = timing_, item = d.item, done = std::move(done)](delivery_result written) {
      if (written)
        timing->deliver_now({item, {}, {}});
      done(std::move(written));
    });
  }

 private:
  log_sink log_;
  std::shared_ptr<timing_sink> timing_;
};

enum class bench_sink { counting, log };

// One route to one topic on the chosen transport; with a consumer unless only producing.
// Each pipeline gets a topic prefix of its own, so runs on Redis never share a stream.
std::string bench_config(const options& o, bool with_consumer) {
  static int generation = 0;
  std::string prefix = "bench" + std::to_string(++generation);
  std::string consumers = with_consumer ? R"([{ "name": "bench", "topic": "bench-topic", "group_id": "bench",
                                                 "sink": { "type": "log" }, "batch_size": 500 }])"
                                        : "[]";
  std::string redis = o.transport == "redis" ? R"(, "redis": { "url": ")" + o.redis_url +
                                                 R"(", "stream_max_len": 100000000 })"
                     : o.transport == "kafka" ? R"(, "kafka": { "bootstrap_servers": ")" + o.kafka_bootstrap + R"(" })"
                                              : "";
  return R"({
    "topic_prefix": ")" + prefix + R"(",
    "default_transport": ")" + o.transport + R"(",
    "http": { "listen": "127.0.0.1:0", "max_in_flight_events": 1000000 },
    "transports": { "memory": { "max_len": 10000000 } )" + redis + R"( },
    "producer_config": {
      "org.openedx.content_authoring.xblock.published.v1": {
        "bench-topic": { "event_key_field": "xblock_info.usage_key" } } },
    "consumers": )" + consumers + "}";
}

std::vector<event_batch> make_batches(const options& o) {
  std::vector<event_batch> batches;
  for (std::size_t first = 0; first < o.events; first += o.batch) {
    auto events = std::make_shared<std::vector<event_ptr>>();
    for (auto seq = first; seq < std::min(o.events, first + o.batch); ++seq) {
      auto parsed = parse_structured(boost::json::serialize(event_json(seq)));
      events->push_back(std::get<std::vector<event_ptr>>(parsed).front());
    }
    batches.push_back(events);
  }
  return batches;
}

std::vector<std::string> make_bodies(const options& o) {
  std::vector<std::string> bodies;
  for (std::size_t first = 0; first < o.events; first += o.batch) {
    boost::json::array arr;
    for (auto seq = first; seq < std::min(o.events, first + o.batch); ++seq)
      arr.push_back(event_json(seq));
    bodies.push_back(boost::json::serialize(arr));
  }
  return bodies;
}

figures summarize(std::vector<double> latencies, double seconds) {
  std::sort(latencies.begin(), latencies.end());
  return {static_cast<double>(latencies.size()) / seconds, bench::quantile(latencies, 0.50),
          bench::quantile(latencies, 0.99)};
}

config::settings settings_for_bench(const options& o, bool with_consumer) {
  auto loaded = config::parse_settings(bench_config(o, with_consumer));
  if (!loaded.value) {
    for (auto& p : loaded.problems)
      std::cerr << config::to_string(p) << "\n";
    std::exit(1);
  }
  return *loaded.value;
}

// A service whose one consumer reports into a timing_sink (directly, or once the log sink wrote
// its line), with its metrics on or off.
struct pipeline {
  options opts;
  std::vector<clock_type::time_point> sent;
  std::shared_ptr<timing_sink> sink_;
  metrics::registry metrics;
  // The log sink's output; declared before the actor system, so that it outlives every sink.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> dev_null{std::fopen("/dev/null", "w"), std::fclose};
  line_writer log_out{dev_null.get(), 4 << 20};
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  config::settings settings;
  service svc;

  pipeline(const options& o, metrics_mode m, bool with_consumer = true, bench_sink kind = bench_sink::counting)
      : opts(o), sent(o.events), sink_(std::make_shared<timing_sink>(o.events, sent)), metrics(m),
        settings(settings_for_bench(o, with_consumer)),
        svc(sys, settings, metrics, [this, kind](const config::consumer_settings&) -> std::shared_ptr<sink> {
          if (kind == bench_sink::log)
            return std::make_shared<timed_log_sink>(log_out, sink_);
          return sink_;
        }) {}
};

// Sends the batches straight to the router, `window` at a time; returns once all are answered.
void drive_router(pipeline& p, const std::vector<event_batch>& batches, std::size_t window) {
  caf::scoped_actor self{p.sys};
  std::size_t next = 0, outstanding = 0;
  auto send_next = [&] {
    auto now = clock_type::now();
    for (const auto& ev : *batches[next])
      p.sent[static_cast<std::size_t>(ev->data.as_object().at("seq").as_int64())] = now;
    self->send(p.svc.router(), route_atom::value, batches[next++]);
    ++outstanding;
  };
  while (next < batches.size() && outstanding < window)
    send_next();
  while (outstanding > 0) {
    self->receive([&](const route_outcome& outcome) {
      if (outcome.result != route_outcome::status::accepted) {
        std::cerr << "pipeline_bench: a batch was not accepted: "
                  << (outcome.errors.empty() ? "" : outcome.errors.front()) << "\n";
        std::exit(1);
      }
      --outstanding;
      if (next < batches.size())
        send_next();
    });
  }
}

figures run_router(const options& o, metrics_mode m, bench_sink kind) {
  auto batches = make_batches(o);
  pipeline p{o, m, true, kind};
  auto start = clock_type::now();
  drive_router(p, batches, o.window);
  p.sink_->wait();
  auto seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  return summarize(std::move(p.sink_->latencies()), seconds);
}

figures run_router_direct(const options& o, metrics_mode m) { return run_router(o, m, bench_sink::counting); }

figures run_router_to_log(const options& o, metrics_mode m) { return run_router(o, m, bench_sink::log); }

// Publishing alone: batches to the router until the transport confirmed them all.
figures run_produce(const options& o, metrics_mode m) {
  auto batches = make_batches(o);
  pipeline p{o, m, false};
  auto start = clock_type::now();
  drive_router(p, batches, o.window);
  auto seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  return {static_cast<double>(o.events) / seconds, 0, 0};
}

// librdkafka alone producing the same messages (key, headers, value) to the same broker,
// with the same guarantees (idempotent, acks=all), until every delivery report is back.
figures run_raw_produce(const options& o) {
  static int generation = 0;
  auto topic = "raw-produce-" + std::to_string(++generation);
  auto batches = make_batches(o);
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (auto [k, v] : {std::pair{"bootstrap.servers", o.kafka_bootstrap.c_str()}, {"enable.idempotence", "true"},
                      {"acks", "all"}, {"linger.ms", "5"}})
    rd_kafka_conf_set(conf, k, v, error, sizeof error);
  static std::atomic<std::size_t> delivered;
  delivered = 0;
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
      ++delivered;
  });
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  auto start = clock_type::now();
  for (const auto& batch : batches)
    for (const auto& ev : *batch) {
      auto value = wire_value({ev, ""}, config::topic_format::json);
      auto* headers = rd_kafka_headers_new(10);
      for (const auto& [name, text] : ce_attributes(*ev, config::topic_format::json))
        rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), text.data(),
                            static_cast<ssize_t>(text.size()));
      const auto& key = ev->data.at("xblock_info").at("usage_key").as_string();
      while (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
                               RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                               RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(producer, 10);
      rd_kafka_poll(producer, 0);
    }
  rd_kafka_flush(producer, 120000);
  auto seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  rd_kafka_destroy(producer);
  if (delivered != o.events) {
    std::cerr << "pipeline_bench: raw produce delivered " << delivered << " of " << o.events << "\n";
    std::exit(1);
  }
  return {static_cast<double>(o.events) / seconds, 0, 0};
}

// redis-benchmark's pipelined XADD of an entry of the same size, on the same server: what
// Redis itself sustains on this machine.
figures run_raw_xadd(const options& o) {
  auto data = boost::json::serialize(event_json(1).at("data"));
  auto command = "redis-benchmark -h 127.0.0.1 -p " + std::to_string(o.redis_port) +
                 " -q -P 100 -n " + std::to_string(o.events) +
                 " XADD raw-xadd MAXLEN '~' 100000000 '*' type org.openedx.content_authoring.xblock.published.v1"
                 " id bench-1 source openedx/cms/web time 2023-06-09T14:12:45.320819+00:00 minorversion 0"
                 " sourcehost '' sourcelib '' event_data '" + data + "' 2>&1";
  auto out = testing::command_output(command);
  // "...: 512820.53 requests per second, p50=..." (the last progress line is the result)
  auto end = out.rfind(" requests per second");
  auto start = out.rfind(": ", end);
  if (end == std::string::npos || start == std::string::npos) {
    std::cerr << "pipeline_bench: cannot read redis-benchmark's result:\n" << out << "\n";
    std::exit(1);
  }
  return {std::stod(out.substr(start + 2, end - start - 2)), 0, 0};
}

// One keep-alive connection posting its share of the batches, one at a time.
void http_client(std::uint16_t port, const std::vector<std::string>& bodies, std::size_t first,
                 std::size_t stride, std::size_t batch, std::vector<clock_type::time_point>& sent) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket{io};
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  beast::flat_buffer buffer;
  for (auto i = first; i < bodies.size(); i += stride) {
    http::request<http::string_body> req{http::verb::post, "/v1/events", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/cloudevents-batch+json");
    req.body() = bodies[i];
    req.prepare_payload();
    auto now = clock_type::now();
    for (auto seq = i * batch; seq < std::min(sent.size(), (i + 1) * batch); ++seq)
      sent[seq] = now;
    http::write(socket, req);
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    if (res.result_int() != 202) {
      std::cerr << "http: status " << res.result_int() << ": " << res.body() << "\n";
      std::exit(1);
    }
  }
}

figures run_http(const options& o, metrics_mode m) {
  auto bodies = make_bodies(o);
  pipeline p{o, m};
  std::atomic<bool> ready{true};
  http::server server{{"127.0.0.1", 0, 64 << 20, 2},
                      make_http_api({p.sys, p.svc, p.metrics, p.settings.http, ready, caf::actor{}})};
  server.start();
  auto start = clock_type::now();
  std::vector<std::thread> clients;
  for (std::size_t c = 0; c < o.clients; ++c)
    clients.emplace_back(http_client, server.port(), std::cref(bodies), c, o.clients, o.batch,
                         std::ref(p.sent));
  for (auto& t : clients)
    t.join();
  p.sink_->wait();
  auto seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  server.stop();
  return summarize(std::move(p.sink_->latencies()), seconds);
}

caf::behavior chain_counter(caf::event_based_actor* self, std::size_t n, std::promise<void>* done) {
  auto seen = std::make_shared<std::size_t>(0);
  return {[=](const event_ptr&) {
    if (++*seen == n) {
      done->set_value();
      self->quit();
    }
  }};
}

caf::behavior chain_relay(caf::event_based_actor*, caf::actor next) {
  return {[=](const event_ptr& ev) { caf::anon_send(next, ev); }};
}

figures run_caf_chain(const options& o) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::promise<void> done;
  auto counter = sys.spawn(chain_counter, o.events, &done);
  // Three actors, as the router path has three (router, topic, consumer).
  auto relay = sys.spawn(chain_relay, sys.spawn(chain_relay, counter));
  auto ev = std::make_shared<const event>();
  auto start = clock_type::now();
  for (std::size_t i = 0; i < o.events; ++i)
    caf::anon_send(relay, ev);
  done.get_future().wait();
  auto seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  caf::anon_send_exit(relay, caf::exit_reason::user_shutdown);
  return {static_cast<double>(o.events) / seconds, 0, 0};
}


// A path's runs: `shown` with metrics as --metrics asks (on, for both), and with --metrics
// both the same workload's runs without metrics.
struct measured {
  std::vector<figures> shown;
  std::vector<figures> without_metrics;
};

// Runs a path --runs times. A path that takes a metrics mode goes through eventrouter's
// actors: with --metrics both, each round runs it with and without metrics, so that changing
// conditions (other load on the machine, CPU clock) fall on both modes alike rather than on
// whichever would have had all its runs last. Rounds also swap which mode goes first (on off,
// off on, ...): a drift one way through the bench, as a Redis server filling with the runs'
// streams, then cancels out instead of always favouring the mode run first. Baselines have no
// metrics to turn off.
template <class F>
measured repeat(const options& o, F run) {
  measured out;
  for (std::size_t i = 0; i < o.runs; ++i) {
    if constexpr (std::is_invocable_v<F, const options&, metrics_mode>) {
      auto as_asked = [&] {
        out.shown.push_back(run(o, o.metrics == "off" ? metrics_mode::disabled : metrics_mode::enabled));
      };
      auto without = [&] {
        if (o.metrics == "both")
          out.without_metrics.push_back(run(o, metrics_mode::disabled));
      };
      if (i % 2 == 0) {
        as_asked();
        without();
      } else {
        without();
        as_asked();
      }
    } else {
      out.shown.push_back(run(o));
    }
  }
  return out;
}

double median_rate(const std::vector<figures>& runs) {
  std::vector<double> rates;
  for (const auto& f : runs)
    rates.push_back(f.per_second);
  return median(rates);
}

// With --metrics both the table has two more columns, so the header and every row must agree.
void print_header(const options& o) {
  bool compare = o.metrics == "both";
  std::printf("| path       |     events/s |   p50 (us) |   p99 (us) |%s\n",
              compare ? " events/s, no metrics | overhead |" : "");
  std::printf("|------------|-------------:|-----------:|-----------:|%s\n",
              compare ? "---------------------:|---------:|" : "");
}

// One row: the medians of the runs; with --metrics both, then the median without metrics and
// what metrics cost in events/s, "-" for a path without metrics.
void report(const options& o, const std::string& name, const measured& runs) {
  std::vector<double> p50, p99;
  for (const auto& f : runs.shown) {
    p50.push_back(f.p50_us);
    p99.push_back(f.p99_us);
  }
  auto rate = median_rate(runs.shown);
  if (median(p99) == 0)  // a path that does not measure latency
    std::printf("| %-10s | %12.0f | %10s | %10s |", name.c_str(), rate, "-", "-");
  else
    std::printf("| %-10s | %12.0f | %10.0f | %10.0f |", name.c_str(), rate, median(p50), median(p99));
  if (o.metrics == "both") {
    if (runs.without_metrics.empty()) {
      std::printf(" %20s | %8s |", "-", "-");
    } else {
      auto off = median_rate(runs.without_metrics);
      std::printf(" %20.0f | %6.1f %% |", off, 100.0 * (off - rate) / off);
    }
  }
  std::printf("\n");
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--help") {
      std::cout << usage;
      std::exit(0);
    }
    if (i + 1 == argc) {
      std::cerr << flag << " wants a value\n" << usage;
      std::exit(2);
    }
    if (flag == "--only" || flag == "--transport" || flag == "--metrics") {
      (flag == "--only" ? o.only : flag == "--transport" ? o.transport : o.metrics) = argv[i + 1];
      continue;
    }
    auto value = static_cast<std::size_t>(std::stoull(argv[i + 1]));
    if (flag == "--events") o.events = value;
    else if (flag == "--batch") o.batch = value;
    else if (flag == "--runs") o.runs = value;
    else if (flag == "--clients") o.clients = value;
    else if (flag == "--window") o.window = value;
    else {
      std::cerr << "unknown flag " << flag << "\n" << usage;
      std::exit(2);
    }
  }
  if (o.metrics != "on" && o.metrics != "off" && o.metrics != "both") {
    std::cerr << "--metrics is on, off or both\n";
    std::exit(2);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  std::unique_ptr<testing::redis_server> redis;
  std::unique_ptr<testing::kafka_broker> kafka;
  if (o.transport == "redis") {
    redis = std::make_unique<testing::redis_server>();
    o.redis_url = redis->url();
    o.redis_port = redis->port();
  } else if (o.transport == "kafka") {
    kafka = std::make_unique<testing::kafka_broker>();
    o.kafka_bootstrap = kafka->bootstrap();
  } else if (o.transport != "memory") {
    std::cerr << "--transport is memory, redis or kafka\n";
    return 2;
  }
  std::printf("pipeline_bench: %s transport, %zu events, batches of %zu, %zu runs (medians), %zu HTTP clients, "
              "%u cores, metrics %s\n\n", o.transport.c_str(), o.events, o.batch, o.runs, o.clients,
              std::thread::hardware_concurrency(),
              o.metrics == "both" ? "on vs off (alternating runs; overhead = (off - on) / off)"
                                  : o.metrics.c_str());
  print_header(o);
  auto wanted = [&](const char* path) { return o.only.empty() || o.only == path; };
  measured baseline, produce, direct;
  // What each transport is compared with: the same work without eventrouter.
  struct baseline_path {
    const char* name;
    figures (*run)(const options&);
    const char* compared;  // the eventrouter path set against it
    const char* describe;
  };
  auto base = redis   ? baseline_path{"raw-xadd", run_raw_xadd, "produce", "raw pipelined XADD (redis-benchmark -P 100)"}
              : kafka ? baseline_path{"raw-kafka", run_raw_produce, "produce",
                                      "raw librdkafka produce (idempotent, acks=all)"}
                      : baseline_path{"caf-chain", run_caf_chain, "router", "the bare CAF chain"};
  if (wanted(base.name))
    report(o, base.name, baseline = repeat(o, base.run));
  if (wanted("produce"))
    report(o, "produce", produce = repeat(o, run_produce));
  if (wanted("router"))
    report(o, "router", direct = repeat(o, run_router_direct));
  if (wanted("http"))
    report(o, "http", repeat(o, run_http));
  measured to_log;
  if (wanted("log"))
    report(o, "log", to_log = repeat(o, run_router_to_log));
  const auto& compared = (std::string(base.compared) == "produce" ? produce : direct).shown;
  if (!baseline.shown.empty() && !compared.empty())
    std::printf("\n%s path at %.0f %% of %s\n", base.compared,
                100.0 * median_rate(compared) / median_rate(baseline.shown), base.describe);
  if (!to_log.shown.empty() && !direct.shown.empty())
    std::printf("log path at %.0f %% of the router path (a sink that only counts)\n",
                100.0 * median_rate(to_log.shown) / median_rate(direct.shown));
}
