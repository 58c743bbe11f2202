#include "actors/watchdog.hpp"

#include <map>

namespace eventrouter {

namespace {

struct watchdog_state {
  std::map<caf::actor_addr, std::string> names;
};

caf::behavior watchdog(caf::stateful_actor<watchdog_state>* self, death_report report) {
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& names = self->state.names;
    auto it = names.find(msg.source);
    if (it == names.end())
      return;
    auto name = std::move(it->second);
    names.erase(it);
    if (msg.reason != caf::exit_reason::user_shutdown)
      report(name, msg.reason);
  });
  return {
    [=](watch_atom, const caf::actor& actor, std::string& name) {
      self->state.names.emplace(actor.address(), std::move(name));
      self->monitor(actor);
    },
  };
}

}  // namespace

caf::actor spawn_watchdog(caf::actor_system& sys, death_report report) {
  return sys.spawn(watchdog, std::move(report));
}

}  // namespace eventrouter
