#include "actors/service.hpp"

#include "actors/consumer_supervisor.hpp"
#include "actors/memory_topic.hpp"
#include "actors/kafka_reader.hpp"
#include "actors/kafka_topic.hpp"
#include "actors/producer.hpp"
#include "actors/redis_reader.hpp"
#include "actors/redis_topic.hpp"
#include "actors/service_log.hpp"
#include "transports/kafka_conf.hpp"
#include "actors/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace eventrouter {

namespace {

const config::topic_settings& topic_named(const config::settings& settings, const std::string& full_name) {
  for (const auto& [name, topic] : settings.topics)
    if (topic.full_name == full_name)
      return topic;
  throw std::logic_error("no topic " + full_name);  // the routing table is built from these topics
}

std::vector<const config::consumer_settings*> consumers_of(const config::settings& settings,
                                                           const std::string& full_topic) {
  std::vector<const config::consumer_settings*> out;
  for (const auto& c : settings.consumers)
    if (settings.topics.at(c.topic).full_name == full_topic)
      out.push_back(&c);
  return out;
}

caf::actor spawn_topic(caf::actor_system& sys, const config::settings& settings, const config::topic_settings& topic,
                       const std::shared_ptr<kafka::producer>& kafka_producer, metrics::registry& metrics) {
  auto consumers = consumers_of(settings, topic.full_name);
  switch (topic.transport) {
    case config::transport_kind::redis: {
      std::vector<redis_group> groups;
      for (const auto* c : consumers)
        groups.push_back({c->group_id, start_id_of(*c)});
      return spawn_redis_topic(sys, *settings.redis, topic.full_name, topic.format, std::move(groups), metrics);
    }
    case config::transport_kind::kafka:
      return spawn_kafka_topic(sys, kafka_producer, topic.full_name, topic.format, metrics);
    case config::transport_kind::memory:
      break;
  }
  std::vector<std::string> groups;
  for (const auto* c : consumers)
    groups.push_back(c->group_id);
  return spawn_memory_topic(sys, topic.full_name, settings.memory.max_len, std::move(groups), metrics);
}

// A reader of its own for each incarnation of a consumer, given the consumer's counters.
template <class Args, class Spawn>
source_opener own_reader(Args args, Spawn spawn) {
  return [args = std::move(args), spawn](caf::event_based_actor* consumer, const std::shared_ptr<consumer_stats>& stats) {
    auto with_stats = args;
    with_stats.stats = stats;
    return spawn(consumer, std::move(with_stats));
  };
}

// Memory consumers share their topic's actor; a broker consumer opens a reader of its own.
source_opener source_for(const config::settings& settings, const config::consumer_settings& c,
                         const config::topic_settings& topic, caf::actor topic_actor, metrics::registry& metrics) {
  switch (topic.transport) {
    case config::transport_kind::redis:
      return own_reader(redis_reader_args{*settings.redis, topic.full_name, topic.format, c, nullptr, &metrics},
                        spawn_redis_reader);
    case config::transport_kind::kafka:
      return own_reader(kafka_reader_args{*settings.kafka, topic.full_name, topic.format, c,
                                          std::chrono::system_clock::now(), nullptr, &metrics},
                        spawn_kafka_reader);
    case config::transport_kind::memory:
      break;
  }
  return shared_source(std::move(topic_actor));
}

}  // namespace

service::service(caf::actor_system& sys, const config::settings& settings,
                 metrics::registry& metrics, sink_factory make_sink)
    : sys_(sys), table_(std::make_shared<const routing_table>(settings)) {
  // One producer per process, shared by every Kafka topic (librdkafka batches across topics).
  std::shared_ptr<kafka::producer> kafka_producer;
  if (settings.kafka) {
    kafka::set_log_handler([](int syslog_level, std::string_view message) {
      log_line(syslog_level <= 3 ? log_level::error : syslog_level <= 4 ? log_level::warn : log_level::info,
               "librdkafka " + std::string(message));
    });
    kafka_producer = std::make_shared<kafka::producer>(*settings.kafka);
  }
  for (const auto& full_name : table_->topics())
    topics_.push_back(spawn_topic(sys, settings, topic_named(settings, full_name), kafka_producer, metrics));
  router_ = spawn_router(sys, table_, topics_, metrics);
  auto actor_of = [&](const std::string& name) {
    return topics_[*table_->topic_index(settings.topics.at(name).full_name)];
  };
  if (!make_sink) {
    std::unordered_map<std::string, caf::actor> by_name;
    for (const auto& [name, topic] : settings.topics)
      by_name.emplace(name, actor_of(name));
    make_sink = configured_sinks(std::move(by_name), router_);
  }
  std::vector<supervised_consumer> consumers;
  for (const auto& c : settings.consumers) {
    const auto& topic = settings.topics.at(c.topic);
    consumers.push_back({c, topic.full_name, source_for(settings, c, topic, actor_of(c.topic), metrics),
                         c.dead_letter_topic.empty() ? caf::actor{} : actor_of(c.dead_letter_topic)});
  }
  supervisor_ = spawn_consumer_supervisor(sys, std::move(consumers), std::move(make_sink), metrics);
  producer_ = spawn_producer(sys, "http", router_, settings.http.max_in_flight_events, metrics);
}

service::~service() {
  caf::anon_send_exit(producer_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(supervisor_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(router_, caf::exit_reason::user_shutdown);
  for (const auto& t : topics_)
    caf::anon_send_exit(t, caf::exit_reason::user_shutdown);
}

bool service::drain(std::chrono::milliseconds budget) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + budget;
  auto remaining = [&] {
    return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()),
                    std::chrono::milliseconds(1));
  };
  caf::scoped_actor self{sys_};
  bool drained = false;
  // First every accepted batch reaches its topics, then consumers empty the topics.
  for (const auto* stage : {&producer_, &supervisor_}) {
    drained = false;
    self->request(*stage, remaining(), drain_atom::value)
      .receive([&](bool) { drained = true; }, [&](caf::error&) {});
    if (!drained)
      return false;
  }
  return true;
}

}  // namespace eventrouter
