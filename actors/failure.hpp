#pragma once
// Failures that cross actors: one shape at every actor boundary (publish replies, sink
// completions, reload results, consumer exit reasons). A caf::error of the eventrouter
// category carries a kind (errc), which callers branch on and logs and metrics name, and a
// sentence an operator can read. caf::expected<T> is the result of whatever may fail there.

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/sec.hpp>

#include <cstdint>
#include <string>

namespace eventrouter {

// What went wrong, as far as a caller can act on it differently.
enum class errc : std::uint8_t {
  topic_full = 1,      // a memory topic holds transports.memory.max_len unacknowledged entries: try later
  broker_unreachable,  // Redis or Kafka (or the schema registry) cannot be reached
  broker_error,        // the broker answered, with an error
  timeout,             // an answer did not come in time (CAF's request_timeout is shown as this)
  rejected,            // refused for good: the same again cannot succeed (a webhook's 4xx, an unroutable event)
  sink_failed,         // a sink's try failed; another try may succeed (5xx, 429, a lost connection)
  not_built,           // a sink, reader or broker client refused its settings
  too_many_failures,   // a consumer reached consecutive_errors_limit: its exit reason
  crashed,             // an actor's handler threw: its exit reason
  actor_down,          // the actor asked is gone (CAF's request_receiver_down is shown as this)
  other,               // any other CAF error
};

// The kind's name, as logs (the `kind` field) and metrics show it: "topic_full", ...
std::string to_string(errc kind);

// CAF 0.17 atoms hold at most 10 characters: "eventrouter" does not fit.
constexpr caf::atom_value error_category = caf::atom("evrouter");

caf::error make_error(errc kind, std::string why);

inline caf::error failure(errc kind, std::string why) { return make_error(kind, std::move(why)); }

// The kind of any error: ours, or CAF's own mapped onto ours.
errc kind_of(const caf::error& e);

// The sentence a failure() carries, or CAF's rendering of any other error.
std::string describe(const caf::error& e);

// Turns what a handler of `self` throws into its exit reason (errc::crashed, with what()),
// logged naming `who`: no exception reaches CAF's default handler, which logs nothing we read.
// Whoever monitors `self` (a supervisor, the service) decides what its death means.
void exit_on_exception(caf::scheduled_actor* self, std::string who);

// So that actor_system::render names the kind and the sentence: "evrouter: topic_full: ...".
void add_error_category(caf::actor_system_config& cfg);

}  // namespace eventrouter
