#include "actors/consumer_supervisor.hpp"

#include "actors/consumer.hpp"
#include "actors/failure.hpp"
#include "actors/service_log.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <optional>

namespace eventrouter {

namespace {

enum class child_state { running, restarting, stopped };

// What /v1/consumers and the consumer_state metric show: a child_state, or "failed".
constexpr std::array<const char*, 4> shown_states{"running", "restarting", "stopped", "failed"};
constexpr std::size_t shown_failed = 3;

using clock_type = std::chrono::steady_clock;

struct child {
  std::uint64_t id = 0;  // names the child in delayed restarts, which a reload may outlive
  supervised_consumer spec;
  caf::actor current;
  child_state state = child_state::stopped;
  std::shared_ptr<consumer_stats> stats = std::make_shared<consumer_stats>();
  std::uint64_t delivered_at_start = 0;
  std::chrono::milliseconds next_backoff{0};
  unsigned restarts = 0;
  std::deque<clock_type::time_point> recent_restarts;  // within restart_window
  bool failed = false;  // restarted too often: kept restarting, shown as failed until it delivers
  std::string last_error;
  // Set by a reload while the running incarnation finishes its batch: what to start once it
  // stopped, or nothing when the consumer was removed.
  bool retiring = false;
  std::optional<supervised_consumer> successor;
  metrics::counter restarts_counter;
  std::array<metrics::gauge, shown_states.size()> state_gauges;  // by index into shown_states

