// transports.memory: the memory log's bound.

#include "config/sections.hpp"

namespace eventrouter::config {

void read_memory(object_reader& r, memory_settings& out) {
  if (auto n = r.number("max_len", 1, 1000000000))
    out.max_len = *n;
}

}  // namespace eventrouter::config
