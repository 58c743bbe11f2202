#pragma once
// The running actor graph for one configuration: topic actors, the router, the consumer
// supervisor and the HTTP producer. main, the benchmarks and the tests build it the same way.
//
// It is also the control plane's one way to change that graph: apply() moves it to another
// validated configuration. Starting is applying the first configuration to an empty graph.
// The router, the supervisor and the producer live as long as the service; topics and
// consumers come and go with configurations. The service watches them (and whatever else is
// given to watch()): if one dies, the delivery plane is broken for good — it stops being
// ready, says why, and tells its owner, who ends the process (docs/architecture.md,
// Supervision).

#include "actors/consumer_supervisor.hpp"
#include "actors/messages.hpp"
#include "actors/reload_history.hpp"
#include "actors/router.hpp"
#include "actors/sink.hpp"
#include "actors/transport.hpp"
#include "config/settings.hpp"
#include "config/settings_diff.hpp"
#include "metrics/registry.hpp"
#include "router/routing_table.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <vector>

namespace eventrouter {

// What apply() changed.
struct applied_changes {
  std::uint64_t generation = 0;
  config::route_diff routes;
  std::vector<std::string> topics_started;  // full names
  std::vector<std::string> topics_stopped;  // removed, or replaced by a topic started
  consumer_changes consumers;
  std::vector<std::string> restart_only;  // changed keys only a restart applies

  // One line for the log: what changed, "nothing" when nothing did.
  std::string summary() const;
};

class service {
 public:
  // Called once, on an actor's thread, with why, when a watched actor died.
  using death_notice = std::function<void(const std::string& why)>;

  // Throws std::runtime_error when the first configuration cannot be applied (a Kafka producer
  // librdkafka refuses, a registry that is down); brokers being down is not an error here, only
  // later for requests, and a consumer whose sink refuses its settings is one failed consumer.
  // Without `make_sink`, consumers get the sinks their configuration names.
  service(caf::actor_system& sys, const config::settings& settings, metrics::registry& metrics,
          sink_factory make_sink = {}, death_notice on_death = {});
  ~service();

  const caf::actor& producer() const { return producer_; }
  const caf::actor& router() const { return router_; }
  const caf::actor& supervisor() const { return supervisor_; }

  // What serves now; safe from any thread.
  routing_ptr routing_now() const;
  std::shared_ptr<const config::settings> settings_now() const;
  // The last reloads' results: the config manager records them, HTTP threads read them.
  reload_history& reloads() { return reloads_; }

  // Moves the graph to `next`, a validated configuration, and returns what changed. All or
  // nothing: what can fail — a Kafka producer, the registry's schema ids, a PING to a new or
  // changed Redis, the sinks of new and changed consumers — is done first, and if any fails
  // nothing running changed. At start-up a broker being down is not fatal, nor a sink that
  // cannot be built (its consumer is failed). One
  // caller at a time (the config manager); blocks until the router routes by `next` and the
  // supervisor has started, stopped or restarted the consumers.
  caf::expected<applied_changes> apply(const config::settings& next);

  // Watches another long-lived actor (the config manager) as it watches its own; `name` is
  // how the log and /readyz call it. An exit with user_shutdown is an orderly stop, not a death.
  void watch(const caf::actor& actor, std::string name);
  // Why the service cannot serve any more — a watched actor died — or nothing while all live.
  std::optional<std::string> broken() const;

  // Graceful shutdown: waits until no ingest is in flight, then lets every consumer finish
  // what its topic holds. False when `budget` ran out first.
  bool drain(std::chrono::milliseconds budget);

 private:
  struct running_topic {
    config::topic_settings settings;
    topic_actor actor;
  };
  // Everything a configuration needs that can fail, built before anything running changes.
  struct next_generation;

  caf::expected<next_generation> prepare(const config::settings& next, applied_changes& changes);
  caf::expected<void> build_consumers(const config::settings& next, next_generation& gen, bool reloading);
  void died(const std::string& name, const caf::error& reason);
  void stop_actors();
  bool reusable(const running_topic& running, const config::topic_settings& wanted, const next_generation& gen) const;

  caf::actor_system& sys_;
  metrics::registry& metrics_;
  sink_factory sink_override_;  // tests' and benchmarks' sinks, for every configuration
  std::map<config::transport_kind, link_ptr> links_;  // of the transports the running configuration sets up
  std::map<std::string, running_topic> topics_;  // by full name
  std::map<std::string, supervised_consumer> consumers_;  // as last applied (without sinks), by name
  caf::actor watchdog_;
  death_notice on_death_;
  caf::actor router_;
  caf::actor supervisor_;
  caf::actor producer_;

  mutable std::mutex published_mutex_;  // guards what other threads read: not on the data path
  routing_ptr routing_;
  std::shared_ptr<const config::settings> settings_;
  reload_history reloads_;  // guarded by its own mutex
  std::optional<std::string> broken_;  // guarded by published_mutex_
  std::atomic<bool> dead_{false};      // broken_ is set
};

}  // namespace eventrouter
