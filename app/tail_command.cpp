// `eventrouter tail`: the events on a topic as they arrive, read straight from Redis or Kafka
// without joining any consumer group, so that an operator watching a topic takes no event away
// from the service's consumers and leaves nothing behind: no group, no pending entries, no
// committed offsets.

#include "commands.hpp"

#include "actors/transport.hpp"
#include "router/cloudevents.hpp"
#include "stop_signals.hpp"
#include "text_table.hpp"

#include <boost/json.hpp>

#include <functional>
#include <iostream>
#include <memory>

namespace eventrouter {

namespace {

using namespace cli;
namespace json = boost::json;

// How long one read waits for new events: also the longest a signal waits to be noticed.
constexpr auto poll_wait = std::chrono::milliseconds(500);

struct tail_request {
  const config::topic_settings* topic = nullptr;
  follow_start start;
  std::optional<std::string> type;
  bool pretty = false;
  std::optional<std::uint64_t> count;
};

// --- output -----------------------------------------------------------------------------

// Time, type, id, key, data: what tells events apart at a glance. The data is an excerpt.
const std::vector<std::size_t> pretty_widths{32, 50, 36, 24, 80};

// Prints the events that pass --type, one JSON line each or as table rows, flushed one by one
// (a pipe sees each event as it comes), and counts them for --count.
class printer {
 public:
  explicit printer(const tail_request& request) : request_(request) {}

  void header() const {
    if (request_.pretty)
      std::cout << fixed_row({"TIME", "TYPE", "ID", "KEY", "DATA"}, pretty_widths, "") << std::endl;
  }

  void print(const keyed_event& item) {
    if (done() || (request_.type && item.ev->type != *request_.type))
      return;
    std::cout << (request_.pretty ? row(item) : json_line(item)) << std::endl;
    printed_++;
  }

  bool done() const { return request_.count && printed_ >= *request_.count; }

 private:
  // The event as structured-mode JSON, with the topic it is on and its key there.
  std::string json_line(const keyed_event& item) const {
    auto line = to_json(*item.ev);
    line["topic"] = request_.topic->full_name;
    line["key"] = item.key;
    return json::serialize(line);
  }

  std::string row(const keyed_event& item) const {
    const auto& ev = *item.ev;
    return fixed_row({ev.time, ev.type, ev.id, item.key.empty() ? "-" : item.key, json::serialize(ev.data)},
                     pretty_widths, "");
  }

