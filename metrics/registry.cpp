#include "metrics/registry.hpp"

#include "metrics/process_collector.hpp"

#include <prometheus/text_serializer.h>

namespace eventrouter::metrics {

namespace {

prometheus::Family<prometheus::Counter>& counter_family(prometheus::Registry& r, const std::string& name,
                                                        const std::string& help) {
  return prometheus::BuildCounter().Name("eventrouter_" + name).Help(help).Register(r);
}

prometheus::Family<prometheus::Gauge>& gauge_family(prometheus::Registry& r, const std::string& name,
                                                    const std::string& help) {
  return prometheus::BuildGauge().Name("eventrouter_" + name).Help(help).Register(r);
}

}  // namespace

registry::registry(mode m)
    : enabled_(m == mode::enabled),
      registry_(std::make_shared<prometheus::Registry>()),
      received_(counter_family(*registry_, "events_received_total", "Events handed to eventrouter, by source.")),
      rejected_(counter_family(*registry_, "ingest_rejected_total",
                               "Ingest requests refused before routing, by reason.")),
      http_refused_(counter_family(*registry_, "http_requests_refused_total",
                                   "HTTP requests refused before any endpoint saw them, by reason.")),
      http_open_connections_(gauge_family(*registry_, "http_open_connections", "HTTP connections being served.")),
      routed_(counter_family(*registry_, "events_routed_total", "Events routed, by event type and topic.")),
      unrouted_(counter_family(*registry_, "events_unrouted_total", "Events no route took, by reason.")),
      published_(counter_family(*registry_, "events_published_total",
                                "Events published to topics, by topic, transport and result.")),
      consumer_messages_(counter_family(*registry_, "consumer_messages_total",
                                        "Events consumers finished or tried, by consumer and outcome.")),
      consumer_restarts_(counter_family(*registry_, "consumer_restarts_total",
                                        "Consumer restarts by their supervisor.")),
      consumer_failures_(counter_family(*registry_, "consumer_failures_total",
                                        "Failed tries and polls of a consumer, by the error's kind.")),
      consumer_consecutive_errors_(gauge_family(*registry_, "consumer_consecutive_errors",
                                                "Failures in a row of each consumer.")),
      consumer_state_(gauge_family(*registry_, "consumer_state",
                                   "1 for the consumer's current state, 0 for its other states.")),
      consumer_lag_(gauge_family(*registry_, "consumer_lag",
                                 "Entries of the consumer's topic its group has not acknowledged.")),
      in_flight_(gauge_family(*registry_, "in_flight_events", "Events accepted by ingest and not yet answered.")),
      reloads_(counter_family(*registry_, "config_reloads_total", "Configuration reloads, by result.")),
      config_generation_(gauge_family(*registry_, "config_generation",
                                      "The configuration serving: 1 at start, +1 per applied reload.")),
      last_reload_success_(gauge_family(*registry_, "config_last_reload_success_timestamp_seconds",
                                        "When the configuration was last loaded successfully (Unix time).")),
      publish_duration_("eventrouter_publish_duration_seconds",
                        "Seconds from a topic receiving a batch to the batch being durable, by transport.",
                        "transport", latency_buckets()),
      end_to_end_latency_("eventrouter_end_to_end_latency_seconds",
                          "Seconds from an event's time attribute to its sink's success, by consumer.", "consumer",
                          latency_buckets()) {}

counter registry::received(const std::string& source) {
  return counter(enabled_ ? &received_.Add({{"source", source}}) : nullptr);
}

counter registry::rejected(const std::string& reason) {
  return counter(enabled_ ? &rejected_.Add({{"reason", reason}}) : nullptr);
}

counter registry::http_refused(const std::string& reason) {
  return counter(enabled_ ? &http_refused_.Add({{"reason", reason}}) : nullptr);
}

gauge registry::http_open_connections() {
  return gauge(enabled_ ? &http_open_connections_.Add({}) : nullptr);
}

counter registry::routed(const std::string& event_type, const std::string& topic) {
  return counter(enabled_ ? &routed_.Add({{"event_type", event_type}, {"topic", topic}}) : nullptr);
}

counter registry::unrouted(const std::string& reason) {
  return counter(enabled_ ? &unrouted_.Add({{"reason", reason}}) : nullptr);
}

counter registry::published(const std::string& topic, const std::string& transport, const std::string& result) {
  return counter(enabled_ ? &published_.Add({{"topic", topic}, {"transport", transport}, {"result", result}})
                          : nullptr);
}

histogram_handle registry::publish_duration(const std::string& transport) {
  return histogram_handle(enabled_ ? &publish_duration_.add(transport) : nullptr);
}

counter registry::consumer_messages(const std::string& consumer, const std::string& outcome) {
  return counter(enabled_ ? &consumer_messages_.Add({{"consumer", consumer}, {"outcome", outcome}}) : nullptr);
}

counter registry::consumer_failures(const std::string& consumer, const std::string& kind) {
  return counter(enabled_ ? &consumer_failures_.Add({{"consumer", consumer}, {"kind", kind}}) : nullptr);
}

counter registry::consumer_restarts(const std::string& consumer) {
  return counter(enabled_ ? &consumer_restarts_.Add({{"consumer", consumer}}) : nullptr);
}

gauge registry::consumer_consecutive_errors(const std::string& consumer) {
  return gauge(enabled_ ? &consumer_consecutive_errors_.Add({{"consumer", consumer}}) : nullptr);
}

gauge registry::consumer_state(const std::string& consumer, const std::string& state) {
  return gauge(enabled_ ? &consumer_state_.Add({{"consumer", consumer}, {"state", state}}) : nullptr);
}

gauge registry::consumer_lag(const std::string& consumer) {
  return gauge(enabled_ ? &consumer_lag_.Add({{"consumer", consumer}}) : nullptr);
}

histogram_handle registry::end_to_end_latency(const std::string& consumer) {
  return histogram_handle(enabled_ ? &end_to_end_latency_.add(consumer) : nullptr);
}

gauge registry::in_flight() { return gauge(enabled_ ? &in_flight_.Add({}) : nullptr); }

counter registry::reloads(const std::string& result) {
  return counter(enabled_ ? &reloads_.Add({{"result", result}}) : nullptr);
}

gauge registry::config_generation() { return gauge(enabled_ ? &config_generation_.Add({}) : nullptr); }

gauge registry::last_reload_success() { return gauge(enabled_ ? &last_reload_success_.Add({}) : nullptr); }

std::string registry::serialize() const {
  if (!enabled_)
    return {};
  auto families = registry_->Collect();
  families.push_back(publish_duration_.collect());
  families.push_back(end_to_end_latency_.collect());
  for (auto& family : collect_process_metrics())
    families.push_back(std::move(family));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace eventrouter::metrics
