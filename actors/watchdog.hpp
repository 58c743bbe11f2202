#pragma once
// Watches the actors a service cannot live without (router, producer, consumer supervisor,
// config manager) and reports a death — any exit but an orderly user_shutdown — once per actor,
// by the name it was given. It decides nothing: its owner does (service::died).
//
//   (watch_atom, actor, name) -> (none)

#include "actors/messages.hpp"

#include <caf/all.hpp>

#include <functional>
#include <string>

namespace eventrouter {

// Called on the watchdog's thread with the dead actor's name and exit reason.
using death_report = std::function<void(const std::string& name, const caf::error& reason)>;

caf::actor spawn_watchdog(caf::actor_system& sys, death_report report);

}  // namespace eventrouter
