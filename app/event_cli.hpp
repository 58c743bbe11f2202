#pragma once
// What `routes` and `produce` share: the event an operator types on the command line, and a
// configuration's routing table read without contacting a broker or a schema registry.

#include "config/settings.hpp"
#include "router/event.hpp"
#include "router/routing_table.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace eventrouter::cli {

// Input a command cannot use, and the exit code that says whose fault it is.
struct input_error {
  int exit_code;
  std::string message;
};

// --data: the event's data as a JSON object, written inline or as @FILE. Text that is not a
// JSON object is the event's fault (exit_failure: POST /v1/events would answer 400); a file
// that cannot be read is the command line's (exit_usage).
std::variant<boost::json::value, input_error> read_event_data(std::string_view arg);

struct event_attributes {
  std::string type;
  std::string id;
  std::string source;
  std::optional<std::string> time;  // RFC 3339; unset: now
};

// The event as POST /v1/events would make it (CloudEvents 1.0), or what is wrong with an
// attribute.
std::variant<event_ptr, std::string> make_event(const event_attributes& attributes, boost::json::value data);

// The routing table the router would use for `settings`, except that Kafka topics in openedx
// format get schema id 0 instead of asking the registry: what a route takes or refuses does not
// depend on ids. Throws std::runtime_error as routing_table does.
routing_table dry_run_table(const config::settings& settings);

// The configured event types that share the most leading dot-separated segments with `type`
// (at least one): likely what was meant by a type the table does not know.
std::vector<std::string> close_matches(const routing_table& table, std::string_view type);

}  // namespace eventrouter::cli
