#include "config/json_reader.hpp"

#include "config/secrets.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace eventrouter::config {

bool is_identifier(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key[0])))
    return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string member_path(const std::string& parent, std::string_view key) {
  if (is_identifier(key))
    return parent + "." + std::string(key);
  return parent + "[" + quoted(key) + "]";
}

std::string index_path(const std::string& parent, std::size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}

std::string kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64: return "a number";
    case json::kind::double_: return "a number with a fraction or exponent";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

std::string quoted(std::string_view text) { return json::serialize(json::string(text)); }

void problems_list::add(std::string path, std::string message) {
  if (may_hold_secrets(message))
    message = mask_secrets(message);
  list_.push_back({std::move(path), std::move(message)});
}

std::optional<std::string> expand_environment(std::string_view in, const std::string& path, problems_list& problems) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    auto start = in.find("${", pos);
    if (start == std::string_view::npos) {
      out.append(in.substr(pos));
      return out;
    }
    out.append(in.substr(pos, start - pos));
    auto end = in.find('}', start);
    if (end == std::string_view::npos) {
      problems.add(path, "unterminated '${' in \"" + std::string(in) + "\"; expected ${NAME}");
      return std::nullopt;
    }
    auto reference = in.substr(start + 2, end - start - 2);
    std::optional<std::string_view> fallback;
    if (auto sep = reference.find(":-"); sep != std::string_view::npos) {
      fallback = reference.substr(sep + 2);
      reference = reference.substr(0, sep);
    }
    std::string name(reference);
    // As in the shell and Compose, the fallback also stands in for an empty value.
    if (const char* value = std::getenv(name.c_str()); value != nullptr && (*value != '\0' || !fallback)) {
      out.append(value);
    } else if (fallback) {
      out.append(*fallback);
    } else {
      problems.add(path, "environment variable " + name + " is not set; set it or write ${" + name +
                           ":-default}");
      return std::nullopt;
    }
    pos = end + 1;
  }
}

object_reader::~object_reader() {
  for (const auto& [key, value] : obj_)
    if (!known_.count(std::string(key)))
      problems_.add(member_path(path_, key), "unknown key; expected one of: " + known_list());
}

const json::value* object_reader::find(std::string_view key) {
  known_.insert(std::string(key));
  return obj_.if_contains(key);
}

std::optional<std::string> object_reader::string(std::string_view key, bool required) {
  const auto* v = find(key);
  if (v == nullptr) {
    if (required)
      problems_.add(path_of(key), "missing; expected a string");
    return std::nullopt;
  }
  if (!v->is_string()) {
    problems_.add(path_of(key), "is " + kind_of(*v) + "; expected a string");
    return std::nullopt;
  }
  return expand_environment(v->get_string(), path_of(key), problems_);
}

std::optional<bool> object_reader::boolean(std::string_view key) {
  const auto* v = find(key);
  if (v == nullptr)
    return std::nullopt;
  if (!v->is_bool()) {
    problems_.add(path_of(key), "is " + kind_of(*v) + "; expected true or false");
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::uint64_t> object_reader::number(std::string_view key, std::uint64_t min, std::uint64_t max) {
  const auto* v = find(key);
  if (v == nullptr)
    return std::nullopt;
  return number_at(*v, path_of(key), min, max);
}

std::optional<std::uint64_t> object_reader::number_at(const json::value& v, const std::string& path,
                                                      std::uint64_t min, std::uint64_t max) {
  std::optional<std::uint64_t> n;
  if (v.is_uint64())
    n = v.get_uint64();
  else if (v.is_int64() && v.get_int64() >= 0)
    n = static_cast<std::uint64_t>(v.get_int64());
  if (!n || *n < min || *n > max) {
    problems_.add(path, "is " + (v.is_int64() || v.is_uint64() ? json::serialize(v) : kind_of(v)) +
                          "; expected a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<std::chrono::milliseconds> object_reader::millis(std::string_view key, std::uint64_t min,
                                                              std::uint64_t max) {
  if (auto n = number(key, min, max))
    return std::chrono::milliseconds(*n);
  return std::nullopt;
}

std::optional<std::pair<std::chrono::milliseconds, std::chrono::milliseconds>> object_reader::millis_range(
  std::string_view key) {
  const auto* range = array(key);
  if (range == nullptr)
    return std::nullopt;
  auto path = path_of(key);
  if (range->size() != 2) {
    problems_.add(path, "has " + std::to_string(range->size()) + " elements; expected [min, max] in milliseconds");
    return std::nullopt;
  }
  auto min = number_at((*range)[0], index_path(path, 0), 1, 86400000);
  auto max = number_at((*range)[1], index_path(path, 1), 1, 86400000);
  if (!min || !max)
    return std::nullopt;
  if (*min > *max) {
    problems_.add(path, "min " + std::to_string(*min) + " is above max " + std::to_string(*max) +
                          "; expected [min, max] with min <= max");
    return std::nullopt;
  }
  return std::pair{std::chrono::milliseconds(*min), std::chrono::milliseconds(*max)};
}

const json::object* object_reader::object(std::string_view key, bool required) {
  const auto* v = find(key);
  if (v == nullptr) {
    if (required)
      problems_.add(path_of(key), "missing; expected an object");
    return nullptr;
  }
  if (!v->is_object()) {
    problems_.add(path_of(key), "is " + kind_of(*v) + "; expected an object");
    return nullptr;
  }
  return &v->get_object();
}

const json::array* object_reader::array(std::string_view key) {
  const auto* v = find(key);
  if (v == nullptr)
    return nullptr;
  if (!v->is_array()) {
    problems_.add(path_of(key), "is " + kind_of(*v) + "; expected an array");
    return nullptr;
  }
  return &v->get_array();
}

std::string object_reader::known_list() const {
  std::string out;
  for (const auto& k : known_)
    out += (out.empty() ? "" : ", ") + k;
  return out;
}

}  // namespace eventrouter::config
