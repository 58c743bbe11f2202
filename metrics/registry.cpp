#include "metrics/registry.hpp"

#include <prometheus/text_serializer.h>

namespace eventrouter::metrics {

namespace {

prometheus::Family<prometheus::Counter>& counter(prometheus::Registry& r, const std::string& name,
                                                 const std::string& help) {
  return prometheus::BuildCounter().Name("eventrouter_" + name).Help(help).Register(r);
}

prometheus::Family<prometheus::Gauge>& gauge(prometheus::Registry& r, const std::string& name,
                                             const std::string& help) {
  return prometheus::BuildGauge().Name("eventrouter_" + name).Help(help).Register(r);
}

}  // namespace

registry::registry()
    : registry_(std::make_shared<prometheus::Registry>()),
      received_(counter(*registry_, "events_received_total", "Events handed to eventrouter, by source.")),
      rejected_(counter(*registry_, "ingest_rejected_total",
                        "Ingest requests refused before routing, by reason.")),
      routed_(counter(*registry_, "events_routed_total", "Events routed, by event type and topic.")),
      unrouted_(counter(*registry_, "events_unrouted_total", "Events no route took, by reason.")),
      published_(counter(*registry_, "events_published_total",
                         "Events published to topics, by topic, transport and result.")),
      consumer_messages_(counter(*registry_, "consumer_messages_total",
                                 "Events consumers finished, by consumer and outcome.")),
      consumer_restarts_(counter(*registry_, "consumer_restarts_total",
                                 "Consumer restarts by their supervisor.")),
      consumer_consecutive_errors_(gauge(*registry_, "consumer_consecutive_errors",
                                         "Failures in a row of each consumer.")),
      consumer_lag_(gauge(*registry_, "consumer_lag",
                          "Entries of the consumer's topic its group has not acknowledged.")),
      in_flight_(gauge(*registry_, "in_flight_events",
                       "Events accepted by ingest and not yet answered.").Add({})) {}

prometheus::Counter& registry::received(const std::string& source) {
  return received_.Add({{"source", source}});
}

prometheus::Counter& registry::rejected(const std::string& reason) {
  return rejected_.Add({{"reason", reason}});
}

prometheus::Counter& registry::routed(const std::string& event_type, const std::string& topic) {
  return routed_.Add({{"event_type", event_type}, {"topic", topic}});
}

prometheus::Counter& registry::unrouted(const std::string& reason) {
  return unrouted_.Add({{"reason", reason}});
}

prometheus::Counter& registry::published(const std::string& topic, const std::string& transport,
                                         const std::string& result) {
  return published_.Add({{"topic", topic}, {"transport", transport}, {"result", result}});
}

prometheus::Counter& registry::consumer_messages(const std::string& consumer,
                                                 const std::string& outcome) {
  return consumer_messages_.Add({{"consumer", consumer}, {"outcome", outcome}});
}

prometheus::Counter& registry::consumer_restarts(const std::string& consumer) {
  return consumer_restarts_.Add({{"consumer", consumer}});
}

prometheus::Gauge& registry::consumer_consecutive_errors(const std::string& consumer) {
  return consumer_consecutive_errors_.Add({{"consumer", consumer}});
}

prometheus::Gauge& registry::consumer_lag(const std::string& consumer) {
  return consumer_lag_.Add({{"consumer", consumer}});
}

prometheus::Gauge& registry::in_flight() { return in_flight_; }

std::string registry::serialize() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace eventrouter::metrics
