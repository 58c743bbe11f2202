#include "actors/service.hpp"

#include "actors/consumer_supervisor.hpp"
#include "actors/memory_topic.hpp"
#include "actors/producer.hpp"
#include "actors/router.hpp"

#include <algorithm>

namespace eventrouter {

namespace {

std::vector<supervised_consumer> consumers_of(const config::settings& settings,
                                              const routing_table& table,
                                              const std::vector<caf::actor>& topics) {
  std::vector<supervised_consumer> out;
  for (const auto& c : settings.consumers) {
    const auto& full = settings.topics.at(c.topic).full_name;
    out.push_back({c, full, topics[*table.topic_index(full)]});
  }
  return out;
}

std::vector<std::string> groups_reading(const config::settings& settings, const std::string& full_topic) {
  std::vector<std::string> groups;
  for (const auto& c : settings.consumers)
    if (settings.topics.at(c.topic).full_name == full_topic)
      groups.push_back(c.group_id);
  return groups;
}

}  // namespace

service::service(caf::actor_system& sys, const config::settings& settings,
                 metrics::registry& metrics, sink_factory make_sink)
    : sys_(sys), table_(std::make_shared<const routing_table>(settings)) {
  for (const auto& full_name : table_->topics())
    topics_.push_back(spawn_memory_topic(sys, full_name, settings.memory.max_len,
                                         groups_reading(settings, full_name), metrics));
  router_ = spawn_router(sys, table_, topics_, metrics);
  supervisor_ = spawn_consumer_supervisor(sys, consumers_of(settings, *table_, topics_),
                                          std::move(make_sink), metrics);
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
