// The Kafka transport: a topic is a Kafka topic, written by the process's one idempotent
// producer (shared by every topic of the link); each consumer reads as a member of its group on
// a client of its own.

#include "actors/failure.hpp"
#include "actors/kafka/kafka_reader.hpp"
#include "actors/kafka/kafka_topic.hpp"
#include "actors/service_log.hpp"
#include "actors/transport.hpp"
#include "transports/kafka/kafka_conf.hpp"

namespace eventrouter {

namespace {

class kafka_link : public transport_link {
 public:
  kafka_link(caf::actor_system& sys, metrics::registry& metrics, std::shared_ptr<kafka::producer> producer)
      : sys_(sys), metrics_(metrics), producer_(std::move(producer)) {}

  topic_actor start_topic(const config::settings&, const config::topic_settings& topic,
                          const std::vector<const config::consumer_settings*>&) override {
    return spawn_kafka_topic(sys_, producer_, topic.full_name, topic.format, metrics_);
  }

  source_opener source_for(const config::settings& next, const config::consumer_settings& c,
                           const config::topic_settings& topic, const topic_actor&) override {
    kafka_reader_args args{*next.kafka, topic.full_name, decoder_for(next, topic), c, std::chrono::system_clock::now(),
                           nullptr,     &metrics_};
    return own_reader(std::move(args), spawn_kafka_reader);
  }

 private:
  caf::actor_system& sys_;
  metrics::registry& metrics_;
  std::shared_ptr<kafka::producer> producer_;
};

// librdkafka's log lines, at the service log's level for their syslog level.
void log_librdkafka(int syslog_level, std::string_view message) {
  auto level = syslog_level <= 3   ? log_level::error
               : syslog_level <= 4 ? log_level::warn
               : syslog_level <= 6 ? log_level::info
                                   : log_level::debug;
  log_line(level, "librdkafka " + std::string(message));
}

}  // namespace

caf::expected<link_ptr> link_kafka(const link_request& request) {
  const auto& next = request.next;
  if (!next.kafka)
    return link_ptr{};
  if (request.running && request.before.kafka == next.kafka)
    return request.running;
  kafka::set_log_handler(log_librdkafka);  // before the link's first client
  try {
    auto producer = std::make_shared<kafka::producer>(*next.kafka);
    return link_ptr{std::make_shared<kafka_link>(request.sys, request.metrics, std::move(producer))};
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    return failure(errc::not_built, e.what());
  }
}

}  // namespace eventrouter
