// `eventrouter top`: a running service seen from outside, refreshed every second — per consumer
// its state, events per second, lag, errors and restarts; per topic what is published per second
// and what failed. It reads GET /v1/consumers, /v1/routes and /metrics, as any operator could,
// and computes rates from two successive readings.

#include "commands.hpp"
#include "config/secrets.hpp"
#include "config/url.hpp"
#include "metrics/text_format.hpp"
#include "stop_signals.hpp"
#include "text_table.hpp"
#include "transports/http_request.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <sstream>

#include <unistd.h>

namespace eventrouter {

namespace {

using namespace cli;
namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

constexpr auto clear_screen = "\x1b[H\x1b[2J";  // cursor home, erase the screen
constexpr std::size_t last_error_width = 60;

struct top_request {
  config::url base;  // its path, without a trailing '/': what the service's endpoints are under (a proxy's prefix)
  std::chrono::milliseconds interval{1000};
  std::optional<std::uint64_t> iterations;
};

// --- one reading of the service -----------------------------------------------------------

// What /metrics says of one consumer: totals since the service started.
struct consumer_figures {
  double delivered = 0;  // outcome="ok"
  double errors = 0;     // outcome failed, dead_lettered or malformed
  std::optional<double> restarts;
  std::optional<double> lag;
};

struct topic_figures {
  std::string transport;
  double published = 0;  // result="ok"
  double errors = 0;     // result="error"
};

struct reading {
  clock_type::time_point at;
  std::int64_t generation = 0;
  json::array consumers;            // /v1/consumers, in its order
  std::vector<std::string> topics;  // /v1/routes' topics, then topics only /metrics names (dead letters, sinks)
  std::map<std::string, consumer_figures> by_consumer;
  std::map<std::string, topic_figures> by_topic;
};

// The body of GET <base>/<path>, which must answer 200; throws std::runtime_error naming the URL.
std::string get_body(const top_request& r, const std::string& path) {
  auto timeout = std::clamp(r.interval, std::chrono::milliseconds(1000), std::chrono::milliseconds(5000));
  auto where = r.base.display() + path;
  try {
    auto reply = http::fetch(r.base, "GET", r.base.path + path, {}, {}, timeout);
    if (reply.status != 200)
      throw std::runtime_error("answered " + std::to_string(reply.status) + ": " + reply.body.substr(0, 200));
    return std::move(reply.body);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("GET " + where + ": " + e.what());
  }
}

json::object get_json(const top_request& r, const std::string& path) {
  json::error_code ec;
  auto parsed = json::parse(get_body(r, path), ec);
  if (ec || !parsed.is_object())
    throw std::runtime_error("GET " + r.base.display() + path + ": not a JSON object");
  return std::move(parsed.as_object());
}

void add_metrics(reading& out, const std::vector<metrics::sample>& samples) {
  for (const auto& s : samples) {
    auto consumer = std::string(s.label("consumer"));
    if (s.name == "eventrouter_consumer_messages_total") {
      auto outcome = s.label("outcome");
      if (outcome == "ok")
        out.by_consumer[consumer].delivered += s.value;
      else if (outcome == "failed" || outcome == "dead_lettered" || outcome == "malformed")
        out.by_consumer[consumer].errors += s.value;
    } else if (s.name == "eventrouter_consumer_restarts_total") {
      out.by_consumer[consumer].restarts = s.value;
    } else if (s.name == "eventrouter_consumer_lag") {
      out.by_consumer[consumer].lag = s.value;
    } else if (s.name == "eventrouter_events_published_total") {
      auto& topic = out.by_topic[std::string(s.label("topic"))];
      topic.transport = s.label("transport");
      (s.label("result") == "ok" ? topic.published : topic.errors) += s.value;
    }
  }
}

// Throws std::runtime_error when the service does not answer, or not as expected.
reading read_service(const top_request& r) {
  reading out;
  auto consumers = get_json(r, "/v1/consumers");
  auto routes = get_json(r, "/v1/routes");
  auto samples = metrics::parse_text(get_body(r, "/metrics"));
  out.at = clock_type::now();
  if (const auto* g = consumers.if_contains("generation"); g && g->is_int64())
    out.generation = g->as_int64();
  if (auto* list = consumers.if_contains("consumers"); list && list->is_array())
    out.consumers = std::move(list->as_array());
  if (const auto* topics = routes.if_contains("topics"); topics && topics->is_array())
    for (const auto& t : topics->as_array())
      if (t.is_string())
        out.topics.emplace_back(t.as_string());
  add_metrics(out, samples);
  for (const auto& [topic, _] : out.by_topic)
    if (std::find(out.topics.begin(), out.topics.end(), topic) == out.topics.end())
      out.topics.push_back(topic);
  return out;
}

// --- the screen ---------------------------------------------------------------------------

std::string decimal(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string whole(double value) { return decimal(value, 0); }

// Per second, between two readings of a counter; "-" without an earlier reading, or when the
// counter went down (the service restarted: its counters started again from 0).
std::string rate(const std::optional<double>& before, double now, double seconds) {
  if (!before || now < *before || seconds <= 0)
    return "-";
  return decimal((now - *before) / seconds, 1);
}

std::string wall_clock_utc() {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%H:%M:%S UTC", &parts);
  return text;
}

// "1 s", "0.5 s"
std::string interval_text(const top_request& r) {
  return decimal(static_cast<double>(r.interval.count()) / 1000, r.interval.count() % 1000 ? 1 : 0) + " s";
}

std::string title(const top_request& r) {
  return "eventrouter top: " + r.base.display() + "  " + wall_clock_utc() + "  (every " + interval_text(r) +
         "; Ctrl-C quits)\n";
}

std::string text_of(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || v->is_null())
    return "";
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

std::vector<table_row> consumer_rows(const reading& now, const reading* before, double seconds) {
  std::vector<table_row> rows{
    {"CONSUMER", "TOPIC", "STATE", "EVENTS/S", "DELIVERED", "LAG", "ERRORS", "IN A ROW", "RESTARTS", "LAST ERROR"}};
  for (const auto& c : now.consumers) {
    if (!c.is_object())
      continue;
    const auto& o = c.as_object();
    auto name = text_of(o, "name");
    auto found = now.by_consumer.find(name);
    auto figures = found == now.by_consumer.end() ? consumer_figures{} : found->second;
    std::optional<double> delivered_before;
    if (before)
      if (auto it = before->by_consumer.find(name); it != before->by_consumer.end())
        delivered_before = it->second.delivered;
    // The metrics when the service has them; /v1/consumers says the same (its lag is null
    // before the first reading and on the memory transport).
    auto lag = figures.lag ? whole(*figures.lag) : text_of(o, "lag");
    auto restarts = figures.restarts ? whole(*figures.restarts) : text_of(o, "restarts");
    rows.push_back({name, text_of(o, "topic"), text_of(o, "state"), rate(delivered_before, figures.delivered, seconds),
                    whole(figures.delivered), lag.empty() ? "-" : lag, whole(figures.errors),
                    text_of(o, "consecutive_errors"), restarts, cut(text_of(o, "last_error"), last_error_width)});
  }
  return rows;
}

std::vector<table_row> topic_rows(const reading& now, const reading* before, double seconds) {
  std::vector<table_row> rows{{"TOPIC", "TRANSPORT", "PUBLISHED/S", "PUBLISHED", "ERRORS"}};
  for (const auto& topic : now.topics) {
    auto found = now.by_topic.find(topic);
    if (found == now.by_topic.end()) {
      rows.push_back({topic, "-", "-", "-", "-"});
      continue;
    }
    std::optional<double> published_before;
    if (before)
      if (auto it = before->by_topic.find(topic); it != before->by_topic.end())
        published_before = it->second.published;
    const auto& f = found->second;
    rows.push_back({topic, f.transport, rate(published_before, f.published, seconds), whole(f.published),
                    whole(f.errors)});
  }
  return rows;
}

std::string render(const top_request& r, const reading& now, const reading* before) {
  auto seconds = before ? std::chrono::duration<double>(now.at - before->at).count() : 0.0;
  std::ostringstream out;
  out << title(r) << "generation " << now.generation << ", " << now.consumers.size()
      << (now.consumers.size() == 1 ? " consumer" : " consumers") << ", " << now.topics.size()
      << (now.topics.size() == 1 ? " topic" : " topics") << (before ? "" : "; rates from the next refresh on")
      << "\n\n";
  print_table(out, consumer_rows(now, before, seconds), "");
  out << "\n";
  print_table(out, topic_rows(now, before, seconds), "");
  return out.str();
}

std::string render_unreachable(const top_request& r, const std::string& error) {
  return title(r) + "\ncannot reach the service: " + error + "\ntrying again every " + interval_text(r) + "\n";
}

// --- the command --------------------------------------------------------------------------

int watch(const top_request& r) {
  stop_signals stop;
  // On a terminal each refresh replaces the last; in a file or a pipe they follow each other.
  bool terminal = isatty(STDOUT_FILENO) == 1;
  std::optional<reading> previous;
  std::optional<std::string> last_failure;
  bool answered = false;
  for (std::uint64_t i = 0; !r.iterations || i < *r.iterations; ++i) {
    if (i > 0 && stop.wait_for(r.interval))
      break;
    std::string screen;
    try {
      auto now = read_service(r);
      screen = render(r, now, previous ? &*previous : nullptr);
      previous = std::move(now);
      answered = true;
    } catch (const std::runtime_error& e) {
      last_failure = e.what();
      screen = render_unreachable(r, *last_failure);
    }
    std::cout << (terminal ? clear_screen : i > 0 ? "\n" : "") << screen << std::flush;
  }
  if (r.iterations && !answered) {
    std::cerr << "eventrouter top: " << r.base.display() << " never answered in " << *r.iterations
              << (*r.iterations == 1 ? " try" : " tries") << ": " << last_failure.value_or("") << "\n";
    return exit_failure;
  }
  return exit_ok;
}

// Seconds as written, 0.1 or more.
std::optional<std::chrono::milliseconds> parse_interval(const std::string& text) {
  char* end = nullptr;
  double seconds = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(seconds) || seconds < 0.1)
    return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

std::variant<top_request, std::string> read_request(const options& o) {
  top_request r;
  auto text = *o.value("--url");
  if (text.find("://") == std::string::npos)
    text = "http://" + text;  // host:port, as the service's http.listen is written
  auto base = config::parse_url(text, "http");
  if (auto* why = std::get_if<std::string>(&base))
    return "--url '" + config::mask_secrets(*o.value("--url")) + "': " + *why + "; expected http://host[:port][/path]";
  r.base = std::get<config::url>(std::move(base));
  while (r.base.path.ends_with('/'))
    r.base.path.pop_back();
  if (auto interval = o.value("--interval")) {
    auto parsed = parse_interval(*interval);
    if (!parsed)
      return "--interval '" + *interval + "' is not a number of seconds (0.1 or more)";
    r.interval = *parsed;
  }
  if (auto iterations = o.value("--iterations")) {
    r.iterations = parse_count(*iterations, 1);
    if (!r.iterations)
      return "--iterations '" + *iterations + "' is not a number of refreshes (1 or more)";
  }
  return r;
}

int top_main(std::span<const std::string_view> args) {
  auto parsed = options::parse(args, {{"--url"}, {"--interval"}, {"--iterations"}});
  if (auto* error = std::get_if<std::string>(&parsed))
    return usage_error(top_command, *error);
  auto& o = std::get<options>(parsed);
  if (!o.has("--url") || !o.positional().empty())
    return usage_error(top_command, "expected --url URL");
  auto request = read_request(o);
  if (auto* error = std::get_if<std::string>(&request))
    return usage_error(top_command, *error);
  return watch(std::get<top_request>(request));
}

}  // namespace

const command top_command{"top", "watch a running service: consumers and topics, refreshed every second",
                          R"(usage: eventrouter top --url URL [--interval SECONDS] [--iterations N]

A live view of the service at URL (http://host:port, as its http.listen; a path in front of its
endpoints if a proxy adds one), read from GET /v1/consumers, /v1/routes and /metrics:

  per consumer   topic, state, events delivered per second and in all, lag (Redis and Kafka),
                 errors (events failed, dead-lettered or malformed), errors in a row, restarts,
                 the last error
  per topic      transport, events published per second and in all, publish errors

Rates are computed between two refreshes, so the first shows none. On a terminal each refresh
redraws the screen; written to a file or a pipe, refreshes follow each other as plain blocks.
A service that does not answer is said so on the screen, and asked again at each refresh.

  --interval SECONDS   between refreshes (default 1; 0.1 or more)
  --iterations N       stop after N refreshes (default: until SIGINT or SIGTERM, Ctrl-C)

exit codes: 0 stopped by a signal, or N refreshes done of which at least one got an answer;
1 with --iterations, the service never answered; 2 bad usage

examples:
  eventrouter top --url http://127.0.0.1:8080
  eventrouter top --url http://127.0.0.1:8080 --interval 5 --iterations 12 > top.log
)",
                          top_main};

}  // namespace eventrouter
