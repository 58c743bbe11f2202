#include "actors/redis/redis_topic.hpp"

#include "actors/failure.hpp"
#include "actors/publish_meter.hpp"
#include "actors/service_log.hpp"
#include "transports/redis/redis_streams.hpp"

#include <memory>

namespace eventrouter {

namespace {

struct redis_topic_state {
  std::unique_ptr<redis::client> client;
  bool groups_ready = false;  // every group was created on the current connection
  std::string stream;
  config::topic_format format = config::topic_format::json;
  std::vector<redis_group> groups;
  publish_meter meter;
};

using redis_topic_ptr = topic_actor::stateful_pointer<redis_topic_state>;

caf::result<publish_receipt> publish(redis_topic_ptr self, const topic_batch& batch) {
  auto& st = self->state;
  auto started = publish_meter::clock::now();
  std::string first_id;
  try {
    if (st.client->ensure_connected()) {
      st.groups_ready = false;
      log_line(log_level::info, "redis topic '" + st.stream + "': connected to " + st.client->address());
    }
    // Not ready until every group was created on this connection (a Redis still loading its
    // data refuses XGROUP CREATE): the next publish tries again.
    if (!st.groups_ready) {
      for (const auto& g : st.groups)
        redis::create_group(*st.client, st.stream, g.name, g.start_id);
      st.groups_ready = true;
    }
    first_id = redis::append_events(*st.client, st.stream, st.client->settings().stream_max_len, *batch, st.format);
  } catch (const redis::connection_error& e) {
    st.meter.failed(batch->size());
    return failure(errc::broker_unreachable, "redis topic '" + st.stream + "': " + e.what());
  } catch (const std::exception& e) {
    st.meter.failed(batch->size());
    return failure(errc::broker_error, "redis topic '" + st.stream + "': " + e.what());
  }
  st.meter.succeeded(batch->size(), started);
  return publish_receipt{batch->size(), std::move(first_id)};
}

topic_actor::behavior_type redis_topic(redis_topic_ptr self, config::redis_settings redis, std::string stream,
                                       config::topic_format format, std::vector<redis_group> groups,
                                       metrics::registry* metrics) {
  exit_on_exception(self, "redis topic '" + stream + "'");
  auto& st = self->state;
  st.client = std::make_unique<redis::client>(std::move(redis));
  st.stream = std::move(stream);
  st.format = format;
  st.groups = std::move(groups);
  st.meter = publish_meter(*metrics, st.stream, "redis");
  return {
    [=](publish_atom, const topic_batch& batch) { return publish(self, batch); },
    [=](stop_atom) { self->quit(); },  // publishes are synchronous: none is left unanswered
  };
}

}  // namespace

std::string start_id_of(const config::consumer_settings& consumer) {
  if (!consumer.last_read_id.empty())
    return consumer.last_read_id;
  return consumer.from_beginning.value_or(false) ? "0" : "$";
}

topic_actor spawn_redis_topic(caf::actor_system& sys, config::redis_settings redis, std::string stream,
                              config::topic_format format, std::vector<redis_group> groups,
                              metrics::registry& metrics) {
  return sys.spawn<caf::detached>(redis_topic, std::move(redis), std::move(stream), format, std::move(groups),
                                  &metrics);
}

}  // namespace eventrouter
