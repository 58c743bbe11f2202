#include "transports/payload_decoders.hpp"

#include "config/transports.hpp"
#include "transports/kafka/schema_registry.hpp"

namespace eventrouter {

decoder_factory decoder_for(const config::settings& settings, const config::topic_settings& topic) {
  if (topic.format == config::topic_format::json)
    return json_decoder;
  if (config::description_of(topic.transport).openedx_registers_schemas) {
    auto kafka = *settings.kafka;
    return [kafka] { return kafka::registry_decoder(std::make_shared<kafka::schema_registry>(kafka)); };
  }
  auto catalog = std::make_shared<const schema_catalog>(settings.schemas);
  return [catalog] { return schema_catalog_decoder(catalog); };
}

}  // namespace eventrouter
