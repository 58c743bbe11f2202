#include "actors/sink.hpp"

#include "actors/http_sink.hpp"
#include "actors/log_sink.hpp"
#include "actors/route_sink.hpp"
#include "actors/topic_sink.hpp"

namespace eventrouter {

void gathering_sink::deliver(caf::event_based_actor*, const delivery& d, delivery_done done) {
  if (pending_.empty())
    read_from_ = std::string(d.topic);
  pending_.push_back({d.item, std::move(done)});
}

void gathering_sink::flush(caf::event_based_actor* consumer) {
  if (pending_.empty())
    return;
  auto deliveries = std::make_shared<const std::vector<gathered>>(std::move(pending_));
  pending_.clear();
  send(consumer, std::move(deliveries));
}

namespace {

std::shared_ptr<sink> build_sink(const config::consumer_settings& c,
                                 const std::unordered_map<std::string, topic_actor>& topics, const caf::actor& router) {
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
}

}  // namespace

sink_factory configured_sinks(std::unordered_map<std::string, topic_actor> topics, caf::actor router) {
  return [topics = std::move(topics),
          router](const config::consumer_settings& c) -> caf::expected<std::shared_ptr<sink>> {
    // What a sink's parts throw for settings they refuse (a webhook URL) stops here: the
    // consumer fails, its supervisor does not.
    try {
      if (auto built = build_sink(c, topics, router))
        return built;
      return failure(errc::not_built, "consumer '" + c.name + "': unknown sink type");
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {
      return failure(errc::not_built, "consumer '" + c.name + "': its sink refuses its settings: " + e.what());
    }
  };
}

}  // namespace eventrouter
