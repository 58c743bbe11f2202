#include "actors/kafka/kafka_topic.hpp"

#include "actors/broker_topic.hpp"
#include "actors/failure.hpp"

namespace eventrouter {

topic_actor spawn_kafka_topic(caf::actor_system& sys, std::shared_ptr<kafka::producer> producer, std::string topic,
                              config::topic_format format, metrics::registry& metrics) {
  // Made here, where a failure reaches the caller, and before the first event (see kafka::topic).
  auto writer = std::make_shared<kafka::topic>(std::move(producer), topic);
  auto write = [writer, format](const std::vector<keyed_event>& batch, delivery_report report) {
    writer->produce(batch, format, [report = std::move(report)](std::string error, std::string first) {
      // The producer's empty error means success; actors speak caf::expected.
      report(error.empty() ? first_position{std::move(first)}
                           : first_position{failure(errc::broker_error, std::move(error))});
    });
  };
  return spawn_broker_topic(sys, std::move(topic), "kafka", std::move(write), metrics);
}

}  // namespace eventrouter
