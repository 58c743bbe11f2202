#pragma once
// Every metric eventrouter exposes, in one Prometheus registry. Labels carry only names from
// the configuration (event types, topics, consumers), so cardinality is bounded by the file.
//
// Looking a labelled series up takes a lock inside prometheus-cpp; callers on the hot path
// look their series up once, keep the reference, and then only touch an atomic per update.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace eventrouter::metrics {

class registry {
 public:
  registry();

  // Events handed to eventrouter, by source (http, consumer).
  prometheus::Counter& received(const std::string& source);
  // Ingest requests refused before routing, by reason (malformed, too_large, overloaded,
  // unsupported_media_type).
  prometheus::Counter& rejected(const std::string& reason);
  // (event, topic) pairs routed, by event type and topic.
  prometheus::Counter& routed(const std::string& event_type, const std::string& topic);
  // Events no route took, by reason (unknown_type, key_missing); no type label, so an unknown
  // type cannot add series.
  prometheus::Counter& unrouted(const std::string& reason);
  // Publish attempts by topic, transport and result (ok, error).
  prometheus::Counter& published(const std::string& topic, const std::string& transport,
                                 const std::string& result);
  // Events a consumer finished, by outcome (ok, failed).
  prometheus::Counter& consumer_messages(const std::string& consumer, const std::string& outcome);
  prometheus::Counter& consumer_restarts(const std::string& consumer);
  prometheus::Gauge& consumer_consecutive_errors(const std::string& consumer);
  prometheus::Gauge& consumer_lag(const std::string& consumer);
  // Events accepted by ingest and not yet answered.
  prometheus::Gauge& in_flight();

  // The Prometheus text exposition format (version 0.0.4).
  std::string serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& received_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Family<prometheus::Counter>& routed_;
  prometheus::Family<prometheus::Counter>& unrouted_;
  prometheus::Family<prometheus::Counter>& published_;
  prometheus::Family<prometheus::Counter>& consumer_messages_;
  prometheus::Family<prometheus::Counter>& consumer_restarts_;
  prometheus::Family<prometheus::Gauge>& consumer_consecutive_errors_;
  prometheus::Family<prometheus::Gauge>& consumer_lag_;
  prometheus::Gauge& in_flight_;
};

}  // namespace eventrouter::metrics
