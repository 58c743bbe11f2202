#include "actors/broker_topic.hpp"

#include "actors/failure.hpp"
#include "actors/publish_meter.hpp"

#include <unordered_map>

namespace eventrouter {

namespace {

struct pending_publish {
  caf::typed_response_promise<publish_receipt> promise;
  std::size_t events;
  publish_meter::clock::time_point started;
};

struct broker_topic_state {
  topic_write write;
  std::uint64_t next_batch = 0;
  std::unordered_map<std::uint64_t, pending_publish> pending;
  publish_meter meter;
  bool stopping = false;
};

// The interface with the delivery reports the client's thread sends the actor.
using broker_topic_impl = topic_actor::extend<caf::reacts_to<delivered_atom, std::uint64_t, first_position>>;
using broker_topic_ptr = broker_topic_impl::stateful_pointer<broker_topic_state>;

broker_topic_impl::behavior_type broker_topic(broker_topic_ptr self, std::string topic, std::string transport,
                                              topic_write write, metrics::registry* metrics) {
  exit_on_exception(self, transport + " topic '" + topic + "'");
  auto& st = self->state;
  st.write = std::move(write);
  st.meter = publish_meter(*metrics, topic, transport);
  return {
    [=](publish_atom, const topic_batch& batch) -> caf::result<publish_receipt> {
      auto& st = self->state;
      auto id = st.next_batch++;
      auto promise = self->make_response_promise<publish_receipt>();
      st.pending.emplace(id, pending_publish{promise, batch->size(), publish_meter::clock::now()});
      st.write(*batch, [me = caf::actor_cast<broker_topic_impl>(self), id](first_position position) {
        caf::anon_send(me, delivered_atom::value, id, std::move(position));
      });
      return promise;
    },
    [=](delivered_atom, std::uint64_t id, first_position& position) {
      auto& st = self->state;
      auto it = st.pending.find(id);
      if (it == st.pending.end())
        return;
      if (position) {
        st.meter.succeeded(it->second.events, it->second.started);
        it->second.promise.deliver(publish_receipt{it->second.events, std::move(*position)});
      } else {
        st.meter.failed(it->second.events);
        it->second.promise.deliver(position.error());
      }
      st.pending.erase(it);
      if (st.stopping && st.pending.empty())
        self->quit();
    },
    [=](stop_atom) {
      auto& st = self->state;
      st.stopping = true;  // publishes under way still get their delivery reports
      if (st.pending.empty())
        self->quit();
    },
  };
}

}  // namespace

topic_actor spawn_broker_topic(caf::actor_system& sys, std::string topic, const std::string& transport,
                               topic_write write, metrics::registry& metrics) {
  return sys.spawn(broker_topic, std::move(topic), transport, std::move(write), &metrics);
}

}  // namespace eventrouter
