#pragma once
// Where a consumer delivers events. A sink is given one event at a time and reports, once,
// from any thread, whether it was delivered; the consumer acknowledges the event only then.
// A sink may answer at once (an immediate_sink), later from another thread (http: the webhook
// client's IO thread; log: the line writer's thread), or through the consumer's own actor
// context (topic: it asks a topic actor).

#include "actors/failure.hpp"
#include "actors/topic_protocol.hpp"
#include "config/settings.hpp"
#include "router/event.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace eventrouter {

struct delivery {
  keyed_event item;
  std::string_view topic;     // full topic name the event was read from (valid during deliver())
  std::string_view consumer;  // consumer name from the configuration (valid during deliver())
};

// Delivered, or why not (actors/failure.hpp): errc::rejected when trying again cannot help
// (HTTP 400: dead-letter at once); any other kind is retried.
using delivery_result = caf::expected<void>;

// Called exactly once per delivery, from any thread.
using delivery_done = std::function<void(delivery_result)>;

class sink {
 public:
  virtual ~sink() = default;
  // `consumer` is the calling consumer actor: sinks that talk to other actors send from it.
  virtual void deliver(caf::event_based_actor* consumer, const delivery& d, delivery_done done) = 0;
  // Called after each round in which the consumer started what it could: a sink that talks to
  // an actor sends what it was given in that round as one message here, not one per event.
  virtual void flush(caf::event_based_actor*) {}
};

// A sink that gathers a round's deliveries and hands them on together in flush().
class gathering_sink : public sink {
 public:
  struct gathered {
    keyed_event item;
    delivery_done done;
  };
  using round = std::shared_ptr<const std::vector<gathered>>;

  void deliver(caf::event_based_actor*, const delivery& d, delivery_done done) final;
  void flush(caf::event_based_actor* consumer) final;

 protected:
  // Each delivery's `done` is called once, from the consumer's context or any thread.
  virtual void send(caf::event_based_actor* consumer, round deliveries) = 0;
  const std::string& read_from() const { return read_from_; }

 private:
  std::vector<gathered> pending_;
  std::string read_from_;  // the full topic the deliveries were read from
};

// A sink that knows the answer before deliver() returns.
class immediate_sink : public sink {
 public:
  void deliver(caf::event_based_actor*, const delivery& d, delivery_done done) final { done(deliver_now(d)); }
  virtual delivery_result deliver_now(const delivery& d) = 0;
};

// Makes the sink of a consumer, or says why it cannot (errc::not_built): a sink that refuses
// its settings is one failed consumer, never an exception in its supervisor. Called once per
// incarnation, so a restarted consumer starts with a fresh sink. Tests and benchmarks pass
// their own.
using sink_factory = std::function<caf::expected<std::shared_ptr<sink>>(const config::consumer_settings&)>;

// The sinks the configuration can name. Topic sinks publish through the topic actors (by
// topic name as in the file), route sinks through the router.
sink_factory configured_sinks(std::unordered_map<std::string, topic_actor> topics = {}, caf::actor router = {});

}  // namespace eventrouter

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::delivery_result)
