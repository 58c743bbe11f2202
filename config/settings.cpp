#include "config/settings.hpp"

#include "config/transports.hpp"

namespace eventrouter::config {

std::string to_string(transport_kind t) { return std::string(description_of(t).name); }

std::string to_string(topic_format f) {
  switch (f) {
    case topic_format::json: return "json";
    case topic_format::openedx: return "openedx";
  }
  return "unknown";
}

std::string to_string(sink_kind s) {
  switch (s) {
    case sink_kind::log: return "log";
    case sink_kind::http: return "http";
    case sink_kind::topic: return "topic";
    case sink_kind::route: return "route";
  }
  return "unknown";
}

}  // namespace eventrouter::config
