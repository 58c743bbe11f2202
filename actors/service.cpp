#include "actors/service.hpp"

#include "actors/kafka_reader.hpp"
#include "actors/kafka_topic.hpp"
#include "actors/memory_topic.hpp"
#include "actors/producer.hpp"
#include "actors/redis_reader.hpp"
#include "actors/redis_topic.hpp"
#include "actors/service_log.hpp"
#include "transports/kafka_conf.hpp"
#include "transports/schema_registry.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace eventrouter {

namespace {

// How long the router and the supervisor may take to take a new configuration in.
constexpr auto apply_timeout = std::chrono::seconds(10);

std::vector<const config::consumer_settings*> consumers_of(const config::settings& settings,
                                                           const std::string& full_topic) {
  std::vector<const config::consumer_settings*> out;
  for (const auto& c : settings.consumers)
    if (settings.topics.at(c.topic).full_name == full_topic)
      out.push_back(&c);
  return out;
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
      return own_reader(redis_reader_args{*settings.redis, topic.full_name, decoder_for(settings, topic), c, nullptr,
                                          &metrics},
                        spawn_redis_reader);
    case config::transport_kind::kafka:
      return own_reader(kafka_reader_args{*settings.kafka, topic.full_name, decoder_for(settings, topic), c,
                                          std::chrono::system_clock::now(), nullptr, &metrics},
                        spawn_kafka_reader);
    case config::transport_kind::memory:
      break;
  }
  return shared_source(std::move(topic_actor));
}

// The (full topic, group) pairs of a configuration's consumers.
std::set<std::pair<std::string, std::string>> groups_of(const config::settings& s) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& c : s.consumers)
    out.emplace(s.topics.at(c.topic).full_name, c.group_id);
  return out;
}

template <class Reply, class... Ts>
Reply ask(caf::actor_system& sys, const caf::actor& whom, const char* what, Ts&&... xs) {
  caf::scoped_actor self{sys};
  std::optional<Reply> reply;
  std::string error;
  self->request(whom, apply_timeout, std::forward<Ts>(xs)...)
    .receive([&](Reply& r) { reply = std::move(r); }, [&](caf::error& e) { error = self->system().render(e); });
  if (!reply)
    throw std::runtime_error(std::string(what) + " did not take the configuration: " + error);
  return std::move(*reply);
}

// librdkafka's log lines, at the service log's level for their syslog level.
void log_librdkafka(int syslog_level, std::string_view message) {
  auto level = syslog_level <= 3   ? log_level::error
               : syslog_level <= 4 ? log_level::warn
               : syslog_level <= 6 ? log_level::info
                                   : log_level::debug;
  log_line(level, "librdkafka " + std::string(message));
}

void append_list(std::string& out, const char* label, const std::vector<std::string>& items) {
  if (items.empty())
    return;
  out += out.empty() ? "" : "; ";
  out += label;
  out += ' ';
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : ", ") + items[i];
}

}  // namespace

std::string applied_changes::summary() const {
  std::string out;
  append_list(out, "routes added:", routes.added);
  append_list(out, "routes removed:", routes.removed);
  append_list(out, "routes changed:", routes.changed);
  append_list(out, "topics started:", topics_started);
  append_list(out, "topics stopped:", topics_stopped);
  append_list(out, "consumers started:", consumers.started);
  append_list(out, "consumers stopped:", consumers.stopped);
  append_list(out, "consumers restarted:", consumers.restarted);
  append_list(out, "not applied until a restart:", restart_only);
  return out.empty() ? "nothing changed" : out;
}

service::service(caf::actor_system& sys, const config::settings& settings, metrics::registry& metrics,
                 sink_factory make_sink)
    : sys_(sys),
      metrics_(metrics),
      sink_override_(std::move(make_sink)),
      routing_(std::make_shared<const routing>(
        routing{0, std::make_shared<const routing_table>(config::settings{}), {}})),
      settings_(std::make_shared<const config::settings>()) {
  kafka::set_log_handler(log_librdkafka);  // before apply makes the first Kafka client
  router_ = spawn_router(sys, routing_, metrics);
  supervisor_ = spawn_consumer_supervisor(sys, {}, {}, metrics);
  producer_ = spawn_producer(sys, "http", router_, settings.http.max_in_flight_events, metrics);
  apply(settings);
}

