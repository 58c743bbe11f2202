#pragma once
// The generic reader of the configuration's JSON, which every section's reader uses: the list of
// problems, an object's keys read with the ones nobody asked for reported as unknown, `${ENV}`
// references, whole numbers in a range, choices, milliseconds and [min, max] pairs, and the JSON
// paths that name where a problem is.

#include "config/loader.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventrouter::config {

namespace json = boost::json;

// Letters, digits and '_', not starting with a digit: a key written $.a.b, an environment variable.
bool is_identifier(std::string_view text);
// $.a.b for an identifier key, $.a["x.y"] for any other.
std::string member_path(const std::string& parent, std::string_view key);
std::string index_path(const std::string& parent, std::size_t i);
// "a string", "an object"...: what a value is, for "is X; expected Y".
std::string kind_of(const json::value& v);
// A value quoted as a JSON string: what a message quotes, so that a control character in it is
// shown escaped (\r) rather than breaking the line the message is written on.
std::string quoted(std::string_view text);

class problems_list {
 public:
  // A problem may quote the value it is about (a URL with its password): masked here, as every
  // problem ends up on stderr, in the log or in /v1/reloads.
  void add(std::string path, std::string message);
  bool empty() const { return list_.empty(); }
  std::vector<problem> take() { return std::move(list_); }

 private:
  std::vector<problem> list_;
};

// Replaces ${NAME} and ${NAME:-fallback} in one string value.
std::optional<std::string> expand_environment(std::string_view in, const std::string& path, problems_list& problems);

// Reads one JSON object, remembering which keys the schema knows, so that whatever is left
// over is reported as unknown (a misspelt key is the commonest configuration mistake).
class object_reader {
 public:
  object_reader(const json::object& obj, std::string path, problems_list& problems)
      : obj_(obj), path_(std::move(path)), problems_(problems) {}
  object_reader(const object_reader&) = delete;
  object_reader& operator=(const object_reader&) = delete;
  ~object_reader();

  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return member_path(path_, key); }
  problems_list& problems() { return problems_; }

  const json::value* find(std::string_view key);
  std::optional<std::string> string(std::string_view key, bool required = false);
  std::optional<bool> boolean(std::string_view key);
  // A whole number in [min, max].
  std::optional<std::uint64_t> number(std::string_view key, std::uint64_t min, std::uint64_t max);
  std::optional<std::uint64_t> number_at(const json::value& v, const std::string& path, std::uint64_t min,
                                         std::uint64_t max);
  std::optional<std::chrono::milliseconds> millis(std::string_view key, std::uint64_t min, std::uint64_t max);
  // A [min, max] pair of milliseconds, each from 1 to a day.
  std::optional<std::pair<std::chrono::milliseconds, std::chrono::milliseconds>> millis_range(std::string_view key);
  const json::object* object(std::string_view key, bool required = false);
  const json::array* array(std::string_view key);
  // The object at `key`, when there is one, given to `read` as an object_reader of its own.
  template <class Read>
  void read_object(std::string_view key, Read&& read, bool required = false) {
    if (const auto* found = object(key, required)) {
      object_reader inner(*found, path_of(key), problems_);
      read(inner);
    }
  }

  template <class Enum>
  std::optional<Enum> choice(std::string_view key, std::initializer_list<std::pair<std::string_view, Enum>> allowed) {
    return choice(key, std::vector<std::pair<std::string_view, Enum>>(allowed));
  }
  template <class Enum>
  std::optional<Enum> choice(std::string_view key, const std::vector<std::pair<std::string_view, Enum>>& allowed) {
    auto text = string(key);
    if (!text)
      return std::nullopt;
    for (const auto& [name, value] : allowed)
      if (*text == name)
        return value;
    std::string expected;
    for (const auto& [name, value] : allowed)
      expected += (expected.empty() ? "\"" : ", \"") + std::string(name) + "\"";
    problems_.add(path_of(key), "is \"" + *text + "\"; expected one of: " + expected);
    return std::nullopt;
  }

 private:
  std::string known_list() const;

  const json::object& obj_;
  std::string path_;
  problems_list& problems_;
  std::set<std::string> known_;
};

}  // namespace eventrouter::config