  const tail_request& request_;
  std::uint64_t printed_ = 0;
};

void show(const topic_read& read, printer& out) {
  for (const auto& problem : read.problems)
    std::cerr << "eventrouter tail: " << problem << "\n";
  for (const auto& item : read.events)
    out.print(item);
}

// --- the command --------------------------------------------------------------------------

// Said on stderr once the start is fixed: from then on, nothing written to the topic is missed.
void announce(const tail_request& request, const topic_access& access) {
  const auto& topic = *request.topic;
  std::cerr << "eventrouter tail: following " << topic.full_name << " (" << config::to_string(topic.transport)
            << ", " << config::to_string(topic.format) << ") ";
  switch (request.start.at) {
    case follow_start::from::end:
      std::cerr << "from now on";
      break;
    case follow_start::from::beginning:
      std::cerr << "from the beginning";
      break;
    case follow_start::from::last:
      std::cerr << "from the last " << request.start.last << " " << access.last_counts();
      break;
  }
  std::cerr << (request.count ? ", exiting after " + std::to_string(*request.count) + " events" : "")
            << "; Ctrl-C stops" << std::endl;
}

int follow(topic_access& access, const tail_request& request) {
  stop_signals stop;  // before librdkafka starts its threads, which inherit the mask
  printer out(request);
  auto source = access.follow(*request.topic, request.start);
  auto first = source->start();
  announce(request, access);
  out.header();
  show(first, out);
  while (!out.done() && !stop.requested()) {
    auto read = source->next(poll_wait);
    show(read, out);
    if (read.failed)
      stop.wait_for(poll_wait);
  }
  return exit_ok;
}

// The topic named by its name in the configuration or by its full name.
const config::topic_settings* find_topic(const config::settings& settings, const std::string& name) {
  if (auto it = settings.topics.find(name); it != settings.topics.end())
    return &it->second;
  for (const auto& [_, topic] : settings.topics)
    if (topic.full_name == name)
      return &topic;
  return nullptr;
}

// The request the options describe, or the usage error.
std::variant<tail_request, std::string> read_request(const options& o) {
  tail_request request;
  if (o.has("--from-beginning") && o.has("--last"))
    return "--from-beginning and --last exclude each other";
  if (o.has("--from-beginning"))
    request.start.at = follow_start::from::beginning;
  if (auto last = o.value("--last")) {
    auto n = parse_count(*last, 1);
    if (!n)
      return "--last '" + *last + "' is not a number of events (1 or more)";
    request.start = {follow_start::from::last, *n};
  }
  if (auto count = o.value("--count")) {
    request.count = parse_count(*count, 1);
    if (!request.count)
      return "--count '" + *count + "' is not a number of events (1 or more)";
  }
  request.type = o.value("--type");
  request.pretty = o.has("--pretty");
  return request;
}

int tail_main(std::span<const std::string_view> args) {
  auto parsed = options::parse(args, {{"--config"},
                                      {"--topic"},
                                      {"--from-beginning", false},
                                      {"--last"},
                                      {"--type"},
                                      {"--pretty", false},
                                      {"--count"}});
  if (auto* error = std::get_if<std::string>(&parsed))
    return usage_error(tail_command, *error);
  auto& o = std::get<options>(parsed);
  if (!o.has("--config") || !o.has("--topic") || !o.positional().empty())
    return usage_error(tail_command, "expected --config FILE --topic TOPIC");
  auto request = read_request(o);
  if (auto* error = std::get_if<std::string>(&request))
    return usage_error(tail_command, *error);
  auto settings = load(*o.value("--config"));
  if (!settings)
    return exit_usage;
  auto& r = std::get<tail_request>(request);
  r.topic = find_topic(*settings, *o.value("--topic"));
  if (r.topic == nullptr) {
    std::cerr << "eventrouter tail: no topic named '" << *o.value("--topic") << "' in the configuration\n";
    return exit_usage;
  }
  auto access = topic_access_for(r.topic->transport, *settings);
  if (!access) {
    std::cerr << "eventrouter tail: " << r.topic->full_name << " is on the " << config::to_string(r.topic->transport)
              << " transport, whose topics live inside the service's process and cannot be tailed from outside\n";
    return exit_usage;
  }
  try {
    return follow(*access, r);
  } catch (const std::exception& e) {
    std::cerr << "eventrouter tail: " << r.topic->full_name << ": " << e.what() << "\n";
    return exit_failure;
  }
}

}  // namespace

const command tail_command{"tail", "print the events on a redis, kafka or pulsar topic as they arrive",
                           R"(usage: eventrouter tail --config FILE --topic TOPIC [--from-beginning | --last N]
                        [--type TYPE] [--pretty] [--count N]

Prints the events on TOPIC (its name in FILE, or its full name) as they arrive, one JSON line
each: the CloudEvent in structured mode with "topic" (the full name) and "key" (Kafka, Pulsar:
the message key; Redis entries carry none: ""). --pretty prints a table instead: time, type,
id, key and the start of the data. Events are decoded as the topic's format says (openedx: with
the schema folder on Redis and Pulsar, the schema registry on Kafka); one that cannot be is
named on stderr.

It joins no consumer group, so it takes nothing from the service's consumers and leaves
nothing behind: on Redis it reads with XREAD (no group); on Kafka it assigns itself every
partition and commits nothing (librdkafka's group.id is a throwaway eventrouter-tail-<random>
that is never joined and holds no offsets, so no such group exists on the brokers); on Pulsar
it reads with a reader, which makes no durable subscription. Memory topics live inside the
service's process and cannot be tailed.

  (default)          what is written from now on
  --from-beginning   everything the topic holds, then what comes
  --last N           the last N events (on Kafka: of each partition), then what comes
  --type TYPE        only events of this type (--last counts events of every type)
  --count N          exit after N events (shown, after --type)

Runs until SIGINT or SIGTERM (Ctrl-C) unless --count ends it. Once it has fixed where to
start, it says so on stderr ("following ... from now on"). A lost Redis connection is retried
from where it stopped.

exit codes: 0 stopped by a signal or --count reached; 1 the broker cannot be reached (or Kafka
has no such topic); 2 bad usage, an invalid configuration, an unknown or memory topic

examples:
  eventrouter tail --config prod.json --topic content-authoring-xblock-lifecycle --pretty
  eventrouter tail --config prod.json --topic learning-course-enrollment-lifecycle --last 10 \
    --type org.openedx.learning.course.enrollment.created.v1 --count 10 | jq .data
)",
                           tail_main};

}  // namespace eventrouter
