#include "actors/consumer.hpp"

#include "actors/failure.hpp"
#include "actors/router.hpp"
#include "actors/service_log.hpp"
#include "router/cloudevents.hpp"
#include "router/rfc3339.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

namespace eventrouter {

namespace {

// A poll waits at most poll_timeout on the topic; past this much more, the topic is not answering.
constexpr auto poll_grace = std::chrono::seconds(5);
constexpr std::uint64_t none = static_cast<std::uint64_t>(-1);

// One event read and not yet acknowledged: waiting for its turn, on its way through the sink,
// or done and waiting for the events before it to be done too.
struct in_flight {
  enum class phase { waiting, trying, backing_off, dead_lettering, done, failed };
  log_entry entry;
  phase at = phase::waiting;
  unsigned tries = 0;
  std::string first_failure_time;
  std::uint64_t generation = 0;      // of the current try: tells late answers of earlier tries apart
  std::uint64_t next_same_key = none;  // the event of the same key after it, which waits for it (ordered)
  bool delivered = false;            // by the sink (not dead-lettered)
};

// The sink's answers from other threads, gathered until the consumer takes them: the first
// answer into an empty inbox sends the consumer one message, and that message takes every answer
// there by then. Under load a consumer thus handles a round of answers per message — one
// schedule, one flush, one ack — rather than a message, a flush and an ack per event.
class answer_inbox {
 public:
  struct answer {
    std::uint64_t seq;
    std::uint64_t generation;
    delivery_result outcome;
  };

