// The memory transport: topics inside the process, read by every consumer through the topic's
// own actor. Nothing to connect to, so one link serves every configuration.

#include "actors/memory/memory_topic.hpp"
#include "actors/transport.hpp"

namespace eventrouter {

namespace {

class memory_link : public transport_link {
 public:
  memory_link(caf::actor_system& sys, metrics::registry& metrics) : sys_(sys), metrics_(metrics) {}

  topic_actor start_topic(const config::settings& next, const config::topic_settings& topic,
                          const std::vector<const config::consumer_settings*>& consumers) override {
    std::vector<std::string> groups;
    for (const auto* c : consumers)
      groups.push_back(c->group_id);
    return spawn_memory_topic(sys_, topic.full_name, next.memory.max_len, std::move(groups), metrics_);
  }

  // The consumers share the topic's actor. It is a memory_topic_actor: this link started it.
  source_opener source_for(const config::settings&, const config::consumer_settings&, const config::topic_settings&,
                           const topic_actor& writer) override {
    return shared_source(caf::actor_cast<source_actor>(writer));
  }

  // A group nobody reads must not hold the topic full.
  void group_left(const topic_actor& writer, const std::string& group) override {
    caf::anon_send(caf::actor_cast<memory_topic_actor>(writer), leave_atom::value, group);
  }

 private:
  caf::actor_system& sys_;
  metrics::registry& metrics_;
};

}  // namespace

caf::expected<link_ptr> link_memory(const link_request& request) {
  if (request.running)
    return request.running;
  return link_ptr{std::make_shared<memory_link>(request.sys, request.metrics)};
}

}  // namespace eventrouter
