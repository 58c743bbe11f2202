#include "actors/consumer.hpp"

#include "actors/failure.hpp"
#include "actors/router.hpp"
#include "actors/service_log.hpp"
#include "router/cloudevents.hpp"
#include "router/rfc3339.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <thread>
#include <unordered_map>

namespace eventrouter {

namespace {

// A poll waits at most poll_timeout on the topic; past this much more, the topic is not answering.
constexpr auto poll_grace = std::chrono::seconds(5);
constexpr std::size_t none = static_cast<std::size_t>(-1);

// One event of the batch on its way through the sink.
struct slot {
  enum class phase { waiting, trying, backing_off, dead_lettering, done, failed };
  phase at = phase::waiting;
  unsigned tries = 0;
  std::string first_failure_time;
  std::uint64_t generation = 0;    // of the current try: tells late answers of earlier tries apart
  std::size_t previous_same_key = none;  // the event of the same key before it, when ordered
  bool delivered = false;  // by the sink (not dead-lettered)
};

struct consumer_state {
  consumer_args args;
  caf::actor source;  // what this consumer polls: a memory topic or its own broker reader
  bool draining = false;  // finish what the topic holds, then stop
  bool stopping = false;  // finish the batch in hand, then stop
  bool polling = false;   // a poll is waiting for its answer
  log_entries batch;
  std::vector<slot> slots;
  std::size_t active = 0;        // events trying, backing off or being dead-lettered
  std::size_t first_undone = 0;  // every event before it is done
  std::uint64_t next_generation = 1;
  caf::error giving_up;  // why the batch stops: set when an event failed for good
  std::size_t giving_up_event = none;  // the event that failed for good
  std::minstd_rand jitter{std::random_device{}()};
  metrics::counter ok;
  metrics::counter retried;
  metrics::counter dead_lettered;
  metrics::counter failed;
  metrics::gauge consecutive;
  metrics::histogram_handle end_to_end;
  std::map<errc, metrics::counter> failures_by_kind;  // looked up at a kind's first failure: off the hot path
};

using consumer_actor = caf::stateful_actor<consumer_state>*;

void poll(consumer_actor self);
void schedule(consumer_actor self);

std::string in_ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

// What follows a failure, for its log line: `next` says it in words.
struct next_step {
  log_level level;
  std::string next;
};

// Counts a failure of a batch or a poll toward consecutive_errors_limit. Below the limit the
// consumer polls again after restart_backoff_ms[0]; at the limit it quits, and its supervisor
// restarts it.
next_step count_failure(consumer_actor self, const caf::error& why) {
  auto& st = self->state;
  auto& cfg = st.args.settings;
  st.args.stats->failed++;
  st.failed.add();
  auto errors = ++st.args.stats->consecutive_errors;
  st.consecutive.set(errors);
  if (errors < cfg.consecutive_errors_limit) {
    self->delayed_send(self, cfg.restart_backoff_min, retry_atom::value);
    return {log_level::warn, "poll again in " + in_ms(cfg.restart_backoff_min)};
  }
  auto limit =
    std::to_string(errors) + " consecutive failures (limit " + std::to_string(cfg.consecutive_errors_limit) + ")";
  self->quit(failure(errc::too_many_failures, limit + "; last: " + describe(why)));
  return {log_level::error, "consumer restarting: " + limit};
}

// A failed delivery: what failed, for which event, which try, and what happens next.
void log_delivery_failure(const consumer_state& st, const next_step& step, const event& ev, unsigned tries,
                          const caf::error& why) {
  log_line(step.level, "delivery failed: " + describe(why),
           {{"consumer", st.args.settings.name},
            {"kind", to_string(kind_of(why))},
            {"event_id", ev.id},
            {"event_type", ev.type},
            {"topic", st.args.full_topic},
            {"attempt", std::to_string(tries) + "/" + std::to_string(st.args.settings.retry.max_attempts)},
            {"next", step.next}});
}

void log_delivery_failure(const consumer_state& st, const next_step& step, std::size_t i, const caf::error& why) {
  log_delivery_failure(st, step, *st.batch[i].item.ev, st.slots[i].tries, why);
}

void count_kind(consumer_state& st, const caf::error& why) {
  auto kind = kind_of(why);
  auto it = st.failures_by_kind.find(kind);
  if (it == st.failures_by_kind.end()) {
    auto series = st.args.metrics->consumer_failures(st.args.settings.name, to_string(kind));
    it = st.failures_by_kind.emplace(kind, series).first;
  }
  it->second.add();
}

void reset_errors(consumer_actor self) {
  if (self->state.args.stats->consecutive_errors.exchange(0) != 0)
    self->state.consecutive.set(0);
}

// The metrics of the events a batch acknowledges, once per batch: one clock reading for
// all (the end of the journey is the acknowledgement) and one add per counter. From the
// producer's clock to ours: skewed clocks can make an age negative, which is kept (the lowest
// bucket shows it) rather than hidden.
void count_acknowledged(consumer_state& st, std::size_t acknowledged) {
  std::size_t delivered = 0;
  for (std::size_t i = 0; i < acknowledged; ++i)
    delivered += st.slots[i].delivered ? 1 : 0;
  st.ok.add(static_cast<double>(delivered));
  if (!st.end_to_end || delivered == 0)
    return;
  auto now = std::chrono::system_clock::now();
  metrics::histogram::batch ages(*st.end_to_end.series());
  for (std::size_t i = 0; i < acknowledged; ++i) {
    const auto& occurred = st.batch[i].item.ev->occurred;
    if (st.slots[i].delivered && occurred)
      ages.observe(std::chrono::duration<double>(now - *occurred).count());
  }
}

// Acknowledges the events done before the first one that is not, and gives back that one and
// everything after it (delivered or not: acknowledging past an undone event would let a Kafka
// commit skip it). Redelivering what was delivered is what at-least-once allows.
void settle_batch(consumer_actor self) {
  auto& st = self->state;
  const auto& group = st.args.settings.group_id;
  std::vector<std::uint64_t> done, rest;
  for (std::size_t i = 0; i < st.batch.size(); ++i)
    (i < st.first_undone ? done : rest).push_back(st.batch[i].offset);
  count_acknowledged(st, std::min(st.first_undone, st.slots.size()));
  if (!done.empty())
    self->send(st.source, ack_atom::value, group, std::move(done));
  if (!rest.empty())
    self->send(st.source, nack_atom::value, group, std::move(rest));
  st.batch.clear();
  st.slots.clear();
}

void finish(consumer_actor self, std::size_t i, slot::phase how) {
  auto& st = self->state;
  st.slots[i].at = how;
  st.active--;
  while (st.first_undone < st.slots.size() && st.slots[st.first_undone].at == slot::phase::done)
    st.first_undone++;
}

// Exponential backoff with full jitter between the retry bounds.
std::chrono::milliseconds retry_delay(consumer_state& st, unsigned tries) {
  const auto& r = st.args.settings.retry;
  long long low = r.backoff_min.count();
  long long ceiling = std::min<long long>(low << std::min(tries - 1, 20u), r.backoff_max.count());
  std::uniform_int_distribution<long long> pick(low, std::max(ceiling, low));
  return std::chrono::milliseconds(pick(st.jitter));
}

// The event with what a dead-letter topic records about its failure. An event dead-lettered
// before (replayed, failing again) has its dlq_* attributes replaced, never repeated.
event_ptr dead_letter_copy(const consumer_state& st, const keyed_event& item, const slot& s, const std::string& reason) {
  auto copy = std::make_shared<event>(*item.ev);
  carry_extension(*copy, "dlq_reason", reason);
  carry_extension(*copy, "dlq_attempts", std::to_string(s.tries));
  carry_extension(*copy, "dlq_source_topic", st.args.full_topic);
  carry_extension(*copy, "dlq_consumer", st.args.settings.name);
  carry_extension(*copy, "dlq_first_failure_time", s.first_failure_time);
  return copy;
}

// An event failed for good: no new event starts, and once those under way are finished the
// batch is settled and the failure counts toward the consumer's limit.
void give_up(consumer_actor self, std::size_t i, const caf::error& why) {
  auto& st = self->state;
  finish(self, i, slot::phase::failed);
  if (!st.giving_up) {
    st.giving_up = why;
    st.giving_up_event = i;
  }
}

void dead_letter(consumer_actor self, std::size_t i, const caf::error& why) {
  auto& st = self->state;
  if (!st.args.dead_letter) {
    give_up(self, i, why);
    return;
  }
  auto& s = st.slots[i];
  s.at = slot::phase::dead_lettering;
  const auto& item = st.batch[i].item;
  auto letter = std::make_shared<std::vector<keyed_event>>();
  letter->push_back({dead_letter_copy(st, item, s, describe(why)), item.key});
  auto generation = s.generation;
  self->request(st.args.dead_letter, publish_timeout, publish_atom::value, topic_batch{letter})
    .then(
      [=](const publish_receipt&) {
        auto& st = self->state;
        if (i >= st.slots.size() || st.slots[i].generation != generation)
          return;
        st.dead_lettered.add();
        auto to = "dead-lettered to topic '" + st.args.settings.dead_letter_topic + "'";
        log_delivery_failure(st, {log_level::error, std::move(to)}, i, why);
        reset_errors(self);
        finish(self, i, slot::phase::done);
        schedule(self);
      },
      [=](caf::error& e) {
        auto& st = self->state;
        if (i >= st.slots.size() || st.slots[i].generation != generation)
          return;
        auto refused = describe(why) + "; and the dead-letter topic refused it: " + describe(e);
        give_up(self, i, failure(kind_of(why), std::move(refused)));
        schedule(self);
      });
}

// Takes the answer of try `generation` of event `i`; false for a stale answer.
bool on_outcome(consumer_actor self, std::size_t i, std::uint64_t generation, const delivery_result& outcome) {
  auto& st = self->state;
  if (i >= st.slots.size() || st.slots[i].generation != generation || st.slots[i].at != slot::phase::trying)
    return false;
  auto& s = st.slots[i];
  if (outcome) {
    st.args.stats->delivered++;
    s.delivered = true;
    reset_errors(self);
    finish(self, i, slot::phase::done);
    return true;
  }
  if (s.tries == 1)
    s.first_failure_time = format_rfc3339(std::chrono::system_clock::now());
  const auto& why = outcome.error();
  count_kind(st, why);
  if (st.giving_up) {  // the batch stops anyway: given back with the rest
    log_delivery_failure(st, {log_level::warn, "given back with the batch, which stops"}, i, why);
    finish(self, i, slot::phase::failed);
    return true;
  }
  if (kind_of(why) != errc::rejected && s.tries < st.args.settings.retry.max_attempts) {
    st.retried.add();
    s.at = slot::phase::backing_off;
    s.generation = st.next_generation++;
    auto delay = retry_delay(st, s.tries);
    log_delivery_failure(st, {log_level::warn, "retry in " + in_ms(delay)}, i, why);
    self->delayed_send(self, delay, redeliver_atom::value, static_cast<std::uint64_t>(i), s.generation);
    return true;
  }
  dead_letter(self, i, why);
  return true;
}

// An answer given while deliver() is still running, on the consumer's own thread (a sink that
// knows at once, an immediate_sink; the log sink when stdout is not keeping up): taken at once,
// without a message round trip per event.
struct inline_answer {
  std::thread::id thread = std::this_thread::get_id();
  std::atomic<bool> open{true};
  bool given = false;
  delivery_result result;
};

// One try of event `i`; its answer is applied here when the sink gave it at once.
void try_event(consumer_actor self, std::size_t i) {
  auto& st = self->state;
  auto& s = st.slots[i];
  s.at = slot::phase::trying;
  s.tries++;
  s.generation = st.next_generation++;
  auto generation = s.generation;
  auto answer = std::make_shared<inline_answer>();
  const auto& entry = st.batch[i];
  st.args.out->deliver(self, {entry.item, st.args.full_topic, st.args.settings.name},
                       [me = caf::actor_cast<caf::actor>(self), i, generation, answer](delivery_result outcome) {
                         if (answer->open && std::this_thread::get_id() == answer->thread) {
                           answer->given = true;
                           answer->result = std::move(outcome);
                           return;
                         }
                         // From another thread, or later: the answer comes back as a message.
                         caf::anon_send(me, delivered_atom::value, static_cast<std::uint64_t>(i), generation,
                                        std::move(outcome));
                       });
  answer->open = false;
  if (answer->given)
    on_outcome(self, i, generation, answer->result);
}

// Starts what may start — up to sink.concurrency events at once, and with sink.ordered an
// event only after the one of the same key before it is done — and settles the batch when
// nothing is left to do.
void schedule(consumer_actor self) {
  auto& st = self->state;
  const auto limit = st.args.settings.sink.concurrency;
  for (auto i = st.first_undone; i < st.slots.size() && st.active < limit && !st.giving_up; ++i) {
    auto& s = st.slots[i];
    if (s.at != slot::phase::waiting)
      continue;
    if (s.previous_same_key != none && st.slots[s.previous_same_key].at != slot::phase::done)
      continue;
    st.active++;
    try_event(self, i);
    if (st.giving_up)
      break;
  }
  st.args.out->flush(self);
  if (st.active > 0)
    return;  // answers to come
  if (st.giving_up) {
    auto why = std::move(st.giving_up);
    st.giving_up = caf::error{};
    auto failed = st.batch[st.giving_up_event].item.ev;  // the batch is gone once settled
    auto tries = st.slots[st.giving_up_event].tries;
    settle_batch(self);
    std::string next = "the consumer stops (reload or shutdown)";
    if (st.stopping)
      self->quit();
    else
      next = count_failure(self, why).next;
    log_delivery_failure(st, {log_level::error, "given back with the rest of the batch; " + next}, *failed, tries, why);
    return;
  }
  if (st.first_undone == st.slots.size()) {
    settle_batch(self);
    if (st.stopping)
      self->quit();
    else
      poll(self);
  }
}

void start_batch(consumer_actor self, log_entries&& entries) {
  auto& st = self->state;
  st.batch = std::move(entries);
  st.slots.assign(st.batch.size(), slot{});
  st.active = 0;
  st.first_undone = 0;
  if (st.args.settings.sink.ordered) {
    std::unordered_map<std::string_view, std::size_t> last_of_key;
    for (std::size_t i = 0; i < st.batch.size(); ++i) {
      auto [it, first] = last_of_key.try_emplace(st.batch[i].item.key, i);
      if (!first) {
        st.slots[i].previous_same_key = it->second;
        it->second = i;
      }
    }
  }
  schedule(self);
}

void poll(consumer_actor self) {
  auto& st = self->state;
  const auto& cfg = st.args.settings;
  auto wait = static_cast<std::uint32_t>(st.draining ? 0 : cfg.poll_timeout.count());
  st.polling = true;
  self->request(st.source, cfg.poll_timeout + poll_grace, poll_atom::value, cfg.group_id, cfg.name, cfg.batch_size,
                wait)
    .then(
      [=](log_entries& entries) {
        auto& st = self->state;
        st.polling = false;
        if (st.stopping) {  // polled before the stop arrived: nothing of it was started
          st.batch = std::move(entries);
          st.first_undone = 0;
          settle_batch(self);
          self->quit();
          return;
        }
        if (entries.empty() && st.draining) {
          self->quit();
          return;
        }
        start_batch(self, std::move(entries));
      },
      [=](caf::error& e) {
        auto& st = self->state;
        st.polling = false;
        if (st.stopping)
          return self->quit();
        count_kind(st, e);
        auto why = "polling topic '" + st.args.full_topic + "': " + describe(e);
        auto step = count_failure(self, failure(kind_of(e), std::move(why)));
        log_line(step.level, "poll failed: " + describe(e),
                 {{"consumer", st.args.settings.name},
                  {"kind", to_string(kind_of(e))},
                  {"topic", st.args.full_topic},
                  {"next", step.next}});
      });
}

caf::behavior consumer_behavior(consumer_actor self, consumer_args args) {
  exit_on_exception(self, "consumer '" + args.settings.name + "'");
  auto& st = self->state;
  st.args = std::move(args);
  auto& m = *st.args.metrics;
  const auto& name = st.args.settings.name;
  st.ok = m.consumer_messages(name, "ok");
  st.retried = m.consumer_messages(name, "retried");
  st.dead_lettered = m.consumer_messages(name, "dead_lettered");
  st.failed = m.consumer_messages(name, "failed");
  st.consecutive = m.consumer_consecutive_errors(name);
  st.end_to_end = m.end_to_end_latency(name);
  st.source = st.args.open_source(self, st.args.stats);
  // Joining hands back what this consumer's previous incarnation held but never acknowledged.
  self->request(st.source, poll_grace, join_atom::value, st.args.settings.group_id, name)
    .then([=](bool) { poll(self); },
          [=](caf::error& e) { self->quit(failure(kind_of(e), "joining topic: " + describe(e))); });
  return {
    [=](retry_atom) {
      if (self->state.stopping)
        return self->quit();
      poll(self);
    },
    [=](delivered_atom, std::uint64_t i, std::uint64_t generation, const delivery_result& outcome) {
      if (on_outcome(self, static_cast<std::size_t>(i), generation, outcome))
        schedule(self);
    },
    [=](redeliver_atom, std::uint64_t i, std::uint64_t generation) {
      auto& st = self->state;
      auto index = static_cast<std::size_t>(i);
      if (index >= st.slots.size() || st.slots[index].generation != generation ||
          st.slots[index].at != slot::phase::backing_off)
        return;
      if (!st.giving_up)
        try_event(self, index);
      else
        finish(self, index, slot::phase::failed);  // the batch stops: given back with the rest
      schedule(self);
    },
    [=](drain_atom) { self->state.draining = true; },
    [=](stop_atom) {
      auto& st = self->state;
      st.stopping = true;
      if (!st.polling && st.batch.empty())
        self->quit();
    },
  };
}

}  // namespace

caf::actor spawn_consumer(caf::event_based_actor* supervisor, consumer_args args) {
  return supervisor->spawn<caf::monitored + caf::linked>(consumer_behavior, std::move(args));
}

}  // namespace eventrouter
