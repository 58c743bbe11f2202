#pragma once
// A transport as the service runs it: what writes a topic and what a consumer of it polls.
//
// A transport's link is made for a configuration that sets the transport up, and holds what its
// topics share (the Kafka producer). A reload that leaves the transport's settings alone keeps
// the link, and with it every topic actor of the transport; one that changes them makes a new
// link, and the topics start anew on it. The protocols the link's actors speak are the ones a
// memory topic speaks (actors/messages.hpp): a topic answers (publish_atom, topic_batch) with a
// publish_receipt; a source answers join, poll, ack and nack for the consumer that opened it.
//
// To add a transport: a folder actors/<name>/ with its topic actor, its reader and a
// <name>_transport.cpp defining its link factory; a folder transports/<name>/ with its clients
// and its topic_access (transports/topic_access.hpp); and one line in actors/transports.cpp.

#include "actors/consumer.hpp"
#include "actors/topic_protocol.hpp"
#include "config/settings.hpp"
#include "metrics/registry.hpp"
#include "transports/topic_access.hpp"

#include <caf/all.hpp>

#include <memory>
#include <string>
#include <vector>

namespace eventrouter {

class transport_link {
 public:
  virtual ~transport_link() = default;

  // Spawns the actor that writes `topic` of configuration `next`, read by `consumers`.
  virtual topic_actor start_topic(const config::settings& next, const config::topic_settings& topic,
                                  const std::vector<const config::consumer_settings*>& consumers) = 0;

  // What each incarnation of consumer `c` polls; `writer` is the actor writing its topic.
  virtual source_opener source_for(const config::settings& next, const config::consumer_settings& c,
                                   const config::topic_settings& topic, const topic_actor& writer) = 0;

  // No consumer reads `group` of the topic any more: a transport that keeps events for each
  // group (memory) lets them go; a broker keeps the group's position, for when it comes back.
  virtual void group_left(const topic_actor& writer, const std::string& group);
};

using link_ptr = std::shared_ptr<transport_link>;

// The source of a broker transport: a reader of its own for each incarnation of a consumer,
// spawned by `spawn(consumer, args)` with the incarnation's counters in `args.stats`.
template <class Args, class Spawn>
source_opener own_reader(Args args, Spawn spawn) {
  return
    [args = std::move(args), spawn](caf::event_based_actor* consumer, const std::shared_ptr<consumer_stats>& stats) {
      auto with_stats = args;
      with_stats.stats = stats;
      return spawn(consumer, std::move(with_stats));
    };
}

// What a transport's link factory is given.
struct link_request {
  caf::actor_system& sys;
  metrics::registry& metrics;
  const config::settings& before;  // the running configuration (empty at start-up)
  const config::settings& next;
  link_ptr running;  // the transport's link under `before`; none when it was not set up
  bool reloading;    // false at start-up, where brokers that are down are waited for, not refused
};

// The link of transport `kind` for `request.next`: the running one when its settings did not
// change, a new one when they did, none when `next` does not set the transport up. An error
// (a client that refuses its settings; on reload, a broker that does not answer) leaves
// everything running as it was.
caf::expected<link_ptr> link_transport(config::transport_kind kind, const link_request& request);

// How the commands beside the service (tail, dlq replay) reach topics of transport `kind`; none
// for a transport whose topics live inside the service's process (memory).
std::unique_ptr<topic_access> topic_access_for(config::transport_kind kind, const config::settings& settings);

// Every transport kind, in the registry's order.
const std::vector<config::transport_kind>& transport_kinds();

}  // namespace eventrouter
