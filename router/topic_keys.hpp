#pragma once
// The key of an event read from a topic whose records carry none — a Redis stream: the Open edX
// entry layout has no key field. A consumer delivers the events of one key in order and different
// keys in parallel, so without a key every event would wait for the one before it. The key is
// the one the event got when it was routed there: the event_key_field of the route of its type
// to that topic, from the routing table. For types no such route knows (a producer other than
// eventrouter writes the topic — an Open edX service writing the stream a bridge reads), the
// consumer's own event_key_field, else the key the routing table gives the type on its routes
// to other topics (the key it will travel with, when a route sink forwards it).

#include "router/event.hpp"
#include "router/key_path.hpp"
#include "router/routing_table.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace eventrouter {

class topic_keys {
 public:
  topic_keys() = default;  // knows no key
  // `fallback`: the consumer's event_key_field, empty for none.
  topic_keys(const routing_table& table, std::string_view full_topic, const std::string& fallback);

  // The key of `ev`; empty when neither a route nor the fallback names one, or its data lacks it.
  std::string key_of(const event& ev) const;

  bool operator==(const topic_keys&) const = default;

 private:
  std::unordered_map<std::string, key_path> by_type_;      // routes to this topic
  std::optional<key_path> fallback_;                       // the consumer's event_key_field
  std::unordered_map<std::string, key_path> elsewhere_;    // the type's first route to another topic
};

}  // namespace eventrouter
