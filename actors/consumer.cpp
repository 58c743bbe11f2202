#include "actors/consumer.hpp"

#include "actors/failure.hpp"

#include <chrono>

namespace eventrouter {

namespace {

// A poll waits at most poll_timeout on the topic; past this much more, the topic is not answering.
constexpr auto poll_grace = std::chrono::seconds(5);

struct consumer_state {
  consumer_args args;
  caf::actor source;  // what this consumer polls: a memory topic or its Redis reader
  bool draining = false;
  prometheus::Counter* ok = nullptr;
  prometheus::Counter* failed = nullptr;
  prometheus::Gauge* consecutive = nullptr;
};

using consumer_actor = caf::stateful_actor<consumer_state>*;

void poll(consumer_actor self);

// Counts a failure; true when the consumer has now reached its limit and has quit.
bool record_failure(consumer_actor self, const std::string& why) {
  auto& st = self->state;
  auto& cfg = st.args.settings;
  st.args.stats->failed++;
  st.failed->Increment();
  auto errors = ++st.args.stats->consecutive_errors;
  st.consecutive->Set(errors);
  if (errors < cfg.consecutive_errors_limit)
    return false;
  self->quit(failure(std::to_string(errors) + " consecutive failures (limit " +
                     std::to_string(cfg.consecutive_errors_limit) + "); last: " + why));
  return true;
}

void record_success(consumer_actor self) {
  auto& st = self->state;
  st.args.stats->delivered++;
  st.ok->Increment();
  if (st.args.stats->consecutive_errors.exchange(0) != 0)
    st.consecutive->Set(0);
}

// Delivers in order and stops at the first failure, so events of one key never overtake each
// other; the failed event and those after it go back to the group.
void deliver(consumer_actor self, const log_entries& entries) {
  auto& st = self->state;
  const auto& cfg = st.args.settings;
  std::vector<std::uint64_t> done;
  std::vector<std::uint64_t> given_back;
  done.reserve(entries.size());
  std::string why;
  for (const auto& e : entries) {
    if (!given_back.empty()) {
      given_back.push_back(e.offset);
      continue;
    }
    if (auto fail = st.args.out->deliver({e.item, st.args.full_topic, cfg.name})) {
      why = std::move(fail->reason);
      given_back.push_back(e.offset);
    } else {
      record_success(self);
      done.push_back(e.offset);
    }
  }
  if (!done.empty())
    self->send(st.source, ack_atom::value, cfg.group_id, std::move(done));
  if (given_back.empty()) {
    poll(self);
    return;
  }
  self->send(st.source, nack_atom::value, cfg.group_id, std::move(given_back));
  if (!record_failure(self, why))
    self->delayed_send(self, cfg.restart_backoff_min, retry_atom::value);
}

void poll(consumer_actor self) {
  auto& st = self->state;
  const auto& cfg = st.args.settings;
  auto wait = static_cast<std::uint32_t>(st.draining ? 0 : cfg.poll_timeout.count());
  self->request(st.source, cfg.poll_timeout + poll_grace, poll_atom::value, cfg.group_id,
                cfg.name, cfg.batch_size, wait)
    .then(
      [=](const log_entries& entries) {
        if (entries.empty() && self->state.draining) {
          self->quit();
          return;
        }
        deliver(self, entries);
      },
      [=](caf::error& e) {
        if (!record_failure(self, "polling topic '" + self->state.args.full_topic + "': " + describe(e)))
          self->delayed_send(self, self->state.args.settings.restart_backoff_min, retry_atom::value);
      });
}

caf::behavior consumer_behavior(consumer_actor self, consumer_args args) {
  auto& st = self->state;
  st.args = std::move(args);
  auto& m = *st.args.metrics;
  st.ok = &m.consumer_messages(st.args.settings.name, "ok");
  st.failed = &m.consumer_messages(st.args.settings.name, "failed");
  st.consecutive = &m.consumer_consecutive_errors(st.args.settings.name);
  st.source = st.args.open_source(self, st.args.stats);
  // Joining hands back what this consumer's previous incarnation held but never acknowledged.
  self->request(st.source, poll_grace, join_atom::value, st.args.settings.group_id,
                st.args.settings.name)
    .then([=](bool) { poll(self); },
          [=](caf::error& e) { self->quit(failure("joining topic: " + describe(e))); });
  return {
    [=](retry_atom) { poll(self); },
    [=](drain_atom) { self->state.draining = true; },
  };
}

}  // namespace

caf::actor spawn_consumer(caf::event_based_actor* supervisor, consumer_args args) {
  return supervisor->spawn<caf::monitored + caf::linked>(consumer_behavior, std::move(args));
}

}  // namespace eventrouter
