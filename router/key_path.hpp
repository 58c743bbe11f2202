#pragma once
// A route's event_key_field: a period-separated path into an event's data
// (`xblock_info.usage_key`). Parsed once when the routing table is built, so extracting a key
// on the hot path is a walk of a few object lookups.

#include <boost/json/value.hpp>

#include <string>
#include <variant>
#include <vector>

namespace eventrouter {

struct key_error {
  std::string message;  // names the path and the step that failed
};

class key_path {
 public:
  explicit key_path(const std::string& dotted);

  // The key as text: strings as they are, integers and booleans as JSON writes them, other
  // numbers in their shortest round-trip form (1.5). A missing
  // step, or a value that is an object, array or null, is a key_error.
  std::variant<std::string, key_error> extract(const boost::json::value& data) const;

  // The value the path names, whatever its kind (an Avro key is written from it).
  std::variant<const boost::json::value*, key_error> find(const boost::json::value& data) const;

  const std::string& text() const { return text_; }
  bool operator==(const key_path& other) const { return text_ == other.text_; }

 private:
  std::string text_;
  std::vector<std::string> steps_;
};

}  // namespace eventrouter
