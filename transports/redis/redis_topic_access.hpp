#pragma once
// Redis streams as the commands beside the service use them (transports/topic_access.hpp).

#include "transports/topic_access.hpp"

namespace eventrouter {

// `settings.redis` must be set.
std::unique_ptr<topic_access> redis_topic_access(const config::settings& settings);

}  // namespace eventrouter
