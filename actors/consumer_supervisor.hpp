#pragma once
// Starts every configured consumer, watches it, and restarts one that failed — after an
// exponential backoff that starts at restart_backoff_min, doubles per restart up to
// restart_backoff_max, and starts over once a restarted consumer delivers again. A consumer
// restarted more than max_restarts times within restart_window is reported "failed" (in
// /v1/consumers, and /readyz turns 503) while its restarts go on; it is "running" again once
// it delivers. The other consumers are not affected.
//
//   (status_atom) -> consumer_statuses
//   (drain_atom)  -> bool, once every consumer finished what its topic holds and stopped

#include "actors/consumer.hpp"
#include "actors/messages.hpp"
#include "actors/sink.hpp"
#include "config/settings.hpp"
#include "metrics/registry.hpp"

#include <caf/all.hpp>

#include <vector>

namespace eventrouter {

// A consumer to supervise: its settings and how it reaches its topic.
struct supervised_consumer {
  config::consumer_settings settings;
  std::string full_topic;
  source_opener open_source;
  caf::actor dead_letter;  // the dead-letter topic's actor, if the consumer has one
};

caf::actor spawn_consumer_supervisor(caf::actor_system& sys, std::vector<supervised_consumer> consumers,
                                     sink_factory make_sink, metrics::registry& metrics);

}  // namespace eventrouter
