#pragma once
// Which payload_decoder (router/event_data.hpp) reads a topic back, by its transport and format:
// JSON; openedx on Redis, with the schema folder's schema of each event type; openedx on Kafka,
// with the writer's schema from the registry. A factory, because each reader needs its own.

#include "config/settings.hpp"
#include "router/event_data.hpp"

#include <functional>
#include <memory>

namespace eventrouter {

using decoder_factory = std::function<std::unique_ptr<payload_decoder>()>;

decoder_factory decoder_for(const config::settings& settings, const config::topic_settings& topic);

}  // namespace eventrouter
