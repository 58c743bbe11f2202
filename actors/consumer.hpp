#pragma once
// A consumer: one member of a consumer group on one topic. It polls ahead while it delivers: up to
// `window` events read and not yet acknowledged, across polls, of which up to sink.concurrency
// are under way at once; with sink.ordered (the default) an event starts only once the one of
// the same key before it is done, so events of one key never overtake each other while other
// keys flow in parallel. Events read without a key (a Redis stream's) get the one their route
// gave them (router/topic_keys.hpp). Acknowledgements go in read order, never past an event that
// is not done. An event is done only after its sink succeeded or it was written to the
// dead-letter topic:
//   - a failed try is retried up to retry.max_attempts, after an exponential backoff with
//     jitter between retry.backoff_ms bounds (a non-retryable failure is not retried);
//   - then, with a dead-letter topic, the event goes there with dlq_reason, dlq_attempts,
//     dlq_source_topic, dlq_consumer and dlq_first_failure_time, and is acknowledged;
//   - without one (or if it refuses), nothing more starts; once what is under way finished, the
//     event and the rest of the window are given back, and the failure counts toward
//     consecutive_errors_limit.
// At the limit the consumer stops with the last failure as its exit reason, and its
// supervisor decides when to start it again.
//
//   (drain_atom) -> finish what the topic holds for the group, then stop normally
//   (stop_atom)  -> start nothing more, finish what is under way, acknowledge the done prefix,
//                   give back the rest, then stop normally: how a reload retires a consumer

#include "actors/messages.hpp"
#include "actors/sink.hpp"
#include "actors/topic_protocol.hpp"
#include "config/settings.hpp"
#include "metrics/registry.hpp"
#include "router/topic_keys.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

namespace eventrouter {

// Counters a consumer keeps across restarts; its supervisor reads them for /v1/consumers.
struct consumer_stats {
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<unsigned> consecutive_errors{0};
  std::atomic<std::uint64_t> malformed{0};  // entries that could not be decoded
  // What its group has not acknowledged, as its broker reader last read it; unknown_lag on the
  // memory transport and before the first reading.
  static constexpr std::int64_t unknown_lag = -1;
  std::atomic<std::int64_t> lag{unknown_lag};
};

// Gives a consumer (once per incarnation) the actor it polls: the shared memory topic actor,
// or a reader of its own on a broker.
using source_opener =
  std::function<source_actor(caf::event_based_actor* consumer, const std::shared_ptr<consumer_stats>& stats)>;

// The opener of a source every consumer shares (a memory topic).
inline source_opener shared_source(source_actor topic) {
  return [topic = std::move(topic)](caf::event_based_actor*, const std::shared_ptr<consumer_stats>&) { return topic; };
}

// The keys of a consumer's events read without one, as the routing table serving gives them. A
// reload that moves routes stores new ones once it is applied (service::apply), and a running
// consumer takes them at its next poll: a route's key is no reason to restart a consumer. A
// mutex, not std::atomic<std::shared_ptr>: it is taken once per poll, and GCC 12's atomic
// shared_ptr locks with a bit of its own that ThreadSanitizer does not see as a lock.
class current_keys {
 public:
  explicit current_keys(std::shared_ptr<const topic_keys> keys) : keys_(std::move(keys)) {}
  std::shared_ptr<const topic_keys> get() const {
    std::lock_guard lock(mutex_);
    return keys_;
  }
  void set(std::shared_ptr<const topic_keys> keys) {
    std::lock_guard lock(mutex_);
    keys_ = std::move(keys);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const topic_keys> keys_;
};

struct consumer_args {
  config::consumer_settings settings;
  std::string full_topic;
  source_opener open_source;
  std::shared_ptr<sink> out;
  std::shared_ptr<const current_keys> keys;  // for events read without a key; none: they keep none
  topic_actor dead_letter;                   // the dead-letter topic's actor; none without dead_letter_topic
  std::shared_ptr<consumer_stats> stats;
  metrics::registry* metrics;
};

// Spawns the consumer monitored by `supervisor`, which learns of its exit by a down message,
// and linked to it, so that the consumer ends when its supervisor does.
caf::actor spawn_consumer(caf::event_based_actor* supervisor, consumer_args args);

}  // namespace eventrouter

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::consumer_args)
