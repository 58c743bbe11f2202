#include "actors/pulsar/pulsar_reader.hpp"

#include "actors/failure.hpp"
#include "actors/reader_meters.hpp"
#include "actors/service_log.hpp"
#include "transports/pulsar/pulsar_admin.hpp"
#include "transports/pulsar/pulsar_consumer.hpp"
#include "transports/pulsar/pulsar_message.hpp"

#include <deque>
#include <unordered_map>

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::pulsar::received_frame)

namespace eventrouter {

namespace {

using received_atom = caf::atom_constant<caf::atom("received")>;
using opened_atom = caf::atom_constant<caf::atom("opened")>;
using lost_atom = caf::atom_constant<caf::atom("lost")>;
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
using lag_atom = caf::atom_constant<caf::atom("lag")>;

using pulsar::received_frame;

// How often the subscription's backlog is asked for, at most.
constexpr auto lag_interval = std::chrono::seconds(5);

struct waiting_poll {
  caf::typed_response_promise<log_entries> promise;
  std::size_t max = 0;
  std::uint64_t id = 0;
};

struct pulsar_reader_state {
  pulsar_reader_args args;
  std::unique_ptr<payload_decoder> decoder;
  std::shared_ptr<pulsar::consumer> client;  // args.client, declared before it, outlives it
  bool connected = false;
  std::string broken;                         // why the connection was lost, until a poll reports it
  std::size_t permits = 0;                    // messages the broker may still push
  std::deque<log_entry> ready;                // read and decoded, not yet polled
  std::unordered_map<std::uint64_t, std::string> in_flight;  // local offset -> message id
  std::uint64_t next_offset = 0;
  std::optional<waiting_poll> waiting;
  std::uint64_t next_poll = 0;
  std::chrono::steady_clock::time_point lag_asked{};
  reader_meters meters;

  ~pulsar_reader_state() {
    if (client)
      client->close();
  }
};

// The interface with what the consumer's IO thread and the reader's own timers send it.
using pulsar_reader_impl =
  source_actor::extend<caf::reacts_to<received_atom, received_frame>, caf::reacts_to<opened_atom>,
                       caf::reacts_to<lost_atom, std::string>, caf::reacts_to<timeout_atom, std::uint64_t>,
                       caf::reacts_to<lag_atom, std::uint64_t>>;
using pulsar_reader_ptr = pulsar_reader_impl::stateful_pointer<pulsar_reader_state>;

void open(pulsar_reader_ptr self) {
  auto& st = self->state;
  if (st.client)
    return;
  const auto& c = st.args.consumer;
  pulsar::subscription what{st.args.topic, c.group_id,
                            c.sink.ordered ? pulsar::subscription::kind::key_shared
                                           : pulsar::subscription::kind::shared,
                            c.from_beginning.value_or(true), c.name};
  auto me = caf::actor_cast<pulsar_reader_impl>(self);
  st.client = pulsar::consumer::open(
    *st.args.client, std::move(what),
    {.opened = [me] { caf::anon_send(me, opened_atom::value); },
     .received = [me](received_frame frame) { caf::anon_send(me, received_atom::value, std::move(frame)); },
     .lost = [me](const std::string& why) { caf::anon_send(me, lost_atom::value, why); }});
}

// Lets the broker push what the waiting poll still lacks.
void grant(pulsar_reader_state& st, std::size_t max) {
  if (!st.connected)
    return;
  auto held = st.ready.size() + st.permits;
  if (held >= max)
    return;
  st.client->permit(max - held);
  st.permits += max - held;
}

log_entries take(pulsar_reader_state& st, std::size_t max) {
  log_entries out;
  auto n = std::min(max, st.ready.size());
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(std::move(st.ready.front()));
    st.ready.pop_front();
  }
  return out;
}

void answer_waiting(pulsar_reader_state& st) {
  if (!st.waiting || st.ready.empty())
    return;
  auto poll = std::move(*st.waiting);
  st.waiting.reset();
  poll.promise.deliver(take(st, poll.max));
}

void ask_lag(pulsar_reader_ptr self) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  if (now - st.lag_asked < lag_interval)
    return;
  st.lag_asked = now;
  auto me = caf::actor_cast<pulsar_reader_impl>(self);
  auto group = st.args.consumer.group_id;
  pulsar::admin_request(*st.args.client, "GET", pulsar::admin_path(*st.args.client, st.args.topic, "stats"), {},
                        [me, group](pulsar::admin_answer answer) {
                          if (answer.status != 200)
                            return;  // asked again later; lag is shown as unknown meanwhile
                          if (auto backlog = pulsar::subscription_backlog(answer.body, group))
                            caf::anon_send(me, lag_atom::value, *backlog);
                        });
}

void report_malformed(pulsar_reader_ptr self, const std::string& id, const std::string& why,
                      const std::vector<std::pair<std::string, std::string>>& properties) {
  auto& st = self->state;
  st.meters.malformed();
  auto property = [&](std::string_view name) {
    for (const auto& [n, v] : properties)
      if (n == name)
        return v;
    return std::string();
  };
  log_line(log_level::error, "malformed message: " + why,
           {{"consumer", st.args.consumer.name},
            {"event_id", property("ce_id")},
            {"event_type", property("ce_type")},
            {"topic", st.args.topic},
            {"message_id", id},
            {"next", "passed over (counted as malformed, acknowledged); it stays in the topic for its retention"}});
}

