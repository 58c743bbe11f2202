// transports.kafka.schema_registry_*: the schema registry client's URL, parsed once into the
// value the client connects with, its credentials and its timeout.

#include "config/sections.hpp"
#include "config/url.hpp"

namespace eventrouter::config {

void read_schema_registry(object_reader& r, kafka_settings& out) {
  auto& problems = r.problems();
  if (auto text = r.string("schema_registry_url")) {
    auto path = r.path_of("schema_registry_url");
    auto parsed = parse_url(*text, "http");
    if (auto* why = std::get_if<std::string>(&parsed))
      problems.add(path, "is " + quoted(*text) + ": " + *why + "; expected http://host[:port][/path]");
    else if (std::get<url>(parsed).has_credentials())
      problems.add(path, "is " + quoted(*text) +
                           ": it holds credentials; give them as schema_registry_basic_auth (user:password) instead");
    else
      out.schema_registry_url = std::move(std::get<url>(parsed));
  }
  if (auto auth = r.string("schema_registry_basic_auth")) {
    // The value is a secret: never repeated in a message.
    if (auth->find(':') == std::string::npos)
      problems.add(r.path_of("schema_registry_basic_auth"),
                   "has no ':'; expected user:password, e.g. ${REGISTRY_AUTH}");
    out.schema_registry_basic_auth = *auth;
  }
  if (auto t = r.millis("schema_registry_timeout_ms", 1, 600000))
    out.schema_registry_timeout = *t;
}

}  // namespace eventrouter::config