  // True when the inbox was empty: the caller wakes the consumer.
  bool put(answer a) {
    std::lock_guard lock(mutex_);
    answers_.push_back(std::move(a));
    return answers_.size() == 1;
  }
  std::vector<answer> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(answers_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<answer> answers_;
};

// Events are numbered in the order they were read (their sequence number); the window holds
// them from the oldest not acknowledged on. Messages about an event (a sink's answer, a retry)
// name it by number, so an answer for an event no longer in the window is recognized as stale.
struct consumer_state {
  consumer_args args;
  source_actor source;    // what this consumer polls: a memory topic or its own broker reader
  bool draining = false;  // finish what the topic holds, then stop
  bool drained = false;   // draining, and a poll found nothing more
  bool stopping = false;  // finish what is under way, give back the rest, then stop
  bool polling = false;   // a poll is waiting for its answer
  bool poll_paused = false;  // after a failure, until the backoff's retry message
  std::deque<in_flight> window;
  std::uint64_t first_seq = 0;        // the number of window.front()
  std::deque<std::uint64_t> ready;    // waiting events free to start, in the order they became free
  // Hash of a key -> the number of the newest event with it in the window. Two keys with one hash
  // share an order: stricter than needed, never wrong.
  std::unordered_map<std::size_t, std::uint64_t> last_of_key;
  std::size_t active = 0;  // events trying, backing off or being dead-lettered
  std::uint64_t next_generation = 1;
  caf::error giving_up;               // why the consumer stops starting events: one failed for good
  std::uint64_t giving_up_event = none;
  std::vector<std::uint64_t> to_ack;  // offsets of events acknowledged this round, sent at its end
  std::size_t delivered_to_ack = 0;   // of those, delivered by the sink (the others dead-lettered)
  std::vector<std::chrono::system_clock::time_point> ages_to_ack;  // their `occurred`, when known
  std::shared_ptr<answer_inbox> inbox = std::make_shared<answer_inbox>();
  std::minstd_rand jitter{std::random_device{}()};
  metrics::counter ok;
  metrics::counter retried;
  metrics::counter dead_lettered;
  metrics::counter failed;
  metrics::gauge consecutive;
  metrics::histogram_handle end_to_end;
  std::map<errc, metrics::counter> failures_by_kind;  // looked up at a kind's first failure: off the hot path
};

in_flight* find(consumer_state& st, std::uint64_t seq) {
  if (seq < st.first_seq || seq - st.first_seq >= st.window.size())
    return nullptr;
  return &st.window[static_cast<std::size_t>(seq - st.first_seq)];
}

std::size_t key_hash(const in_flight& e) { return std::hash<std::string_view>{}(e.entry.item.key); }

using consumer_actor = caf::stateful_actor<consumer_state>*;

void poll(consumer_actor self);
void schedule(consumer_actor self);

std::string in_ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

// What follows a failure, for its log line: `next` says it in words.
struct next_step {
  log_level level;
  std::string next;
};

// Counts a failure toward consecutive_errors_limit. Below the limit the consumer polls again
// after restart_backoff_ms[0]; at the limit it quits, and its supervisor restarts it.
next_step count_failure(consumer_actor self, const caf::error& why) {
  auto& st = self->state;
  auto& cfg = st.args.settings;
  st.args.stats->failed++;
  st.failed.add();
  auto errors = ++st.args.stats->consecutive_errors;
  st.consecutive.set(errors);
  if (errors < cfg.consecutive_errors_limit) {
    st.poll_paused = true;
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

void log_delivery_failure(const consumer_state& st, const next_step& step, const in_flight& e, const caf::error& why) {
  log_delivery_failure(st, step, *e.entry.item.ev, e.tries, why);
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

// Sends the acknowledgements of the round, with their metrics: one ack message, one add per
// counter, one clock reading for all end-to-end ages (the end of the journey is the
// acknowledgement). From the producer's clock to ours: skewed clocks can make an age negative,
// which is kept (the lowest bucket shows it) rather than hidden.
void send_acks(consumer_actor self) {
  auto& st = self->state;
  if (st.to_ack.empty())
    return;
  st.ok.add(static_cast<double>(st.delivered_to_ack));
  if (st.end_to_end && !st.ages_to_ack.empty()) {
    auto now = std::chrono::system_clock::now();
    metrics::histogram::batch ages(*st.end_to_end.series());
    for (auto occurred : st.ages_to_ack)
      ages.observe(std::chrono::duration<double>(now - occurred).count());
  }
  self->send(st.source, ack_atom::value, st.args.settings.group_id, std::exchange(st.to_ack, {}));
  st.delivered_to_ack = 0;
  st.ages_to_ack.clear();
}

// Acknowledges the done events at the front of the window: never one past an event that is not
// done, so a Kafka commit never skips an undelivered event.
void acknowledge_done_prefix(consumer_state& st) {
  while (!st.window.empty() && st.window.front().at == in_flight::phase::done) {
    auto& e = st.window.front();
    st.to_ack.push_back(e.entry.offset);
    if (e.delivered) {
      st.delivered_to_ack++;
      if (e.entry.item.ev->occurred)
        st.ages_to_ack.push_back(*e.entry.item.ev->occurred);
    }
    if (auto newest = st.last_of_key.find(key_hash(e)); newest != st.last_of_key.end() && newest->second == st.first_seq)
      st.last_of_key.erase(newest);
    st.window.pop_front();
    st.first_seq++;
  }
}

// Gives back every event of the window (the source delivers them again) and empties it: after
// an event failed for good, or when the consumer stops. Redelivering what was delivered but not
// yet acknowledged is what at-least-once allows.
void give_back_window(consumer_actor self) {
  auto& st = self->state;
  send_acks(self);
  std::vector<std::uint64_t> rest;
  rest.reserve(st.window.size());
  for (const auto& e : st.window)
    rest.push_back(e.entry.offset);
  if (!rest.empty())
    self->send(st.source, nack_atom::value, st.args.settings.group_id, std::move(rest));
  st.first_seq += st.window.size();
  st.window.clear();
  st.ready.clear();
  st.last_of_key.clear();
}

void finish(consumer_actor self, std::uint64_t seq, in_flight::phase how) {
  auto& st = self->state;
  auto& e = *find(st, seq);
  e.at = how;
  st.active--;
  if (how == in_flight::phase::done && e.next_same_key != none)
    st.ready.push_back(e.next_same_key);
  acknowledge_done_prefix(st);
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
event_ptr dead_letter_copy(const consumer_state& st, const in_flight& e, const std::string& reason) {
  auto copy = std::make_shared<event>(*e.entry.item.ev);
  carry_extension(*copy, "dlq_reason", reason);
  carry_extension(*copy, "dlq_attempts", std::to_string(e.tries));
  carry_extension(*copy, "dlq_source_topic", st.args.full_topic);
  carry_extension(*copy, "dlq_consumer", st.args.settings.name);
  carry_extension(*copy, "dlq_first_failure_time", e.first_failure_time);
  return copy;
}

// An event failed for good: no new event starts, and once those under way are finished the
// window is given back and the failure counts toward the consumer's limit.
void give_up(consumer_actor self, std::uint64_t seq, const caf::error& why) {
  auto& st = self->state;
  finish(self, seq, in_flight::phase::failed);
  if (!st.giving_up) {
    st.giving_up = why;
    st.giving_up_event = seq;
  }
}

void dead_letter(consumer_actor self, std::uint64_t seq, const caf::error& why) {
  auto& st = self->state;
  if (!st.args.dead_letter) {
    give_up(self, seq, why);
    return;
  }
  auto& e = *find(st, seq);
  e.at = in_flight::phase::dead_lettering;
  auto letter = std::make_shared<std::vector<keyed_event>>();
  letter->push_back({dead_letter_copy(st, e, describe(why)), e.entry.item.key});
  auto generation = e.generation;
  self->request(st.args.dead_letter, publish_timeout, publish_atom::value, topic_batch{letter})
    .then(
      [=](const publish_receipt&) {
        auto& st = self->state;
        auto* e = find(st, seq);
        if (e == nullptr || e->generation != generation)
          return;
        st.dead_lettered.add();
        auto to = "dead-lettered to topic '" + st.args.settings.dead_letter_topic + "'";
        log_delivery_failure(st, {log_level::error, std::move(to)}, *e, why);
        reset_errors(self);
        finish(self, seq, in_flight::phase::done);
        schedule(self);
      },
      [=](caf::error& err) {
        auto& st = self->state;
        auto* e = find(st, seq);
        if (e == nullptr || e->generation != generation)
          return;
        auto refused = describe(why) + "; and the dead-letter topic refused it: " + describe(err);
        give_up(self, seq, failure(kind_of(why), std::move(refused)));
        schedule(self);
      });
}

// Takes the answer of try `generation` of event `seq`; false for a stale answer.
bool on_outcome(consumer_actor self, std::uint64_t seq, std::uint64_t generation, const delivery_result& outcome) {
  auto& st = self->state;
  auto* found = find(st, seq);
  if (found == nullptr || found->generation != generation || found->at != in_flight::phase::trying)
    return false;
  auto& e = *found;
  if (outcome) {
    st.args.stats->delivered++;
    e.delivered = true;
    reset_errors(self);
    finish(self, seq, in_flight::phase::done);
    return true;
  }
  if (e.tries == 1)
    e.first_failure_time = format_rfc3339(std::chrono::system_clock::now());
  const auto& why = outcome.error();
  count_kind(st, why);
  if (st.giving_up || st.stopping) {  // the window is given back anyway: this event with it
    log_delivery_failure(st, {log_level::warn, "given back, as the consumer stops starting events"}, e, why);
    finish(self, seq, in_flight::phase::failed);
    return true;
  }
  if (kind_of(why) != errc::rejected && e.tries < st.args.settings.retry.max_attempts) {
    st.retried.add();
    e.at = in_flight::phase::backing_off;
    e.generation = st.next_generation++;
    auto delay = retry_delay(st, e.tries);
    log_delivery_failure(st, {log_level::warn, "retry in " + in_ms(delay)}, e, why);
    self->delayed_send(self, delay, redeliver_atom::value, seq, e.generation);
    return true;
  }
  dead_letter(self, seq, why);
  return true;
}

// An answer given while deliver() is still running, on the consumer's own thread (a sink that
// knows at once, an immediate_sink; the log sink when stdout takes the line): taken at once,
// without a message round trip per event.
struct inline_answer {
  std::thread::id thread = std::this_thread::get_id();
  std::atomic<bool> open{true};
  bool given = false;
  delivery_result result;
};

// One try of event `seq`; its answer is applied here when the sink gave it at once.
void try_event(consumer_actor self, std::uint64_t seq) {
  auto& st = self->state;
  auto& e = *find(st, seq);
  e.at = in_flight::phase::trying;
  e.tries++;
  e.generation = st.next_generation++;
  auto generation = e.generation;
  auto answer = std::make_shared<inline_answer>();
  st.args.out->deliver(self, {e.entry.item, st.args.full_topic, st.args.settings.name},
                       [me = caf::actor_cast<caf::actor>(self), inbox = st.inbox, seq, generation,
                        answer](delivery_result outcome) {
                         if (answer->open && std::this_thread::get_id() == answer->thread) {
                           answer->given = true;
                           answer->result = std::move(outcome);
                           return;
                         }
                         // From another thread, or later: through the inbox.
                         if (inbox->put({seq, generation, std::move(outcome)}))
                           caf::anon_send(me, delivered_atom::value);
                       });
  answer->open = false;
  if (answer->given)
    on_outcome(self, seq, generation, answer->result);
}

// The window after an event failed for good, or once the consumer stops: nothing under way and
// no poll to wait for, it is given back; then the consumer polls again after the backoff, or quits.
void settle_stop(consumer_actor self) {
  auto& st = self->state;
  if (!st.giving_up) {
    give_back_window(self);
    self->quit();
    return;
  }
  auto why = std::move(st.giving_up);
  st.giving_up = caf::error{};
  const auto& failed = *find(st, st.giving_up_event);
  auto ev = failed.entry.item.ev;  // the window is gone once given back
  auto tries = failed.tries;
  give_back_window(self);
  std::string next = "the consumer stops (reload or shutdown)";
  if (st.stopping)
    self->quit();
  else
    next = count_failure(self, why).next;
  log_delivery_failure(st, {log_level::error, "given back with the rest of the window; " + next}, *ev, tries, why);
}

// Starts what may start — up to sink.concurrency events at once, and with sink.ordered an event
// only after the one of the same key before it is done — acknowledges what is done, and polls
// ahead while the window has room.
void schedule(consumer_actor self) {
  auto& st = self->state;
  const auto limit = st.args.settings.sink.concurrency;
  while (!st.ready.empty() && st.active < limit && !st.giving_up && !st.stopping) {
    auto seq = st.ready.front();
    st.ready.pop_front();
    st.active++;
    try_event(self, seq);
  }
  st.args.out->flush(self);
  send_acks(self);
  if (st.giving_up || st.stopping) {
    if (st.active == 0 && !st.polling)
      settle_stop(self);
    return;
  }
  if (st.drained && st.window.empty()) {
    self->quit();
    return;
  }
  poll(self);
}

// Takes a poll's entries into the window, each after the newest event of its key (ordered).
void take(consumer_state& st, log_entries&& entries) {
  auto keys = st.args.keys ? st.args.keys->get() : nullptr;
  for (auto& entry : entries) {
    if (entry.item.key.empty() && keys)
      entry.item.key = keys->key_of(*entry.item.ev);
    auto seq = st.first_seq + st.window.size();
    st.window.emplace_back().entry = std::move(entry);
    if (!st.args.settings.sink.ordered) {
      st.ready.push_back(seq);
      continue;
    }
    auto [newest, first] = st.last_of_key.try_emplace(key_hash(st.window.back()), seq);
    if (!first) {
      auto* before = find(st, std::exchange(newest->second, seq));
      if (before != nullptr && before->at != in_flight::phase::done) {
        before->next_same_key = seq;
        continue;
      }
    }
    st.ready.push_back(seq);
  }
}

// Polls for as much as the window has room for, unless a poll is under way, the backoff after a
// failure runs, or nothing more is wanted.
void poll(consumer_actor self) {
  auto& st = self->state;
  const auto& cfg = st.args.settings;
  if (st.polling || st.poll_paused || st.stopping || st.giving_up || st.drained || st.window.size() >= cfg.window)
    return;
  auto max = std::min(cfg.batch_size, cfg.window - st.window.size());
  auto wait = static_cast<std::uint32_t>(st.draining ? 0 : cfg.poll_timeout.count());
  st.polling = true;
  self->request(st.source, cfg.poll_timeout + poll_grace, poll_atom::value, cfg.group_id, cfg.name, max, wait)
    .then(
      [=](log_entries& entries) {
        auto& st = self->state;
        st.polling = false;
        if (entries.empty() && st.draining)
          st.drained = true;
        take(st, std::move(entries));  // when stopping, to be given back
        schedule(self);
      },
      [=](caf::error& e) {
        auto& st = self->state;
        st.polling = false;
        if (st.stopping || st.giving_up) {
          schedule(self);
          return;
        }
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
      self->state.poll_paused = false;
      schedule(self);
    },
    [=](delivered_atom) {
      bool changed = false;
      for (auto& a : self->state.inbox->take())
        changed = on_outcome(self, a.seq, a.generation, a.outcome) || changed;
      if (changed)
        schedule(self);
    },
    [=](redeliver_atom, std::uint64_t seq, std::uint64_t generation) {
      auto& st = self->state;
      auto* e = find(st, seq);
      if (e == nullptr || e->generation != generation || e->at != in_flight::phase::backing_off)
        return;
      if (!st.giving_up && !st.stopping)
        try_event(self, seq);
      else
        finish(self, seq, in_flight::phase::failed);  // the window is given back: this event with it
      schedule(self);
    },
    [=](drain_atom) { self->state.draining = true; },
    [=](stop_atom) {
      self->state.stopping = true;
      schedule(self);
    },
  };
}

}  // namespace

caf::actor spawn_consumer(caf::event_based_actor* supervisor, consumer_args args) {
  return supervisor->spawn<caf::monitored + caf::linked>(consumer_behavior, std::move(args));
}

}  // namespace eventrouter
