#pragma once
// The control plane: reloads the configuration file on request, one reload at a time and off
// the data path. SIGHUP, the file changing and POST /admin/reload all send it the same
// message. The new file is validated whole before anything changes; an invalid one is refused
// with every problem, and the service keeps the configuration it has.
//
//   (reload_atom, trigger) -> reload_result
//
// Each result, and the start-up's, is also kept in the service's reload_history.

#include "actors/reload_history.hpp"
#include "actors/service.hpp"
#include "metrics/registry.hpp"

#include <caf/all.hpp>

#include <string>

namespace eventrouter {

// Runs on a thread of its own: applying a configuration waits for the router and supervisor.
caf::actor spawn_config_manager(caf::actor_system& sys, std::string path, service& svc, metrics::registry& metrics);

}  // namespace eventrouter

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(eventrouter::reload_result)