service::~service() {
  caf::anon_send_exit(producer_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(supervisor_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(router_, caf::exit_reason::user_shutdown);
  for (const auto& [name, t] : topics_)
    caf::anon_send_exit(t.actor, caf::exit_reason::user_shutdown);
}

routing_ptr service::routing_now() const {
  std::lock_guard lock(published_mutex_);
  return routing_;
}

std::shared_ptr<const config::settings> service::settings_now() const {
  std::lock_guard lock(published_mutex_);
  return settings_;
}

caf::actor service::start_topic(const config::settings& next, const config::topic_settings& topic,
                                const std::shared_ptr<kafka::producer>& kafka_producer) {
  auto consumers = consumers_of(next, topic.full_name);
  switch (topic.transport) {
    case config::transport_kind::redis: {
      std::vector<redis_group> groups;
      for (const auto* c : consumers)
        groups.push_back({c->group_id, start_id_of(*c)});
      return spawn_redis_topic(sys_, *next.redis, topic.full_name, topic.format, std::move(groups), metrics_);
    }
    case config::transport_kind::kafka:
      return spawn_kafka_topic(sys_, kafka_producer, topic.full_name, topic.format, metrics_);
    case config::transport_kind::memory:
      break;
  }
  std::vector<std::string> groups;
  for (const auto* c : consumers)
    groups.push_back(c->group_id);
  return spawn_memory_topic(sys_, topic.full_name, next.memory.max_len, std::move(groups), metrics_);
}

// A topic keeps its actor (and a memory topic its entries) unless how it is written changed.
bool service::reusable(const running_topic& running, const config::topic_settings& wanted,
                       const config::settings& next, bool kafka_replaced) const {
  if (running.settings.transport != wanted.transport || running.settings.format != wanted.format)
    return false;
  switch (wanted.transport) {
    case config::transport_kind::redis: return settings_->redis == next.redis;
    case config::transport_kind::kafka: return !kafka_replaced;
    case config::transport_kind::memory: return true;
  }
  return false;
}

applied_changes service::apply(const config::settings& next) {
  const auto& before = *settings_;
  applied_changes changes;
  changes.routes = config::diff_routes(before, next);
  if (routing_->generation > 0)
    changes.restart_only = config::restart_only_changes(before, next);

  // First what can fail: nothing has changed yet if it does.
  bool kafka_replaced = before.kafka != next.kafka;
  auto kafka_producer = kafka_producer_;
  if (kafka_replaced && next.kafka) {
    kafka_producer = std::make_shared<kafka::producer>(*next.kafka);
  } else if (kafka_replaced) {
    kafka_producer = nullptr;
  }

  // Routes to Kafka topics in openedx format learn their schema ids here, not on the hot path.
  schema_id_lookup registry_ids;
  std::shared_ptr<kafka::schema_registry> registry;
  if (next.kafka && !next.kafka->schema_registry_url.empty()) {
    registry = std::make_shared<kafka::schema_registry>(*next.kafka);
    registry_ids = [registry](const std::string& subject, const std::string& schema) {
      return registry->register_schema(subject, schema);
    };
  }
  auto table = std::make_shared<const routing_table>(next, registry_ids);

  std::map<std::string, running_topic> topics;
  for (const auto& [name, wanted] : next.topics) {
    auto it = topics_.find(wanted.full_name);
    if (it != topics_.end() && reusable(it->second, wanted, next, kafka_replaced)) {
      topics.emplace(wanted.full_name, running_topic{wanted, it->second.actor});
      continue;
    }
    topics.emplace(wanted.full_name, running_topic{wanted, start_topic(next, wanted, kafka_producer)});
    changes.topics_started.push_back(wanted.full_name);
  }
  auto actor_of = [&](const std::string& name) { return topics.at(next.topics.at(name).full_name).actor; };

  std::vector<caf::actor> topic_actors;
  for (const auto& full_name : table->topics())
    topic_actors.push_back(topics.at(full_name).actor);
  auto next_routing = std::make_shared<const routing>(
    routing{routing_->generation + 1, table, std::move(topic_actors)});
  changes.generation = ask<std::uint64_t>(sys_, router_, "the router", reload_atom::value, next_routing);

  auto consumers = std::make_shared<consumer_set>();
  consumers->make_sink = sink_override_;
  if (!consumers->make_sink) {
    std::unordered_map<std::string, caf::actor> by_name;
    for (const auto& [name, topic] : next.topics)
      by_name.emplace(name, actor_of(name));
    consumers->make_sink = configured_sinks(std::move(by_name), router_);
  }
  for (const auto& c : next.consumers) {
    const auto& topic = next.topics.at(c.topic);
    supervised_consumer spec{c, topic.full_name, source_for(next, c, topic, actor_of(c.topic), metrics_),
                             c.dead_letter_topic.empty() ? caf::actor{} : actor_of(c.dead_letter_topic),
                             {actor_of(c.topic)}};
    if (c.sink.type == config::sink_kind::topic)
      spec.depends_on.push_back(actor_of(c.sink.topic));
    consumers->consumers.push_back(std::move(spec));
  }
  // The router routes by `next` from here on: what follows is committed whatever happens.
  std::string consumers_error;
  try {
    changes.consumers = ask<consumer_changes>(sys_, supervisor_, "the consumer supervisor", reload_atom::value,
                                              consumer_set_ptr{consumers});
  } catch (const std::runtime_error& e) {
    consumers_error = e.what();
  }

  // Groups no consumer reads any more must not hold a memory topic full.
  auto groups_now = groups_of(next);
  for (const auto& group : groups_of(before)) {
    auto it = topics.find(group.first);
    if (!groups_now.count(group) && it != topics.end() && it->second.settings.transport == config::transport_kind::memory)
      caf::anon_send(it->second.actor, leave_atom::value, group.second);
  }
  // The router publishes to them no more: they stop after what they were sent before.
  for (const auto& [full_name, running] : topics_) {
    auto it = topics.find(full_name);
    if (it != topics.end() && it->second.actor == running.actor)
      continue;
    caf::anon_send(running.actor, stop_atom::value);
    changes.topics_stopped.push_back(full_name);
  }

  topics_ = std::move(topics);
  kafka_producer_ = std::move(kafka_producer);
  std::lock_guard lock(published_mutex_);
  routing_ = std::move(next_routing);
  settings_ = std::make_shared<const config::settings>(next);
  if (!consumers_error.empty())
    throw std::runtime_error("routes and topics were applied, consumers may not be: " + consumers_error);
  return changes;
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
