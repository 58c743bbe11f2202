#pragma once
// A producer: the actor behind one ingest source (the HTTP front door). It bounds the events
// in flight — past `max_in_flight` a batch is refused as unavailable at once rather than
// queued without limit — hands each batch to the router, and completes the source's reply
// when the router answers.
//
//   (ingest_atom, event_batch, ingest_reply)  -> (none; the reply function is called)
//   (drain_atom)                              -> bool once nothing is in flight; from then on
//                                                every batch is refused as unavailable

#include "actors/messages.hpp"
#include "metrics/registry.hpp"

#include <caf/all.hpp>

#include <string>

namespace eventrouter {

caf::actor spawn_producer(caf::actor_system& sys, std::string source, caf::actor router,
                          std::size_t max_in_flight, metrics::registry& metrics);

}  // namespace eventrouter
