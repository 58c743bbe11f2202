#pragma once
// What the configuration knows of each transport, in one table (config/transports.cpp): its
// name, the reader of its section under `transports`, and what its topics' wire layout and its
// consumers' options need. The layers above look a transport's traits up here instead of
// naming transports; the running parts (topic actors, readers, the commands' topic access) are
// registered in actors/transports.cpp.

#include "config/json_reader.hpp"
#include "config/settings.hpp"

#include <string_view>
#include <vector>

namespace eventrouter::config {

struct transport_description {
  transport_kind kind = transport_kind::memory;
  std::string_view name;  // in configuration files ("transport": name, transports.<name>) and output
  // Reads transports.<name> into `out`.
  void (*read)(object_reader& r, settings& out) = nullptr;
  // Whether `out` sets the transport up; its topics need it. The memory transport always is.
  bool (*configured)(const settings& out) = nullptr;
  // What its topics need of its settings, checked once it is set up and a topic is on it; none:
  // nothing more.
  void (*check)(const settings& out, problems_list& problems) = nullptr;
  // Its topics live inside the service's process: nothing outside it reaches them.
  bool in_process = false;
  // Topics in openedx format carry Confluent's framing, with schema ids from a schema registry.
  bool openedx_registers_schemas = false;
  // The consumer options that only some transports accept (from_beginning, claim_idle_ms,
  // last_read_id), as this one does.
  std::vector<std::string_view> consumer_options = {};
};

const std::vector<transport_description>& transports();
const transport_description& description_of(transport_kind kind);

}  // namespace eventrouter::config
