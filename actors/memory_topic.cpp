#include "actors/memory_topic.hpp"

#include "actors/failure.hpp"
#include "actors/publish_meter.hpp"
#include "actors/service_log.hpp"
#include "transports/memory_log.hpp"

#include <memory>
#include <vector>

namespace eventrouter {

namespace {

struct parked_poll {
  std::uint64_t id;
  std::string group;
  std::string consumer;
  std::size_t max;
  caf::typed_response_promise<log_entries> promise;
};

struct memory_topic_state {
  std::string name;
  std::unique_ptr<memory_log> log;
  std::vector<parked_poll> parked;  // polls waiting for entries, oldest first
  std::uint64_t next_poll_id = 0;
  publish_meter meter;
};

using memory_topic_actor = caf::stateful_actor<memory_topic_state>*;

// Answers parked polls that now have something to read.
void serve_parked(memory_topic_actor self) {
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
void end_parked(memory_topic_actor self, Predicate which) {
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

caf::behavior memory_topic(memory_topic_actor self, std::string full_name, std::size_t max_len,
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
      auto id = st.next_poll_id++;
      auto promise = self->make_response_promise<log_entries>();
      st.parked.push_back({id, group, consumer, max, promise});
      self->delayed_send(self, std::chrono::milliseconds(timeout_ms), poll_end_atom::value, id);
      return promise;
    },
    [=](poll_end_atom, std::uint64_t id) {
      end_parked(self, [id](const parked_poll& p) { return p.id == id; });
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

caf::actor spawn_memory_topic(caf::actor_system& sys, std::string full_name, std::size_t max_len,
                              std::vector<std::string> groups, metrics::registry& metrics) {
  return sys.spawn(memory_topic, std::move(full_name), max_len, std::move(groups), &metrics);
}

}  // namespace eventrouter
