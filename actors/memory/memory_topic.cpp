#include "actors/memory/memory_topic.hpp"

#include "actors/failure.hpp"
#include "actors/publish_meter.hpp"
#include "actors/service_log.hpp"
#include "transports/memory/memory_log.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

namespace eventrouter {

namespace {

using clock = std::chrono::steady_clock;

struct parked_poll {
  clock::time_point due;  // answered empty then
  std::string group;
  std::string consumer;
  std::size_t max;
  caf::typed_response_promise<log_entries> promise;
};

struct memory_topic_state {
  std::string name;
  std::unique_ptr<memory_log> log;
  std::vector<parked_poll> parked;  // polls waiting for entries, oldest first
  // When the sweep_atom on its way arrives: one timer message for every parked poll, not a
  // CAF timer per poll (deadline_list.hpp says what one costs); none when nothing is parked.
  std::optional<clock::time_point> sweep_at;
  publish_meter meter;
};

// The interface with the sweep the topic sends itself.
using memory_topic_impl = memory_topic_actor::extend<caf::reacts_to<sweep_atom>>;
using memory_topic_ptr = memory_topic_impl::stateful_pointer<memory_topic_state>;

// Answers parked polls that now have something to read.
void serve_parked(memory_topic_ptr self) {
  auto& st = self->state;
  for (auto it = st.parked.begin(); it != st.parked.end();) {
    auto entries = st.log->poll(it->group, it->consumer, it->max);
    if (entries.empty()) {
      ++it;
      continue;
    }
    it->promise.deliver(std::move(entries));
    it = st.parked.erase(it);
  }
}

// Answers the parked polls `which` selects with nothing, at once.
template <class Predicate>
void end_parked(memory_topic_ptr self, Predicate which) {
  auto& parked = self->state.parked;
  for (auto it = parked.begin(); it != parked.end();) {
    if (which(*it)) {
      it->promise.deliver(log_entries{});
      it = parked.erase(it);
    } else {
      ++it;
    }
  }
}

// A sweep_atom on its way for the earliest parked poll, unless one comes by then already.
void arm_sweep(memory_topic_ptr self) {
  auto& st = self->state;
  auto earliest = std::min_element(st.parked.begin(), st.parked.end(),
                                   [](const parked_poll& a, const parked_poll& b) { return a.due < b.due; });
  if (earliest == st.parked.end() || (st.sweep_at && *st.sweep_at <= earliest->due))
    return;
  st.sweep_at = earliest->due;
  self->delayed_send(self, std::max(earliest->due - clock::now(), clock::duration{}), sweep_atom::value);
}

memory_topic_impl::behavior_type memory_topic(memory_topic_ptr self, std::string full_name, std::size_t max_len,
                                              const std::vector<std::string>& groups, metrics::registry* metrics) {
  exit_on_exception(self, "memory topic '" + full_name + "'");
  auto& st = self->state;
  st.name = std::move(full_name);
  st.log = std::make_unique<memory_log>(max_len);
  for (const auto& g : groups)
    st.log->create_group(g);
  st.meter = publish_meter(*metrics, st.name, "memory");
  return {
    [=](publish_atom, const topic_batch& batch) -> caf::result<publish_receipt> {
      auto& st = self->state;
      auto started = publish_meter::clock::now();
      auto size = batch->size();
      auto first = st.log->append(std::move(*batch));
      if (!first) {
        st.meter.failed(size);
        return failure(errc::topic_full, "memory topic '" + st.name + "' is full: " + std::to_string(st.log->size()) +
                       " entries not yet acknowledged by every consumer group (transports.memory.max_len)");
      }
      st.meter.succeeded(size, started);
      serve_parked(self);
      return publish_receipt{size, "offset " + std::to_string(*first)};
    },
    [=](join_atom, const std::string& group, const std::string& consumer) {
      // A consumer that joins again was restarted: whatever it had parked belongs to its old self.
      end_parked(self, [&](const parked_poll& p) { return p.group == group && p.consumer == consumer; });
      self->state.log->join(group, consumer);
      serve_parked(self);  // entries given back may be due to a consumer already waiting
      return true;
    },
    [=](poll_atom, const std::string& group, const std::string& consumer, std::size_t max,
        std::uint32_t timeout_ms) -> caf::result<log_entries> {
      auto& st = self->state;
      auto entries = st.log->poll(group, consumer, max);
      if (!entries.empty() || timeout_ms == 0)
        return entries;
      auto promise = self->make_response_promise<log_entries>();
      st.parked.push_back({clock::now() + std::chrono::milliseconds(timeout_ms), group, consumer, max, promise});
      arm_sweep(self);
      return promise;
    },
    [=](sweep_atom) {
      auto& st = self->state;
      st.sweep_at.reset();
      auto now = clock::now();
      end_parked(self, [now](const parked_poll& p) { return p.due <= now; });
      arm_sweep(self);
    },
    [=](ack_atom, const std::string& group, const std::vector<std::uint64_t>& offsets) {
      self->state.log->ack(group, offsets);
    },
    [=](nack_atom, const std::string& group, const std::vector<std::uint64_t>& offsets) {
      self->state.log->nack(group, offsets);
      serve_parked(self);
    },
    [=](status_atom, const std::string& group) { return self->state.log->lag(group); },
    [=](leave_atom, const std::string& group) {
      // Answered now: served by a later append, a parked poll would bring the group back.
      end_parked(self, [&](const parked_poll& p) { return p.group == group; });
      self->state.log->remove_group(group);
    },
    [=](stop_atom) {
      auto& st = self->state;
      if (st.log->size() > 0)
        log_line(log_level::warn, "memory topic '" + st.name + "' removed by a reload with " +
                                    std::to_string(st.log->size()) + " entries no consumer group will read");
      self->quit();
    },
  };
}

}  // namespace

memory_topic_actor spawn_memory_topic(caf::actor_system& sys, std::string full_name, std::size_t max_len,
                                      std::vector<std::string> groups, metrics::registry& metrics) {
  return sys.spawn(memory_topic, std::move(full_name), max_len, std::move(groups), &metrics);
}

}  // namespace eventrouter
