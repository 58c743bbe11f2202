// The two tables a transport is registered in (config/transports.cpp, actors/transports.cpp)
// must agree: a transport the configuration accepts and nothing runs would fail only at start.

#include "actors/transport.hpp"
#include "config/transports.hpp"

#include <gtest/gtest.h>

#include <set>

namespace eventrouter {
namespace {

TEST(transport_registry, every_transport_the_configuration_knows_is_run_and_no_other) {
  std::vector<config::transport_kind> described;
  for (const auto& t : config::transports())
    described.push_back(t.kind);
  EXPECT_EQ(described, transport_kinds());
}

TEST(transport_registry, names_are_unique_and_are_what_outputs_say) {
  std::set<std::string_view> names;
  for (const auto& t : config::transports()) {
    EXPECT_TRUE(names.insert(t.name).second) << t.name;
    EXPECT_EQ(config::to_string(t.kind), t.name);
  }
}

TEST(transport_registry, only_transports_whose_topics_live_in_the_process_have_no_access_from_outside) {
  config::settings settings;
  settings.redis.emplace();
  settings.kafka.emplace();
  for (const auto& t : config::transports())
    EXPECT_EQ(topic_access_for(t.kind, settings) == nullptr, t.in_process) << t.name;
}

}  // namespace
}  // namespace eventrouter
