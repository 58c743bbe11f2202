#include "event_round_trip.hpp"

#include "fuzz_check.hpp"
#include "avro/exact_json.hpp"
#include "avro/utf8.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace eventrouter::fuzz {

namespace {

bool same_event(const event& a, const event& b) {
  return a.id == b.id && a.type == b.type && a.source == b.source && a.time == b.time &&
         a.specversion == b.specversion && a.minorversion == b.minorversion && a.sourcehost == b.sourcehost &&
         a.sourcelib == b.sourcelib && a.datacontenttype == b.datacontenttype && a.data == b.data &&
         a.extensions == b.extensions && a.occurred == b.occurred;
}

void require_round_trip(const event& ev) {
  require(ev.data.is_object(), "an accepted event's data is a JSON object");
  require(ev.occurred.has_value(), "an accepted event's time is parsed");
  std::string text;
  append_json(text, ev);
  boost::json::error_code ec;
  require(parse_exact(text, ec) == boost::json::value(to_json(ev)) && !ec, "append_json writes what to_json makes", text);
  auto again = parse_structured(text);
  const auto* events = std::get_if<std::vector<event_ptr>>(&again);
  require(events != nullptr, "an accepted event written as JSON parses again",
          text + "\n" + (events == nullptr ? std::get<parse_error>(again).message : ""));
  require(events->size() == 1 && same_event(ev, *events->front()), "an accepted event written as JSON reads back the same",
          text);
}

}  // namespace

void require_parse_invariants(const parse_result& result) {
  if (const auto* error = std::get_if<parse_error>(&result)) {
    const auto& message = error->message;
    bool one_line = std::none_of(message.begin(), message.end(), [](unsigned char c) { return c < 0x20; });
    require(!message.empty() && is_utf8(message) && one_line, "a refusal is one line of UTF-8 text", message);
    return;
  }
  const auto& events = std::get<std::vector<event_ptr>>(result);
  require(!events.empty(), "an accepted body has at least one event");
  for (const auto& ev : events)
    require_round_trip(*ev);
}

}  // namespace eventrouter::fuzz
