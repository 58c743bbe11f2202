// The registry of transports: one line each.

#include "actors/transport.hpp"

#include <algorithm>
#include <iterator>

namespace eventrouter {

caf::expected<link_ptr> link_memory(const link_request&);
caf::expected<link_ptr> link_redis(const link_request&);
caf::expected<link_ptr> link_kafka(const link_request&);

namespace {

struct registered_transport {
  config::transport_kind kind;
  caf::expected<link_ptr> (*link)(const link_request&);
};

constexpr registered_transport registry[] = {
  {config::transport_kind::memory, link_memory},
  {config::transport_kind::redis, link_redis},
  {config::transport_kind::kafka, link_kafka},
};

}  // namespace

void transport_link::group_left(const caf::actor&, const std::string&) {}

caf::expected<link_ptr> link_transport(config::transport_kind kind, const link_request& request) {
  auto it = std::find_if(std::begin(registry), std::end(registry), [&](const auto& t) { return t.kind == kind; });
  return it->link(request);
}

const std::vector<config::transport_kind>& transport_kinds() {
  static const auto kinds = [] {
    std::vector<config::transport_kind> out;
    for (const auto& t : registry)
      out.push_back(t.kind);
    return out;
  }();
  return kinds;
}

}  // namespace eventrouter
