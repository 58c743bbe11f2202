#pragma once
// Every metric eventrouter exposes, in one registry. Labels carry only names from the
// configuration (event types, topics, consumers, transports), so cardinality is bounded by
// the file.
//
// Looking a labelled series up takes a lock; callers on the hot path look their series up
// once, keep the handle, and then only touch an atomic per update (see handles.hpp).

#include "metrics/handles.hpp"
#include "metrics/histogram.hpp"

#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace eventrouter::metrics {

class registry {
 public:
  // A disabled registry hands out empty handles and exposes nothing: the benchmark's
  // baseline for what metrics cost.
  enum class mode { enabled, disabled };
  explicit registry(mode m = mode::enabled);

  // Events handed to eventrouter, by source (http, consumer).
  counter received(const std::string& source);
  // Ingest requests refused before routing, by reason (malformed, too_large, overloaded,
  // unsupported_media_type).
  counter rejected(const std::string& reason);
  // Requests the HTTP server refused before any endpoint saw them, by reason
  // (too_many_connections, header_too_large, body_too_large, timeout, malformed), and the
  // connections it serves.
  counter http_refused(const std::string& reason);
  gauge http_open_connections();
  // (event, topic) pairs routed, by event type and topic.
  counter routed(const std::string& event_type, const std::string& topic);
  // Events no route took, by reason (unknown_type, key_missing); no type label, so an unknown
  // type cannot add series.
  counter unrouted(const std::string& reason);
  // Events published, by topic, transport and result (ok, error).
  counter published(const std::string& topic, const std::string& transport, const std::string& result);
  // Seconds from a topic receiving a batch to the batch being durable, by transport.
  histogram_handle publish_duration(const std::string& transport);

  // Events a consumer finished or tried, by outcome (ok, retried, dead_lettered, failed, malformed).
  counter consumer_messages(const std::string& consumer, const std::string& outcome);
  counter consumer_restarts(const std::string& consumer);
  // A consumer's failed tries and polls by the error's kind (topic_full, sink_failed, ...).
  counter consumer_failures(const std::string& consumer, const std::string& kind);
  gauge consumer_consecutive_errors(const std::string& consumer);
  // 1 for the consumer's current state (running, restarting, failed, stopped), 0 for the others.
  gauge consumer_state(const std::string& consumer, const std::string& state);
  gauge consumer_lag(const std::string& consumer);
  // Seconds from an event's `time` attribute to its sink's success, by consumer.
  histogram_handle end_to_end_latency(const std::string& consumer);

  // Events accepted by ingest and not yet answered.
  gauge in_flight();

  // Configuration reloads by result (ok, invalid, failed), the generation serving (1 at
  // start, +1 per applied reload) and when the last reload succeeded (Unix seconds).
  counter reloads(const std::string& result);
  gauge config_generation();
  gauge last_reload_success();

  // The Prometheus text exposition format (version 0.0.4), with the process_* metrics.
  std::string serialize() const;

 private:
  bool enabled_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& received_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Family<prometheus::Counter>& http_refused_;
  prometheus::Family<prometheus::Gauge>& http_open_connections_;
  prometheus::Family<prometheus::Counter>& routed_;
  prometheus::Family<prometheus::Counter>& unrouted_;
  prometheus::Family<prometheus::Counter>& published_;
  prometheus::Family<prometheus::Counter>& consumer_messages_;
  prometheus::Family<prometheus::Counter>& consumer_restarts_;
  prometheus::Family<prometheus::Counter>& consumer_failures_;
  prometheus::Family<prometheus::Gauge>& consumer_consecutive_errors_;
  prometheus::Family<prometheus::Gauge>& consumer_state_;
  prometheus::Family<prometheus::Gauge>& consumer_lag_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  prometheus::Family<prometheus::Counter>& reloads_;
  prometheus::Family<prometheus::Gauge>& config_generation_;
  prometheus::Family<prometheus::Gauge>& last_reload_success_;
  histogram_family publish_duration_;
  histogram_family end_to_end_latency_;
};

}  // namespace eventrouter::metrics
