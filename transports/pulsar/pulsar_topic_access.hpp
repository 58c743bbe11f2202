#pragma once
// Pulsar topics as the commands beside the service use them (transports/topic_access.hpp).

#include "transports/topic_access.hpp"

namespace eventrouter {

// `settings.pulsar` must be set.
std::unique_ptr<topic_access> pulsar_topic_access(const config::settings& settings);

}  // namespace eventrouter
