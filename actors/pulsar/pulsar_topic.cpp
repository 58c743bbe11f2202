#include "actors/pulsar/pulsar_topic.hpp"

#include "actors/broker_topic.hpp"
#include "actors/failure.hpp"
#include "transports/pulsar/pulsar_message.hpp"
#include "transports/pulsar/pulsar_producer.hpp"

namespace eventrouter {

topic_actor spawn_pulsar_topic(caf::actor_system& sys, std::shared_ptr<pulsar::client> client, std::string topic,
                               config::topic_format format, metrics::registry& metrics) {
  auto producer = pulsar::producer::open(*client, topic);
  auto writer = std::make_shared<pulsar::owned_producer>(std::move(client), std::move(producer));
  auto write = [writer, format](const std::vector<keyed_event>& batch, delivery_report report) {
    std::vector<std::string> frames;
    frames.reserve(batch.size());
    for (const auto& item : batch)
      frames.push_back(pulsar::open_producer_frame(item, format));
    writer->writer->send(std::move(frames), [report = std::move(report)](std::string error, std::string first) {
      report(error.empty() ? first_position{"message " + first}
                           : first_position{failure(errc::broker_error, std::move(error))});
    });
  };
  return spawn_broker_topic(sys, std::move(topic), "pulsar", std::move(write), metrics);
}

}  // namespace eventrouter
