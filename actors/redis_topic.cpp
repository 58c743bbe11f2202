#include "actors/redis_topic.hpp"

#include "actors/failure.hpp"
#include "actors/service_log.hpp"
#include "transports/redis_streams.hpp"

#include <memory>

namespace eventrouter {

namespace {

struct redis_topic_state {
  std::unique_ptr<redis::client> client;
  std::string stream;
  config::topic_format format = config::topic_format::json;
  std::vector<redis_group> groups;
  prometheus::Counter* published_ok = nullptr;
  prometheus::Counter* published_error = nullptr;
};

using redis_topic_actor = caf::stateful_actor<redis_topic_state>*;

caf::result<std::uint64_t> publish(redis_topic_actor self, const topic_batch& batch) {
  auto& st = self->state;
  try {
    if (st.client->ensure_connected()) {
      for (const auto& g : st.groups)
        redis::create_group(*st.client, st.stream, g.name, g.start_id);
      log_line(log_level::info, "redis topic '" + st.stream + "': connected to " + st.client->address());
    }
    redis::append_events(*st.client, st.stream, st.client->settings().stream_max_len, *batch, st.format);
  } catch (const std::exception& e) {
    st.published_error->Increment(static_cast<double>(batch->size()));
    return failure("redis topic '" + st.stream + "': " + e.what());
  }
  st.published_ok->Increment(static_cast<double>(batch->size()));
  return static_cast<std::uint64_t>(batch->size());
}

caf::behavior redis_topic(redis_topic_actor self, config::redis_settings redis, std::string stream,
                          config::topic_format format, std::vector<redis_group> groups, metrics::registry* metrics) {
  auto& st = self->state;
  st.client = std::make_unique<redis::client>(std::move(redis));
  st.stream = std::move(stream);
  st.format = format;
  st.groups = std::move(groups);
  st.published_ok = &metrics->published(st.stream, "redis", "ok");
  st.published_error = &metrics->published(st.stream, "redis", "error");
  return {
    [=](publish_atom, const topic_batch& batch) { return publish(self, batch); },
  };
}

}  // namespace

std::string start_id_of(const config::consumer_settings& consumer) {
  if (!consumer.last_read_id.empty())
    return consumer.last_read_id;
  return consumer.from_beginning.value_or(false) ? "0" : "$";
}

caf::actor spawn_redis_topic(caf::actor_system& sys, config::redis_settings redis, std::string stream,
                             config::topic_format format, std::vector<redis_group> groups,
                             metrics::registry& metrics) {
  return sys.spawn<caf::detached>(redis_topic, std::move(redis), std::move(stream), format, std::move(groups),
                                  &metrics);
}

}  // namespace eventrouter
