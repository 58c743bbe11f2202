#include "actors/kafka/kafka_topic.hpp"

#include "actors/failure.hpp"
#include "actors/publish_meter.hpp"

#include <unordered_map>

// A delivery report, as the producer's thread hands it to the topic actor.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(caf::expected<std::string>)

namespace eventrouter {

namespace {

// Where a delivered batch's first message went, or why it was not delivered.
using first_position = caf::expected<std::string>;

struct pending_publish {
  caf::typed_response_promise<publish_receipt> promise;
  std::size_t events;
  publish_meter::clock::time_point started;
};

struct kafka_topic_state {
  std::shared_ptr<kafka::topic> writer;
  std::string topic;
  config::topic_format format = config::topic_format::json;
  std::uint64_t next_batch = 0;
  std::unordered_map<std::uint64_t, pending_publish> pending;
  publish_meter meter;
  bool stopping = false;
};

// The interface with the delivery reports the producer's thread sends the actor.
using kafka_topic_impl = topic_actor::extend<caf::reacts_to<delivered_atom, std::uint64_t, first_position>>;
using kafka_topic_ptr = kafka_topic_impl::stateful_pointer<kafka_topic_state>;

kafka_topic_impl::behavior_type kafka_topic(kafka_topic_ptr self, std::shared_ptr<kafka::topic> writer,
                                            std::string topic, config::topic_format format,
                                            metrics::registry* metrics) {
  exit_on_exception(self, "kafka topic '" + topic + "'");
  auto& st = self->state;
  st.writer = std::move(writer);
  st.topic = std::move(topic);
  st.format = format;
  st.meter = publish_meter(*metrics, st.topic, "kafka");
  return {
    [=](publish_atom, const topic_batch& batch) -> caf::result<publish_receipt> {
      auto& st = self->state;
      auto id = st.next_batch++;
      auto promise = self->make_response_promise<publish_receipt>();
      st.pending.emplace(id, pending_publish{promise, batch->size(), publish_meter::clock::now()});
      st.writer->produce(
        *batch, st.format, [me = caf::actor_cast<kafka_topic_impl>(self), id](std::string error, std::string first) {
          // The producer's empty error means success; actors speak caf::expected.
          auto position = error.empty() ? first_position{std::move(first)}
                                        : first_position{failure(errc::broker_error, std::move(error))};
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

topic_actor spawn_kafka_topic(caf::actor_system& sys, std::shared_ptr<kafka::producer> producer, std::string topic,
                              config::topic_format format, metrics::registry& metrics) {
  // Made here, where a failure reaches the caller, and before the first event (see kafka::topic).
  auto writer = std::make_shared<kafka::topic>(std::move(producer), topic);
  return sys.spawn(kafka_topic, std::move(writer), std::move(topic), format, &metrics);
}

}  // namespace eventrouter
