// `eventrouter routes`: a dry run of a configuration's routing table, with no broker or schema
// registry contacted. Lists which topics each event type goes to and with which key field; for
// one type and its data, says whether the router would take the event and, if not, why.

#include "commands.hpp"

#include "config/transports.hpp"
#include "event_cli.hpp"
#include "router/batch_plan.hpp"
#include "text_table.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <iostream>

namespace eventrouter {

namespace {

using namespace cli;
namespace json = boost::json;

constexpr std::string_view ids_note =
  "schema registry ids are not resolved in a dry run: no registry is contacted, the data is checked against "
  "the schemas of the schema folder";

// What one route would do with the event given by --data.
struct route_check {
  std::optional<std::string> key;        // what the route extracts; unset when it cannot
  std::optional<route_refusal> refusal;  // why the router would refuse the event on this route
};

// Asked of every route, disabled ones too, so that an operator sees what enabling one would do.
route_check check_route(const route_target& target, const event_ptr& ev) {
  std::optional<std::string> avro_body;  // not shared: each route answers on its own
  auto routed = route_event(target, ev, avro_body);
  if (auto* taken = std::get_if<keyed_event>(&routed))
    return {taken->key, std::nullopt};
  // A schema mismatch comes after a key was found: show that key.
  auto key = target.key.extract(ev->data);
  auto* text = std::get_if<std::string>(&key);
  return {text ? std::optional<std::string>(*text) : std::nullopt, std::get<route_refusal>(routed)};
}

// For a topic in openedx format, whether the data fits its schema; "-" for JSON topics.
std::string schema_verdict(const route_target& target, const route_check& check) {
  if (!target.openedx)
    return "-";
  if (!check.refusal)
    return "fits";
  return check.refusal->why == route_refusal::reason::schema_mismatch ? "does not fit" : "not checked";
}

std::vector<const route_target*> routes_of(const routing_table& table, std::string_view type) {
  std::vector<const route_target*> out;
  for (const auto& r : table.all_routes())
    if (r.event_type == type)
      out.push_back(&r);
  return out;
}

std::vector<std::string> event_types(const routing_table& table) {
  std::vector<std::string> out;
  for (const auto& r : table.all_routes())
    if (std::find(out.begin(), out.end(), r.event_type) == out.end())
      out.push_back(r.event_type);
  return out;
}

bool needs_registry(const config::settings& settings, const route_target& r) {
  return r.openedx && config::description_of(settings.topics.at(r.topic).transport).openedx_registers_schemas;
}

table_row route_header() { return {"TOPIC", "FULL TOPIC", "TRANSPORT", "FORMAT", "KEY FIELD", "ENABLED"}; }

table_row route_row(const config::settings& settings, const route_target& r) {
  const auto& topic = settings.topics.at(r.topic);
  return {r.topic,     r.full_topic, config::to_string(topic.transport), config::to_string(topic.format),
          r.key.text(), r.enabled ? "yes" : "no"};
}

json::object route_json(const config::settings& settings, const route_target& r) {
  const auto& topic = settings.topics.at(r.topic);
  return {{"event_type", r.event_type},
          {"topic", r.topic},
          {"full_topic", r.full_topic},
          {"transport", config::to_string(topic.transport)},
          {"format", config::to_string(topic.format)},
          {"event_key_field", r.key.text()},
          {"enabled", r.enabled}};
}

// Every event type with its routes.
int list_all(const config::settings& settings, const routing_table& table, bool as_json) {
  if (as_json) {
    json::array routes;
    for (const auto& r : table.all_routes())
      routes.push_back(route_json(settings, r));
    std::cout << json::serialize(json::object{{"topic_prefix", settings.topic_prefix}, {"routes", std::move(routes)}})
              << "\n";
    return exit_ok;
  }
  if (table.all_routes().empty())
    std::cout << "no routes: producer_config is empty\n";
  for (const auto& type : event_types(table)) {
    std::vector<table_row> rows{route_header()};
    for (const auto* r : routes_of(table, type))
      rows.push_back(route_row(settings, *r));
    std::cout << type << "\n";
    print_table(std::cout, rows);
    std::cout << "\n";
  }
  return exit_ok;
}

int unknown_type(const routing_table& table, const std::string& type, bool as_json) {
  auto matches = close_matches(table, type);
  if (as_json) {
    json::array close;
    for (const auto& m : matches)
      close.push_back(json::string(m));
    json::object out{{"event_type", type}, {"known", false}, {"close_matches", std::move(close)}};
    std::cout << json::serialize(out) << "\n";
    return exit_failure;
  }
  std::cerr << "eventrouter routes: unknown event type '" << type << "': producer_config has no route for it\n";
  if (!matches.empty()) {
    std::cerr << "close matches:\n";
    for (const auto& m : matches)
      std::cerr << "  " << m << "\n";
  }
  return exit_failure;
}

// One type's routes; with an event, what each would do with it.
struct type_report {
  std::vector<const route_target*> routes;
  std::vector<route_check> checks;  // one per route, when an event was given
  std::vector<std::string> problems;
  std::size_t enabled = 0;
  bool refused = false;      // an enabled route refuses the event: the router refuses it whole
  bool registry_ids = false;  // a route whose ids a real run would ask the registry for
};

type_report report_type(const config::settings& settings, const routing_table& table, const std::string& type,
                        const event_ptr& ev) {
  type_report report;
  report.routes = routes_of(table, type);
  for (const auto* r : report.routes) {
    report.enabled += r->enabled ? 1 : 0;
    report.registry_ids = report.registry_ids || needs_registry(settings, *r);
    if (!ev)
      continue;
    report.checks.push_back(check_route(*r, ev));
    const auto& refusal = report.checks.back().refusal;
    if (!refusal)
      continue;
    report.refused = report.refused || r->enabled;
    report.problems.push_back(r->topic + (r->enabled ? "" : " (disabled: not used)") + ": " + refusal->message);
  }
  return report;
}

std::string verdict(const type_report& report) {
  if (report.refused)
    return "the router would refuse this event: nothing would be published";
  if (report.enabled == 0)
    return "the router would accept this event, but every route is disabled: it would go nowhere";
  return "the router would publish this event to " + std::to_string(report.enabled) +
         (report.enabled == 1 ? " topic" : " topics");
}

void print_type(const config::settings& settings, const std::string& type, const type_report& report) {
  std::cout << type << ": " << report.routes.size() << (report.routes.size() == 1 ? " route, " : " routes, ")
            << report.enabled << " enabled\n";
  std::vector<table_row> rows{route_header()};
  bool with_data = !report.checks.empty();
  if (with_data) {
    rows[0].push_back("KEY");
    rows[0].push_back("SCHEMA");
  }
  for (std::size_t i = 0; i < report.routes.size(); ++i) {
    rows.push_back(route_row(settings, *report.routes[i]));
    if (with_data) {
      rows.back().push_back(report.checks[i].key.value_or("-"));
      rows.back().push_back(schema_verdict(*report.routes[i], report.checks[i]));
    }
  }
  print_table(std::cout, rows);
  if (!report.problems.empty()) {
    std::cout << "\nproblems:\n";
    for (const auto& p : report.problems)
      std::cout << "  " << p << "\n";
  }
  if (report.registry_ids)
    std::cout << "\nnote: " << ids_note << "\n";
  if (with_data)
    std::cout << "\n" << verdict(report) << "\n";
}

void print_type_json(const config::settings& settings, const std::string& type, const type_report& report) {
  json::array routes;
  for (std::size_t i = 0; i < report.routes.size(); ++i) {
    auto route = route_json(settings, *report.routes[i]);
    if (!report.checks.empty()) {
      const auto& check = report.checks[i];
      route["key"] = check.key ? json::value(*check.key) : json::value(nullptr);
      if (report.routes[i]->openedx)
        route["schema"] = schema_verdict(*report.routes[i], check);
      if (check.refusal)
        route["problem"] = check.refusal->message;
    }
    routes.push_back(std::move(route));
  }
  json::object out{{"event_type", type}, {"known", true}, {"routes", std::move(routes)}};
  if (!report.checks.empty()) {
    out["routed"] = !report.refused;
    out["verdict"] = verdict(report);
  }
  if (report.registry_ids)
    out["notes"] = json::array{json::string(ids_note)};
  std::cout << json::serialize(out) << "\n";
}

int show_type(const config::settings& settings, const routing_table& table, const std::string& type,
              const event_ptr& ev, bool as_json) {
  if (table.enabled_routes(type) == nullptr)
    return unknown_type(table, type, as_json);
  auto report = report_type(settings, table, type, ev);
  if (as_json)
    print_type_json(settings, type, report);
  else
    print_type(settings, type, report);
  return report.refused ? exit_failure : exit_ok;
}

// The event --data describes, of --type; nullptr without --data. Sets `exit_code` when it cannot.
event_ptr event_of(const options& o, int& exit_code) {
  auto data_arg = o.value("--data");
  if (!data_arg)
    return nullptr;
  auto data = read_event_data(*data_arg);
  if (auto* error = std::get_if<input_error>(&data)) {
    std::cerr << "eventrouter routes: " << error->message << "\n";
    exit_code = error->exit_code;
    return nullptr;
  }
  // Only the data and the type matter to routing; the other attributes are placeholders.
  auto ev = make_event({*o.value("--type"), "routes-dry-run", "eventrouter/cli", std::nullopt},
                       std::move(std::get<json::value>(data)));
  if (auto* error = std::get_if<std::string>(&ev)) {
    std::cerr << "eventrouter routes: the event is not valid: " << *error << "\n";
    exit_code = exit_usage;
    return nullptr;
  }
  return std::get<event_ptr>(ev);
}

int routes_main(std::span<const std::string_view> args) {
  auto parsed = options::parse(args, {{"--config"}, {"--type"}, {"--data"}, {"--json", false}});
  if (auto* error = std::get_if<std::string>(&parsed))
    return usage_error(routes_command, *error);
  auto& o = std::get<options>(parsed);
  if (!o.has("--config") || !o.positional().empty())
    return usage_error(routes_command, "expected --config FILE");
  if (o.has("--data") && !o.has("--type"))
    return usage_error(routes_command, "--data needs --type");
  auto settings = load(*o.value("--config"));
  if (!settings)
    return exit_usage;
  std::optional<routing_table> table;
  try {
    table.emplace(dry_run_table(*settings));
  } catch (const std::exception& e) {
    std::cerr << "eventrouter routes: " << e.what() << "\n";
    return exit_usage;
  }
  bool as_json = o.has("--json");
  if (!o.has("--type"))
    return list_all(*settings, *table, as_json);
  int exit_code = exit_ok;
  auto ev = event_of(o, exit_code);
  if (exit_code != exit_ok)
    return exit_code;
  return show_type(*settings, *table, *o.value("--type"), ev, as_json);
}

}  // namespace

const command routes_command{"routes", "show where event types go, and check an event, without a broker",
                             R"(usage: eventrouter routes --config FILE [--type TYPE [--data JSON|@FILE]] [--json]

A dry run of the routing table of FILE: no broker or schema registry is contacted.
Without --type: every event type with its routes (topic, full topic name, transport, format,
event_key_field, enabled). With --type: that type's routes, disabled ones included. With
--data, the event's data (a JSON object, inline or @FILE): the key each route extracts or why it
cannot (a missing key path, a value that is not a string, number or boolean), whether the data
fits the schema of topics in openedx format, and whether the router would publish the event —
it refuses the whole event when one enabled route cannot take it. Schema registry ids are not
resolved. --json prints one JSON document instead of tables.

exit codes: 0 the type is known (with --data: the event would be routed); 1 it would not: an
unknown type (close matches are listed), a missing key, data that does not fit a schema, or
--data that is not a JSON object; 2 bad usage or an invalid configuration

examples:
  eventrouter routes --config config/examples/local.json
  eventrouter routes --config config/examples/local.json \
    --type org.openedx.content_authoring.xblock.published.v1 \
    --data '{"xblock_info": {"usage_key": "block-v1:edX+DemoX+Demo_Course+type@vertical+block@v1"}}'
)",
                             routes_main};

}  // namespace eventrouter
