#include "actors/consumer_supervisor.hpp"

#include "actors/consumer.hpp"
#include "actors/failure.hpp"
#include "actors/service_log.hpp"

#include <algorithm>
#include <chrono>
#include <deque>

namespace eventrouter {

namespace {

enum class child_state { running, restarting, stopped };

const char* to_string(child_state s) {
  switch (s) {
    case child_state::running: return "running";
    case child_state::restarting: return "restarting";
    case child_state::stopped: return "stopped";
  }
  return "unknown";
}

using clock_type = std::chrono::steady_clock;

struct child {
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
  prometheus::Counter* restarts_counter = nullptr;
};

struct supervisor_state {
  std::vector<child> children;
  sink_factory make_sink;
  metrics::registry* metrics = nullptr;
  bool draining = false;
  std::vector<caf::typed_response_promise<bool>> drain_waiters;
};

using supervisor_actor = caf::stateful_actor<supervisor_state>*;

void start(supervisor_actor self, child& c) {
  c.delivered_at_start = c.stats->delivered;
  c.current = spawn_consumer(self, {c.spec.settings, c.spec.full_topic, c.spec.open_source,
                                    self->state.make_sink(c.spec.settings), c.spec.dead_letter, c.stats,
                                    self->state.metrics});
  c.state = child_state::running;
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

void schedule_restart(supervisor_actor self, std::size_t index, const caf::error& reason) {
  auto& c = self->state.children[index];
  const auto& cfg = c.spec.settings;
  // A consumer that delivered since its last start was healthy again: begin the backoff anew.
  if (c.next_backoff.count() == 0 || c.stats->delivered > c.delivered_at_start)
    c.next_backoff = cfg.restart_backoff_min;
  auto delay = c.next_backoff;
  c.next_backoff = std::min(c.next_backoff * 2, cfg.restart_backoff_max);
  c.state = child_state::restarting;
  c.last_error = describe(reason);
  c.restarts++;
  c.restarts_counter->Increment();
  auto now = clock_type::now();
  c.recent_restarts.push_back(now);
  while (!c.recent_restarts.empty() && now - c.recent_restarts.front() > cfg.restart_window)
    c.recent_restarts.pop_front();
  if (c.recent_restarts.size() > cfg.max_restarts && !c.failed) {
    c.failed = true;
    log_line(log_level::error, "consumer '" + cfg.name + "' is failed: " + std::to_string(c.recent_restarts.size()) +
                                 " restarts within " + std::to_string(cfg.restart_window.count()) +
                                 " ms (max_restarts " + std::to_string(cfg.max_restarts) +
                                 "); restarts go on, and it is healthy again once it delivers");
  }
  log_line(log_level::warn, "consumer '" + cfg.name + "' failed: " + c.last_error + "; restart " +
                                 std::to_string(c.restarts) + " in " + std::to_string(delay.count()) + " ms");
  self->delayed_send(self, delay, restart_atom::value, index);
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
  if (self->state.draining || !msg.reason) {
    it->state = child_state::stopped;
    finish_drain_if_done(self);
    return;
  }
  schedule_restart(self, static_cast<std::size_t>(it - children.begin()), msg.reason);
}

consumer_statuses statuses(supervisor_state& st) {
  consumer_statuses out;
  out.reserve(st.children.size());
  for (auto& c : st.children) {
    // Delivering again since its last start: the failure is over.
    if (c.failed && c.state == child_state::running && c.stats->delivered > c.delivered_at_start) {
      c.failed = false;
      c.recent_restarts.clear();
    }
    out.push_back({c.spec.settings.name, c.spec.full_topic, c.spec.settings.group_id,
                   c.failed ? "failed" : to_string(c.state), c.stats->delivered, c.stats->failed,
                   c.stats->consecutive_errors, c.restarts, c.stats->malformed, c.last_error});
  }
  return out;
}

caf::behavior consumer_supervisor(supervisor_actor self, std::vector<supervised_consumer> consumers,
                                  sink_factory make_sink, metrics::registry* metrics) {
  auto& st = self->state;
  st.make_sink = std::move(make_sink);
  st.metrics = metrics;
  for (auto& spec : consumers) {
    child c;
    c.restarts_counter = &metrics->consumer_restarts(spec.settings.name);
    c.spec = std::move(spec);
    st.children.push_back(std::move(c));
  }
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
    [=](restart_atom, std::size_t index) {
      auto& c = self->state.children.at(index);
      if (c.state != child_state::restarting)
        return;
      if (self->state.draining) {
        c.state = child_state::stopped;
        finish_drain_if_done(self);
        return;
      }
      start(self, c);
    },
    [=](status_atom) { return statuses(self->state); },
    [=](drain_atom) -> caf::result<bool> {
      auto& st = self->state;
      st.draining = true;
      for (auto& c : st.children) {
        if (c.state == child_state::running)
          self->send(c.current, drain_atom::value);
        else
          c.state = child_state::stopped;
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
