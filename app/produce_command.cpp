// `eventrouter produce`: one event through the routing table to the configuration's real
// transports, as a POST /v1/events would send it, printing where it went.

#include "commands.hpp"

#include "actors/failure.hpp"
#include "actors/messages.hpp"
#include "actors/router.hpp"
#include "actors/service.hpp"
#include "config/transports.hpp"
#include "event_cli.hpp"
#include "metrics/registry.hpp"
#include "router/batch_plan.hpp"
#include "text_table.hpp"

#include <boost/json.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <caf/all.hpp>

#include <iostream>

namespace eventrouter {

namespace {

using namespace cli;
namespace json = boost::json;

constexpr auto default_source = "eventrouter/cli";
// The router answers within publish_timeout (a topic that did not confirm by then is reported);
// this only guards against a router that never answers.
constexpr auto answer_timeout = publish_timeout + std::chrono::seconds(10);

std::string random_uuid() { return boost::uuids::to_string(boost::uuids::random_generator()()); }

// The router's answer for `ev`, routed by the service `settings` describe. Only its producing half
// runs: no HTTP, and no consumers, which would deliver what the topics hold to their sinks (so
// no Redis consumer group is created either: the service creates its groups when it starts).
route_outcome publish(const config::settings& settings, const event_ptr& ev) {
  auto producing = settings;
  producing.consumers.clear();
  metrics::registry metrics{metrics::registry::mode::disabled};  // outlives the actors counting into it
  caf::actor_system_config caf_config;
  add_error_category(caf_config);
  caf::actor_system sys{caf_config};
  service svc{sys, producing, metrics};
  caf::scoped_actor self{sys};
  route_outcome outcome{route_outcome::status::unavailable, 0, {}, 0};
  auto batch = event_batch{std::make_shared<std::vector<event_ptr>>(1, ev)};
  self->request(svc.router(), answer_timeout, route_atom::value, batch)
    .receive([&](route_outcome& answer) { outcome = std::move(answer); },
             [&](caf::error& e) { outcome.errors.push_back("the router did not answer: " + sys.render(e)); });
  return outcome;
}

// Refused before any broker is contacted, as the router would refuse it: say why.
int refused(const routing_table& table, const event& ev, const batch_plan& plan) {
  std::cerr << "eventrouter produce: event '" << ev.id << "' was not published:\n";
  for (const auto& e : plan.errors)
    std::cerr << "  " << e << "\n";
  if (plan.unknown_types > 0) {
    auto matches = close_matches(table, ev.type);
    if (!matches.empty())
      std::cerr << "close matches:\n";
    for (const auto& m : matches)
      std::cerr << "  " << m << "\n";
  }
  return exit_failure;
}

int not_confirmed(const event& ev, const batch_plan& plan, const route_outcome& outcome) {
  std::cerr << "eventrouter produce: event '" << ev.id << "' was not confirmed by every topic:\n";
  for (const auto& e : outcome.errors)
    std::cerr << "  " << e << "\n";
  // Nothing is taken back from the topics that confirmed, as for a 503 to POST /v1/events.
  if (outcome.errors.size() < plan.routed.size())
    std::cerr << "the topics not named above have it: a retry writes it there again (at least once)\n";
  return exit_failure;
}

// Where the event went on `full_topic`, as the topic confirmed it; "-" if it did not say.
std::string position_on(const route_outcome& outcome, const std::string& full_topic) {
  for (const auto& [topic, position] : outcome.positions)
    if (topic == full_topic && !position.empty())
      return position;
  return "-";
}

void print_published(const config::settings& settings, const event& ev, const batch_plan& plan,
                     const route_outcome& outcome) {
  std::cout << "event " << ev.id << " (" << ev.type << ", time " << ev.time << ")";
  if (plan.routed.empty()) {
    std::cout << ": every route of its type is disabled; it went nowhere\n";
    return;
  }
  std::cout << " published to " << plan.routed.size() << (plan.routed.size() == 1 ? " topic:\n" : " topics:\n");
  std::vector<table_row> rows{{"TOPIC", "TRANSPORT", "KEY", "POSITION"}};
  bool in_memory = false;
  for (const auto* target : plan.routed) {
    auto transport = settings.topics.at(target->topic).transport;
    in_memory = in_memory || config::description_of(transport).in_process;
    rows.push_back({target->full_topic, config::to_string(transport), plan.by_topic[target->topic_index].front().key,
                    position_on(outcome, target->full_topic)});
  }
  print_table(std::cout, rows);
  if (in_memory)
    std::cout << "note: a memory topic exists only inside this process: the event is not visible to a running "
                 "service, and is gone when this command exits\n";
}

int produce(const config::settings& settings, const event_ptr& ev) {
  std::optional<routing_table> table;
  try {
    table.emplace(dry_run_table(settings));
  } catch (const std::exception& e) {
    std::cerr << "eventrouter produce: " << e.what() << "\n";
    return exit_usage;
  }
  // Planned here too, without brokers, so that an event the router would refuse contacts none,
  // and because the router's answer does not say which key went to which topic.
  auto plan = plan_batch(*table, {ev});
  if (!plan.ok())
    return refused(*table, *ev, plan);
  if (plan.routed.empty()) {  // every route of the type is disabled: no topic to start
    print_published(settings, *ev, plan, {});
    return exit_ok;
  }
  route_outcome outcome;
  try {
    outcome = publish(settings, ev);
  } catch (const std::exception& e) {
    std::cerr << "eventrouter produce: cannot start the transports: " << e.what() << "\n";
    return exit_failure;
  }
  if (outcome.result != route_outcome::status::accepted)
    return not_confirmed(*ev, plan, outcome);
  print_published(settings, *ev, plan, outcome);
  return exit_ok;
}

int produce_main(std::span<const std::string_view> args) {
  auto parsed = options::parse(args, {{"--config"}, {"--type"}, {"--data"}, {"--id"}, {"--source"}, {"--time"}});
  if (auto* error = std::get_if<std::string>(&parsed))
    return usage_error(produce_command, *error);
  auto& o = std::get<options>(parsed);
  if (!o.has("--config") || !o.has("--type") || !o.has("--data") || !o.positional().empty())
    return usage_error(produce_command, "expected --config FILE --type TYPE --data JSON|@FILE");
  auto settings = load(*o.value("--config"));
  if (!settings)
    return exit_usage;
  auto data = read_event_data(*o.value("--data"));
  if (auto* error = std::get_if<input_error>(&data)) {
    std::cerr << "eventrouter produce: " << error->message << "\n";
    return error->exit_code;
  }
  auto ev = make_event({*o.value("--type"), o.value("--id").value_or(random_uuid()),
                        o.value("--source").value_or(default_source), o.value("--time")},
                       std::move(std::get<json::value>(data)));
  if (auto* error = std::get_if<std::string>(&ev))
    return usage_error(produce_command, "the event is not valid: " + *error);
  return produce(*settings, std::get<event_ptr>(ev));
}

}  // namespace

const command produce_command{"produce", "send one event through the routing table to the real topics",
                              R"(usage: eventrouter produce --config FILE --type TYPE --data JSON|@FILE
                           [--id ID] [--source SOURCE] [--time RFC3339]

Sends one CloudEvent of TYPE with the data given (a JSON object, inline or @FILE) through the
routing table of FILE to its topics on their real transports (Redis, Kafka), as POST /v1/events
would, waits until every topic confirmed it, and prints each topic's full name, transport, the
event's key there and its position as the broker confirmed it (Redis: the stream entry id;
Kafka: partition P offset O; memory: offset N). Nothing is published when the router would refuse the event (unknown
type, missing key, data that does not fit an openedx schema). No HTTP is served and no consumer
runs. A memory topic exists only inside this process: a running service does not see what is
published there. The id defaults to a random UUID, the source to eventrouter/cli, the time to
now.

exit codes: 0 published on every enabled route; 1 not published: the event was refused (or
--data is not a JSON object), a broker failed or did not confirm in time; 2 bad usage or an
invalid configuration

example:
  eventrouter produce --config prod.json --type org.openedx.content_authoring.xblock.published.v1 \
    --data '{"xblock_info": {"usage_key": "block-v1:edX+DemoX+Demo_Course+type@vertical+block@v1",
                             "block_type": "vertical"}}'
)",
                              produce_main};

}  // namespace eventrouter
