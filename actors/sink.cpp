#include "actors/sink.hpp"

#include "actors/log_sink.hpp"

namespace eventrouter {

sink_factory configured_sinks() {
  return [](const config::consumer_settings& c) -> std::shared_ptr<sink> {
    switch (c.sink.type) {
      case config::sink_kind::log:
        return std::make_shared<log_sink>();
    }
    return nullptr;
  };
}

}  // namespace eventrouter
