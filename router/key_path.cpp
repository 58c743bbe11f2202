#include "router/key_path.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>

namespace eventrouter {

key_path::key_path(const std::string& dotted) : text_(dotted) {
  std::size_t start = 0;
  while (true) {
    auto dot = dotted.find('.', start);
    steps_.push_back(dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos)
      break;
    start = dot + 1;
  }
}

std::variant<const boost::json::value*, key_error> key_path::find(const boost::json::value& data) const {
  const boost::json::value* at = &data;
  std::string walked = "data";
  for (const auto& step : steps_) {
    const auto* object = at->if_object();
    if (object == nullptr)
      return key_error{"key field '" + text_ + "': " + walked + " is not an object"};
    at = object->if_contains(step);
    if (at == nullptr)
      return key_error{"key field '" + text_ + "': " + walked + " has no '" + step + "'"};
    walked += "." + step;
  }
  return at;
}

std::variant<std::string, key_error> key_path::extract(const boost::json::value& data) const {
  auto found = find(data);
  if (auto* error = std::get_if<key_error>(&found))
    return std::move(*error);
  const auto* at = std::get<const boost::json::value*>(found);
  switch (at->kind()) {
    case boost::json::kind::string: return std::string(at->get_string());
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::bool_: return boost::json::serialize(*at);
    case boost::json::kind::double_: {
      // Shortest round-trip form ("1.5", not Boost's "1.5E0"), as most producers write it.
      char text[32];
      auto [end, ec] = std::to_chars(text, text + sizeof text, at->get_double());
      return std::string(text, ec == std::errc{} ? end : text);
    }
    default: return key_error{"key field '" + text_ + "': data." + text_ + " is not a string, number or boolean"};
  }
}

}  // namespace eventrouter
