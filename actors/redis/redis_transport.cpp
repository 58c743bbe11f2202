// The Redis Streams transport: a topic is a stream, a consumer group a stream group. Each topic
// writes on its own connection; each consumer reads on its own, as XREADGROUP BLOCK holds one.

#include "actors/failure.hpp"
#include "actors/redis/redis_reader.hpp"
#include "actors/redis/redis_topic.hpp"
#include "actors/transport.hpp"
#include "transports/redis/redis_client.hpp"

#include <algorithm>

namespace eventrouter {

namespace {

class redis_link : public transport_link {
 public:
  redis_link(caf::actor_system& sys, metrics::registry& metrics) : sys_(sys), metrics_(metrics) {}

  topic_actor start_topic(const config::settings& next, const config::topic_settings& topic,
                          const std::vector<const config::consumer_settings*>& consumers) override {
    std::vector<redis_group> groups;
    for (const auto* c : consumers)
      groups.push_back({c->group_id, start_id_of(*c)});
    return spawn_redis_topic(sys_, *next.redis, topic.full_name, topic.format, std::move(groups), metrics_);
  }

  source_opener source_for(const config::settings& next, const config::consumer_settings& c,
                           const config::topic_settings& topic, const topic_actor&) override {
    redis_reader_args args{*next.redis, topic.full_name, decoder_for(next, topic), c, nullptr, &metrics_};
    return own_reader(std::move(args), spawn_redis_reader);
  }

 private:
  caf::actor_system& sys_;
  metrics::registry& metrics_;
};

// A new or changed Redis must answer before anything moves to it: a reload to an address
// nothing listens on fails, where at start-up the topics and readers keep trying.
caf::expected<void> ping(const config::redis_settings& redis) {
  redis::client client{redis};
  try {
    client.connect();
    auto pong = client.run({"PING"});
    if (pong.is_error())
      return failure(errc::broker_error, "redis at " + client.address() + " answered PING with " + pong.text);
    return {};
  } catch (const redis::connection_error& e) {
    return failure(errc::broker_unreachable, "redis at " + client.address() + ": " + e.what());
  } catch (const std::exception& e) {
    return failure(errc::broker_error, "redis at " + client.address() + ": " + e.what());
  }
}

bool uses_redis(const config::settings& s) {
  return std::any_of(s.topics.begin(), s.topics.end(),
                     [](const auto& t) { return t.second.transport == config::transport_kind::redis; });
}

}  // namespace

caf::expected<link_ptr> link_redis(const link_request& request) {
  const auto& next = request.next;
  if (!next.redis)
    return link_ptr{};
  if (request.running && request.before.redis == next.redis)
    return request.running;
  if (request.reloading && uses_redis(next))
    if (auto reachable = ping(*next.redis); !reachable)
      return reachable.error();
  return link_ptr{std::make_shared<redis_link>(request.sys, request.metrics)};
}

}  // namespace eventrouter
