#pragma once
// Starts every configured consumer, watches it, and restarts one that failed — after an
// exponential backoff that starts at restart_backoff_min, doubles per restart up to
// restart_backoff_max, and starts over once a restarted consumer delivers again. A consumer
// restarted more than max_restarts times within restart_window is reported "failed" (in
// /v1/consumers, and /readyz turns 503) while its restarts go on; it is "running" again once
// it delivers. A consumer that cannot be built (its sink refuses its settings) is failed at
// once, with the reason, and tried again on the same backoff. The other consumers are not
// affected.
//
// A reload hands it the next set of consumers: a consumer the same as before is not touched;
// a changed one finishes what it has under way, stops, and starts again as configured now; a
// removed one finishes what it has under way and stops; a new one starts.
//
//   (status_atom)                  -> consumer_statuses
//   (reload_atom, consumer_set)    -> consumer_changes
//   (drain_atom)                   -> bool, once every consumer finished what its topic holds and stopped

#include "actors/consumer.hpp"
#include "actors/messages.hpp"
#include "actors/sink.hpp"
#include "config/settings.hpp"
#include "metrics/registry.hpp"

#include <caf/all.hpp>

#include <memory>
#include <vector>

namespace eventrouter {

// A consumer to supervise: its settings and how it reaches its topic.
struct supervised_consumer {
  config::consumer_settings settings;
  std::string full_topic;
  source_opener open_source;
  topic_actor dead_letter;  // the dead-letter topic's actor, if the consumer has one
  // The actors a running incarnation holds on to besides its dead-letter topic (its topic,
  // its sink's topic): one replaced by a reload means the consumer must start again.
  std::vector<topic_actor> depends_on;
  // The sink the reload that asked for this consumer built (and so knew it could build), for
  // its first incarnation; later incarnations get fresh ones from the factory.
  std::shared_ptr<sink> first_sink = nullptr;
  // The keys of events read without one; not compared by same_as: a reload updates them in place.
  std::shared_ptr<current_keys> keys = nullptr;

  bool same_as(const supervised_consumer& other) const {
    return settings == other.settings && full_topic == other.full_topic && dead_letter == other.dead_letter &&
           depends_on == other.depends_on;
  }
};

// What a reload asks the supervisor to run from now on, with the sinks to give the consumers
// it starts. The reload itself cannot fail: a consumer whose sink cannot be built when it
// (re)starts is a failed consumer (errc::not_built), tried again after its restart backoff.
struct consumer_set {
  std::vector<supervised_consumer> consumers;
  sink_factory make_sink;
};
using consumer_set_ptr = std::shared_ptr<const consumer_set>;

// What a reload did to the consumers, by name.
struct consumer_changes {
  std::vector<std::string> started;
  std::vector<std::string> stopped;
  std::vector<std::string> restarted;
};

caf::actor spawn_consumer_supervisor(caf::actor_system& sys, std::vector<supervised_consumer> consumers,
                                     sink_factory make_sink, metrics::registry& metrics);

}  // namespace eventrouter

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::consumer_set_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::consumer_changes)
