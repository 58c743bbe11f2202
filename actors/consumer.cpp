#include "actors/consumer.hpp"

#include "actors/failure.hpp"
#include "actors/router.hpp"
#include "router/rfc3339.hpp"

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

namespace eventrouter {

namespace {

// A poll waits at most poll_timeout on the topic; past this much more, the topic is not answering.
constexpr auto poll_grace = std::chrono::seconds(5);

// The event being delivered: where it is in the batch, and its tries so far.
struct attempt {
  std::size_t index = 0;
  unsigned tries = 0;
  std::string first_failure_time;
  std::uint64_t generation = 0;  // tells a late answer for an earlier try from the current one
};

struct consumer_state {
  consumer_args args;
  caf::actor source;  // what this consumer polls: a memory topic or its own broker reader
  bool draining = false;
  log_entries batch;
  std::vector<std::uint64_t> done;  // offsets delivered or dead-lettered, acknowledged per batch
  attempt current;
  std::minstd_rand jitter{std::random_device{}()};
  prometheus::Counter* ok = nullptr;
  prometheus::Counter* retried = nullptr;
  prometheus::Counter* dead_lettered = nullptr;
  prometheus::Counter* failed = nullptr;
  prometheus::Gauge* consecutive = nullptr;
};

using consumer_actor = caf::stateful_actor<consumer_state>*;

void poll(consumer_actor self);
void deliver_current(consumer_actor self);

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

void reset_errors(consumer_actor self) {
  if (self->state.args.stats->consecutive_errors.exchange(0) != 0)
    self->state.consecutive->Set(0);
}

// The batch is finished (or stops here): acknowledge what is done, give back the rest.
void settle_batch(consumer_actor self, std::size_t given_back_from) {
  auto& st = self->state;
  const auto& group = st.args.settings.group_id;
  if (!st.done.empty())
    self->send(st.source, ack_atom::value, group, std::move(st.done));
  std::vector<std::uint64_t> rest;
  for (auto i = given_back_from; i < st.batch.size(); ++i)
    rest.push_back(st.batch[i].offset);
  if (!rest.empty())
    self->send(st.source, nack_atom::value, group, std::move(rest));
  st.done.clear();
  st.batch.clear();
}

// Moves on to the next event of the batch; the caller then delivers it.
void advance(consumer_actor self) {
  auto& st = self->state;
  st.current = attempt{st.current.index + 1, 0, "", st.current.generation + 1};
}

// Exponential backoff with full jitter between the retry bounds.
std::chrono::milliseconds retry_delay(consumer_state& st) {
  const auto& r = st.args.settings.retry;
  long long low = r.backoff_min.count();
  long long ceiling = std::min<long long>(low << std::min(st.current.tries - 1, 20u), r.backoff_max.count());
  std::uniform_int_distribution<long long> pick(low, std::max(ceiling, low));
  return std::chrono::milliseconds(pick(st.jitter));
}

// The event with what a dead-letter topic records about its failure.
event_ptr dead_letter_copy(const consumer_state& st, const keyed_event& item, const std::string& reason) {
  auto copy = std::make_shared<event>(*item.ev);
  copy->extensions.emplace_back("dlq_reason", reason);
  copy->extensions.emplace_back("dlq_attempts", std::to_string(st.current.tries));
  copy->extensions.emplace_back("dlq_source_topic", st.args.full_topic);
  copy->extensions.emplace_back("dlq_consumer", st.args.settings.name);
  copy->extensions.emplace_back("dlq_first_failure_time", st.current.first_failure_time);
  return copy;
}

// Gives up on the current event: the batch stops here, the event and the rest go back, and
// the failure counts toward the consumer's limit.
void give_up(consumer_actor self, const std::string& why) {
  auto& st = self->state;
  settle_batch(self, st.current.index);
  if (!record_failure(self, why))
    self->delayed_send(self, st.args.settings.restart_backoff_min, retry_atom::value);
}

void dead_letter(consumer_actor self, const std::string& why) {
  auto& st = self->state;
  if (!st.args.dead_letter) {
    give_up(self, why);
    return;
  }
  const auto& item = st.batch[st.current.index].item;
  auto letter = std::make_shared<std::vector<keyed_event>>();
  letter->push_back({dead_letter_copy(st, item, why), item.key});
  auto generation = st.current.generation;
  self->request(st.args.dead_letter, publish_timeout, publish_atom::value, topic_batch{letter})
    .then(
      [=](std::uint64_t) {
        auto& st = self->state;
        if (st.current.generation != generation)
          return;
        st.dead_lettered->Increment();
        st.done.push_back(st.batch[st.current.index].offset);
        reset_errors(self);
        advance(self);
        deliver_current(self);
      },
      [=](caf::error& e) {
        if (self->state.current.generation == generation)
          give_up(self, why + "; and the dead-letter topic refused it: " + describe(e));
      });
}

// True when the consumer moved on to the next event, which the caller then delivers; false
// when it waits (a retry's backoff, the dead-letter topic) or the answer was stale.
bool on_outcome(consumer_actor self, std::uint64_t generation, const delivery_result& outcome) {
  auto& st = self->state;
  if (generation != st.current.generation || st.current.index >= st.batch.size())
    return false;  // an answer for a try that was already given up on
  if (!outcome) {
    st.args.stats->delivered++;
    st.ok->Increment();
    reset_errors(self);
    st.done.push_back(st.batch[st.current.index].offset);
    advance(self);
    return true;
  }
  if (st.current.tries == 1)
    st.current.first_failure_time = format_rfc3339(std::chrono::system_clock::now());
  if (outcome->retryable && st.current.tries < st.args.settings.retry.max_attempts) {
    st.retried->Increment();
    st.current.generation++;
    self->delayed_send(self, retry_delay(st), redeliver_atom::value, st.current.generation);
    return false;
  }
  dead_letter(self, outcome->reason);
  return false;
}

// An answer given while deliver() is still running, on the consumer's own thread (a log
// sink): taken at once, without a message round trip per event.
struct inline_answer {
  std::thread::id thread = std::this_thread::get_id();
  std::atomic<bool> open{true};
  bool given = false;
  delivery_result result;
};

void deliver_current(consumer_actor self) {
  auto& st = self->state;
  while (true) {
    if (st.current.index >= st.batch.size()) {
      settle_batch(self, st.batch.size());
      poll(self);
      return;
    }
    st.current.tries++;
    auto generation = st.current.generation;
    auto answer = std::make_shared<inline_answer>();
    const auto& entry = st.batch[st.current.index];
    st.args.out->deliver(self, {entry.item, st.args.full_topic, st.args.settings.name},
                         [me = caf::actor_cast<caf::actor>(self), generation, answer](delivery_result outcome) {
                           if (answer->open && std::this_thread::get_id() == answer->thread) {
                             answer->given = true;
                             answer->result = std::move(outcome);
                             return;
                           }
                           // From another thread, or later: the answer comes back as a message.
                           caf::anon_send(me, delivered_atom::value, generation, std::move(outcome));
                         });
    answer->open = false;
    if (!answer->given || !on_outcome(self, generation, answer->result))
      return;
  }
}

void poll(consumer_actor self) {
  auto& st = self->state;
  const auto& cfg = st.args.settings;
  auto wait = static_cast<std::uint32_t>(st.draining ? 0 : cfg.poll_timeout.count());
  self->request(st.source, cfg.poll_timeout + poll_grace, poll_atom::value, cfg.group_id, cfg.name, cfg.batch_size,
                wait)
    .then(
      [=](log_entries& entries) {
        if (entries.empty() && self->state.draining) {
          self->quit();
          return;
        }
        auto& st = self->state;
        st.batch = std::move(entries);
        st.current = attempt{0, 0, "", st.current.generation + 1};
        deliver_current(self);
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
  const auto& name = st.args.settings.name;
  st.ok = &m.consumer_messages(name, "ok");
  st.retried = &m.consumer_messages(name, "retried");
  st.dead_lettered = &m.consumer_messages(name, "dead_lettered");
  st.failed = &m.consumer_messages(name, "failed");
  st.consecutive = &m.consumer_consecutive_errors(name);
  st.source = st.args.open_source(self, st.args.stats);
  // Joining hands back what this consumer's previous incarnation held but never acknowledged.
  self->request(st.source, poll_grace, join_atom::value, st.args.settings.group_id, name)
    .then([=](bool) { poll(self); },
          [=](caf::error& e) { self->quit(failure("joining topic: " + describe(e))); });
  return {
    [=](retry_atom) { poll(self); },
    [=](delivered_atom, std::uint64_t generation, const delivery_result& outcome) {
      if (on_outcome(self, generation, outcome))
        deliver_current(self);
    },
    [=](redeliver_atom, std::uint64_t generation) {
      if (generation == self->state.current.generation)
        deliver_current(self);
    },
    [=](drain_atom) { self->state.draining = true; },
  };
}

}  // namespace

caf::actor spawn_consumer(caf::event_based_actor* supervisor, consumer_args args) {
  return supervisor->spawn<caf::monitored + caf::linked>(consumer_behavior, std::move(args));
}

}  // namespace eventrouter
