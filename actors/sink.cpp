#include "actors/sink.hpp"

#include "actors/http_sink.hpp"
#include "actors/log_sink.hpp"
#include "actors/route_sink.hpp"
#include "actors/topic_sink.hpp"

namespace eventrouter {

sink_factory configured_sinks(std::unordered_map<std::string, caf::actor> topics, caf::actor router) {
  return [topics = std::move(topics), router](const config::consumer_settings& c) -> std::shared_ptr<sink> {
    switch (c.sink.type) {
      case config::sink_kind::log:
        return std::make_shared<log_sink>();
      case config::sink_kind::http:
        return std::make_shared<http_sink>(c.sink);
      case config::sink_kind::topic:
        return std::make_shared<topic_sink>(topics.at(c.sink.topic), c.sink.topic);
      case config::sink_kind::route:
        return std::make_shared<route_sink>(router);
    }
    return nullptr;
  };
}

}  // namespace eventrouter
