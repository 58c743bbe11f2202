#include "event_cli.hpp"

#include "command_line.hpp"
#include "router/cloudevents.hpp"
#include "avro/exact_json.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace eventrouter::cli {

namespace json = boost::json;

namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// How many dot-separated segments two event types share from the start.
std::size_t common_segments(std::string_view a, std::string_view b) {
  std::size_t shared = 0;
  while (!a.empty() && !b.empty()) {
    auto a_end = std::min(a.find('.'), a.size());
    auto b_end = std::min(b.find('.'), b.size());
    if (a.substr(0, a_end) != b.substr(0, b_end))
      break;
    shared++;
    a.remove_prefix(std::min(a_end + 1, a.size()));
    b.remove_prefix(std::min(b_end + 1, b.size()));
  }
  return shared;
}

}  // namespace

std::variant<json::value, input_error> read_event_data(std::string_view arg) {
  std::string text(arg);
  std::string what = "--data";
  if (arg.starts_with('@')) {
    auto path = std::string(arg.substr(1));
    auto contents = read_file(path);
    if (!contents)
      return input_error{exit_usage, "cannot read --data file '" + path + "': " + std::strerror(errno)};
    text = std::move(*contents);
    what = "--data file '" + path + "'";
  }
  json::parse_options options;
  options.max_depth = max_json_depth;  // as for a request body
  json::error_code ec;
  // Numbers read exactly, as ingest reads them: the data goes on the wire as it was written.
  auto data = parse_exact(text, ec, {}, options);
  if (ec)
    return input_error{exit_failure, what + " is not valid JSON: " + ec.message()};
  if (!data.is_object())
    return input_error{exit_failure, what + " must be a JSON object (the event's data)"};
  return data;
}

std::variant<event_ptr, std::string> make_event(const event_attributes& attributes, json::value data) {
  // The structured-mode object a producer would post, checked by the same code as a request.
  json::object object{{"specversion", "1.0"},
                      {"type", attributes.type},
                      {"id", attributes.id},
                      {"source", attributes.source},
                      {"data", std::move(data)}};
  if (attributes.time)
    object["time"] = *attributes.time;
  return event_from_object(object);
}

routing_table dry_run_table(const config::settings& settings) {
  return routing_table(settings, [](const std::string&, const std::string&) { return std::uint32_t{0}; });
}

std::vector<std::string> close_matches(const routing_table& table, std::string_view type) {
  std::vector<std::string> best;
  std::size_t best_shared = 1;  // at least the first segment
  for (const auto& route : table.all_routes()) {
    auto shared = common_segments(route.event_type, type);
    if (shared < best_shared)
      continue;
    if (shared > best_shared) {
      best.clear();
      best_shared = shared;
    }
    if (std::find(best.begin(), best.end(), route.event_type) == best.end())
      best.push_back(route.event_type);
  }
  return best;
}

}  // namespace eventrouter::cli