  std::size_t shown() const { return failed ? shown_failed : static_cast<std::size_t>(state); }
  // Call after every change of state or failed.
  void show_state() const {
    for (std::size_t i = 0; i < state_gauges.size(); ++i)
      state_gauges[i].set(i == shown() ? 1 : 0);
  }
};

struct supervisor_state {
  std::vector<child> children;
  std::uint64_t next_id = 1;
  sink_factory make_sink;
  metrics::registry* metrics = nullptr;
  bool draining = false;
  std::vector<caf::typed_response_promise<bool>> drain_waiters;
};

using supervisor_actor = caf::stateful_actor<supervisor_state>*;

child* find_child(supervisor_state& st, std::uint64_t id) {
  auto it = std::find_if(st.children.begin(), st.children.end(), [id](const child& c) { return c.id == id; });
  return it == st.children.end() ? nullptr : &*it;
}

child& add_child(supervisor_state& st, supervised_consumer spec) {
  child c;
  c.id = st.next_id++;
  c.restarts_counter = st.metrics->consumer_restarts(spec.settings.name);
  for (std::size_t i = 0; i < shown_states.size(); ++i)
    c.state_gauges[i] = st.metrics->consumer_state(spec.settings.name, shown_states[i]);
  c.spec = std::move(spec);
  st.children.push_back(std::move(c));
  return st.children.back();
}

void schedule_restart(supervisor_actor self, child& c, const caf::error& reason);

void start(supervisor_actor self, child& c) {
  c.delivered_at_start = c.stats->delivered;
  auto out = c.spec.first_sink ? caf::expected<std::shared_ptr<sink>>(std::exchange(c.spec.first_sink, nullptr))
                               : self->state.make_sink(c.spec.settings);
  if (!out) {
    schedule_restart(self, c, out.error());
    return;
  }
  c.current = spawn_consumer(self, {c.spec.settings, c.spec.full_topic, c.spec.open_source, std::move(*out),
                                    c.spec.keys, c.spec.dead_letter, c.stats, self->state.metrics});
  c.state = child_state::running;
  c.show_state();
}

void stop(child& c) {
  c.state = child_state::stopped;
  c.show_state();
}

void finish_drain_if_done(supervisor_actor self) {
  auto& st = self->state;
  bool all_stopped = std::all_of(st.children.begin(), st.children.end(),
                                 [](const child& c) { return c.state == child_state::stopped; });
  if (!st.draining || !all_stopped)
    return;
  for (auto& waiter : st.drain_waiters)
    waiter.deliver(true);
  st.drain_waiters.clear();
}

void schedule_restart(supervisor_actor self, child& c, const caf::error& reason) {
  const auto& cfg = c.spec.settings;
  // A consumer that delivered since its last start was healthy again: begin the backoff anew.
  if (c.next_backoff.count() == 0 || c.stats->delivered > c.delivered_at_start)
    c.next_backoff = cfg.restart_backoff_min;
  auto delay = c.next_backoff;
  c.next_backoff = std::min(c.next_backoff * 2, cfg.restart_backoff_max);
  c.state = child_state::restarting;
  c.last_error = to_string(kind_of(reason)) + ": " + describe(reason);
  c.restarts++;
  c.restarts_counter.add();
  auto now = clock_type::now();
  c.recent_restarts.push_back(now);
  while (!c.recent_restarts.empty() && now - c.recent_restarts.front() > cfg.restart_window)
    c.recent_restarts.pop_front();
  // A consumer that cannot be built would fail the same way at every restart: failed at once.
  bool not_built = kind_of(reason) == errc::not_built;
  if ((not_built || c.recent_restarts.size() > cfg.max_restarts) && !c.failed) {
    c.failed = true;
    auto why = not_built ? "it cannot be built" : std::to_string(c.recent_restarts.size()) + " restarts within " +
                                                    std::to_string(cfg.restart_window.count()) + " ms (max_restarts " +
                                                    std::to_string(cfg.max_restarts) + ")";
    log_line(log_level::error, "consumer is failed: " + why + "; /readyz answers 503",
             {{"consumer", cfg.name},
              {"kind", to_string(kind_of(reason))},
              {"next", "restarts go on; healthy again once it delivers"}});
  }
  c.show_state();
  log_line(log_level::warn, "consumer failed: " + describe(reason),
           {{"consumer", cfg.name},
            {"kind", to_string(kind_of(reason))},
            {"topic", c.spec.full_topic},
            {"restarts", std::to_string(c.restarts)},
            {"next", "restart in " + std::to_string(delay.count()) + " ms"}});
  self->delayed_send(self, delay, restart_atom::value, c.id);
}

void remove_child(supervisor_state& st, std::uint64_t id) {
  auto* c = find_child(st, id);
  c->state_gauges[c->shown()].set(0);  // a removed consumer is in no state
  st.children.erase(st.children.begin() + (c - st.children.data()));
}

// A retired incarnation stopped: its successor starts, or the consumer is gone.
void retired(supervisor_actor self, child& c) {
  c.retiring = false;
  if (!c.successor) {
    remove_child(self->state, c.id);
    return;
  }
  c.spec = std::move(*c.successor);
  c.successor.reset();
  c.failed = false;  // a new configuration gets a clean slate
  c.recent_restarts.clear();
  c.next_backoff = std::chrono::milliseconds(0);
  start(self, c);
}

bool is_child(const supervisor_state& st, const caf::actor_addr& who) {
  return std::any_of(st.children.begin(), st.children.end(),
                     [&](const child& c) { return c.current.address() == who; });
}

void on_down(supervisor_actor self, const caf::down_msg& msg) {
  auto& children = self->state.children;
  auto it = std::find_if(children.begin(), children.end(),
                         [&](const child& c) { return c.current.address() == msg.source; });
  if (it == children.end())
    return;
  it->current = nullptr;
  if (self->state.draining || (!msg.reason && !it->retiring)) {
    stop(*it);
    finish_drain_if_done(self);
    return;
  }
  if (it->retiring)
    retired(self, *it);
  else
    schedule_restart(self, *it, msg.reason);
}

consumer_changes reload(supervisor_actor self, const consumer_set& next) {
  auto& st = self->state;
  consumer_changes changes;
  st.make_sink = next.make_sink;
  auto find_next = [&](const std::string& name) -> const supervised_consumer* {
    for (const auto& c : next.consumers)
      if (c.settings.name == name)
        return &c;
    return nullptr;
  };
  std::vector<std::uint64_t> gone;
  for (auto& c : st.children) {
    const auto* wanted = find_next(c.spec.settings.name);
    // What the child will run once any reload under way is done: nothing if it is being removed.
    const auto* will_run = c.successor ? &*c.successor : c.retiring ? nullptr : &c.spec;
    if (wanted != nullptr && will_run != nullptr && wanted->same_as(*will_run))
      continue;
    (wanted != nullptr ? changes.restarted : changes.stopped).push_back(c.spec.settings.name);
    if (c.state == child_state::running) {
      if (!c.retiring)
        self->send(c.current, stop_atom::value);
      c.retiring = true;
      if (wanted != nullptr)
        c.successor = *wanted;
      else
        c.successor.reset();
    } else if (wanted != nullptr) {
      c.spec = *wanted;  // a pending restart starts it as configured now
    } else {
      gone.push_back(c.id);
    }
  }
  for (auto id : gone)
    remove_child(st, id);
  for (const auto& wanted : next.consumers) {
    auto exists = std::any_of(st.children.begin(), st.children.end(),
                              [&](const child& c) { return c.spec.settings.name == wanted.settings.name; });
    if (exists)
      continue;
    changes.started.push_back(wanted.settings.name);
    start(self, add_child(st, wanted));
  }
  return changes;
}

consumer_statuses statuses(supervisor_state& st) {
  consumer_statuses out;
  out.reserve(st.children.size());
  for (auto& c : st.children) {
    // Delivering again since its last start: the failure is over.
    if (c.failed && c.state == child_state::running && c.stats->delivered > c.delivered_at_start) {
      c.failed = false;
      c.recent_restarts.clear();
      c.show_state();
    }
    auto lag = c.stats->lag.load(std::memory_order_relaxed);
    out.push_back({c.spec.settings.name, c.spec.full_topic, c.spec.settings.group_id, shown_states[c.shown()],
                   c.stats->delivered, c.stats->failed, c.stats->consecutive_errors, c.restarts,
                   c.stats->malformed, c.last_error,
                   lag == consumer_stats::unknown_lag ? std::nullopt
                                                      : std::optional(static_cast<std::uint64_t>(lag))});
  }
  return out;
}

caf::behavior consumer_supervisor(supervisor_actor self, std::vector<supervised_consumer> consumers,
                                  sink_factory make_sink, metrics::registry* metrics) {
  exit_on_exception(self, "the consumer supervisor");
  auto& st = self->state;
  st.make_sink = std::move(make_sink);
  st.metrics = metrics;
  for (auto& spec : consumers)
    add_child(st, std::move(spec));
  for (auto& c : st.children)
    start(self, c);
  self->set_down_handler([=](caf::down_msg& msg) { on_down(self, msg); });
  // Children are linked only so they die with the supervisor; their failures arrive as down
  // messages and must not take the supervisor with them.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    if (msg.source != caf::actor_addr{} && is_child(self->state, msg.source))
      return;
    self->quit(std::move(msg.reason));
  });
  return {
    [=](restart_atom, std::uint64_t id) {
      auto* c = find_child(self->state, id);
      if (c == nullptr || c->state != child_state::restarting)
        return;
      if (self->state.draining) {
        stop(*c);
        finish_drain_if_done(self);
        return;
      }
      start(self, *c);
    },
    [=](status_atom) { return statuses(self->state); },
    [=](reload_atom, const consumer_set_ptr& next) { return reload(self, *next); },
    [=](drain_atom) -> caf::result<bool> {
      auto& st = self->state;
      st.draining = true;
      for (auto& c : st.children) {
        if (c.state == child_state::running)
          self->send(c.current, drain_atom::value);
        else
          stop(c);
      }
      auto promise = self->make_response_promise<bool>();
      st.drain_waiters.push_back(promise);
      finish_drain_if_done(self);
      return promise;
    },
  };
}

}  // namespace

caf::actor spawn_consumer_supervisor(caf::actor_system& sys, std::vector<supervised_consumer> consumers,
                                     sink_factory make_sink, metrics::registry& metrics) {
  return sys.spawn(consumer_supervisor, std::move(consumers), std::move(make_sink), &metrics);
}

}  // namespace eventrouter