void received(pulsar_reader_ptr self, received_frame& frame) {
  auto& st = self->state;
  if (st.permits > 0)
    --st.permits;
  if (auto* why = std::get_if<std::string>(&frame)) {
    // Without an id there is nothing to acknowledge: the broker keeps it, and says so again later.
    st.meters.malformed();
    log_line(log_level::error, "the broker sent " + *why,
             {{"consumer", st.args.consumer.name}, {"topic", st.args.topic}, {"next", "passed over"}});
    return;
  }
  auto& message = std::get<pulsar::received_message>(frame);
  auto decoded = pulsar::decode_message(message, *st.decoder);
  if (auto* why = std::get_if<std::string>(&decoded)) {
    report_malformed(self, message.id, *why, message.properties);
    st.client->ack({message.id});
    return;
  }
  auto offset = st.next_offset++;
  st.in_flight.emplace(offset, std::move(message.id));
  st.ready.push_back({offset, std::move(std::get<keyed_event>(decoded))});
  answer_waiting(st);
}

pulsar_reader_impl::behavior_type pulsar_reader(pulsar_reader_ptr self, pulsar_reader_args args) {
  exit_on_exception(self, "the pulsar reader of consumer '" + args.consumer.name + "'");
  // The link to the consumer ends the reader on the consumer's exit, a normal one too (CAF's
  // default handler ignores that): the consumer's callbacks on the IO thread hold the reader's
  // handle, so it would never become unreachable, and the process would never exit.
  self->set_exit_handler([=](caf::exit_msg& msg) { self->quit(std::move(msg.reason)); });
  auto& st = self->state;
  st.args = std::move(args);
  st.decoder = st.args.decoder();
  st.meters = reader_meters(*st.args.metrics, st.args.consumer.name, st.args.stats);
  return {
    [=](join_atom, const std::string&, const std::string&) {
      open(self);
      return true;
    },
    [=](poll_atom, const std::string&, const std::string&, std::size_t max,
        std::uint32_t timeout_ms) -> caf::result<log_entries> {
      auto& st = self->state;
      open(self);
      ask_lag(self);
      if (!st.connected && !st.broken.empty()) {
        auto why = std::exchange(st.broken, {});
        return failure(errc::broker_error, "pulsar topic '" + st.args.topic + "': " + why);
      }
      if (!st.ready.empty())
        return take(st, max);
      if (st.waiting)  // one poll at a time: an earlier one still waiting gets nothing
        st.waiting->promise.deliver(log_entries{});
      auto id = st.next_poll++;
      st.waiting = waiting_poll{self->make_response_promise<log_entries>(), max, id};
      grant(st, max);
      self->delayed_send(self, std::chrono::milliseconds(timeout_ms), timeout_atom::value, id);
      return st.waiting->promise;
    },
    [=](ack_atom, const std::string&, const std::vector<std::uint64_t>& offsets) {
      auto& st = self->state;
      if (auto ids = take_in_flight(st.in_flight, offsets); !ids.empty())
        st.client->ack(std::move(ids));
    },
    [=](nack_atom, const std::string&, const std::vector<std::uint64_t>& offsets) {
      auto& st = self->state;
      if (auto ids = take_in_flight(st.in_flight, offsets); !ids.empty())
        st.client->nack(std::move(ids));
    },
    [=](received_atom, received_frame& frame) { received(self, frame); },
    [=](opened_atom) {
      auto& st = self->state;
      st.connected = true;
      st.broken.clear();
      if (st.waiting)
        grant(st, st.waiting->max);
    },
    [=](lost_atom, const std::string& why) {
      auto& st = self->state;
      st.connected = false;
      st.permits = 0;
      // The broker sends again what it pushed and was not acknowledged: what no poll took yet
      // would otherwise come twice.
      for (const auto& entry : st.ready)
        st.in_flight.erase(entry.offset);
      st.ready.clear();
      log_line(log_level::warn, "lost the connection to pulsar: " + why,
               {{"consumer", st.args.consumer.name}, {"topic", st.args.topic}, {"next", "connecting again"}});
      if (st.waiting) {
        auto poll = std::move(*st.waiting);
        st.waiting.reset();
        poll.promise.deliver(failure(errc::broker_error, "pulsar topic '" + st.args.topic + "': " + why));
      } else {
        st.broken = why;
      }
    },
    [=](timeout_atom, std::uint64_t id) {
      auto& st = self->state;
      if (st.waiting && st.waiting->id == id) {
        auto poll = std::move(*st.waiting);
        st.waiting.reset();
        poll.promise.deliver(log_entries{});
      }
    },
    [=](lag_atom, std::uint64_t backlog) { self->state.meters.lag(backlog); },
  };
}

}  // namespace

source_actor spawn_pulsar_reader(caf::event_based_actor* consumer, pulsar_reader_args args) {
  return caf::actor_cast<source_actor>(consumer->spawn<caf::linked>(pulsar_reader, std::move(args)));
}

}  // namespace eventrouter
