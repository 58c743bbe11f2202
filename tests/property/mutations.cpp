#include "mutations.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <regex>

namespace eventrouter::testing {

namespace json = boost::json;

namespace {

// Strings a configuration value may be replaced with, `original` being what it was.
std::vector<std::pair<std::string, std::string>> string_variants(const std::string& original) {
  return {
    {"empty string", ""},
    {"10 kB string", std::string(10 * 1024, 'x')},
    {"unicode", original + "-gr\u00fc\u00dfe-\u65e5\u672c-\U0001F389"},
    {"CR LF", original + "\r\nX-Injected: 1"},
    {"NUL", original + std::string(1, '\0') + "tail"},
    {"control character", original + "\x01\x1b[0m"},
    {"DEL", original + "\x7f"},
    {"surrounding spaces", " " + original + " "},
    {"${UNSET_VAR}", "${PROPERTY_UNSET_VAR}"},
    {"${SET_VAR}", "${PROPERTY_SET_VAR}"},
    {"${UNSET_VAR:-original}", "${PROPERTY_UNSET_VAR:-" + original + "}"},
    {"unterminated ${", original + "${PROPERTY_SET_VAR"},
  };
}

// New names for a key that names something (a topic, an event type, a header, a property).
std::vector<std::pair<std::string, std::string>> key_variants(const std::string& original) {
  return {
    {"key empty", ""},
    {"key unicode", original + "-\u65e5\u672c"},
    {"key CR LF", original + "\r\nX-Injected: 1"},
    {"key NUL", original + std::string(1, '\0')},
    {"key 10 kB", std::string(10 * 1024, 'k')},
    {"key ${SET_VAR}", "${PROPERTY_SET_VAR}"},
  };
}

// A URL cut at its parts: scheme://host[:port]rest.
struct url_parts {
  std::string scheme;  // with "://"
  std::string host;
  std::string port;  // empty: none given
  std::string rest;  // path, query
};

std::optional<url_parts> split_url(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos)
    return std::nullopt;
  url_parts out;
  out.scheme = url.substr(0, scheme_end + 3);
  auto after = url.substr(scheme_end + 3);
  auto slash = after.find('/');
  auto authority = after.substr(0, slash);
  out.rest = slash == std::string::npos ? "" : after.substr(slash);
  if (authority.find('@') != std::string::npos || authority.find('[') != std::string::npos)
    return std::nullopt;  // already unusual: the table starts from plain URLs
  auto colon = authority.rfind(':');
  out.host = authority.substr(0, colon);
  out.port = colon == std::string::npos ? "" : authority.substr(colon + 1);
  return out;
}

// The URL rows. A redis URL points at the test's Redis, whose ACL knows the user and password
// below: with userinfo the URL is still one the service can use. Other hosts (IPv6 among them)
// are not generated for redis URLs: the service would be told to connect where no Redis is, a
// matter of the environment rather than of the configuration.
std::vector<std::pair<std::string, std::string>> url_variants(const std::string& url) {
  auto parts = split_url(url);
  if (!parts)
    return {};
  auto port = parts->port.empty() ? std::string("80") : parts->port;
  bool http = parts->scheme == "http://";
  std::vector<std::pair<std::string, std::string>> out{
    {"userinfo", parts->scheme + "property:fake-secret@" + parts->host + ":" + port + parts->rest},
    {"no host", parts->scheme + ":" + port + parts->rest},
    {"port 0", parts->scheme + parts->host + ":0" + parts->rest},
    {"port 65536", parts->scheme + parts->host + ":65536" + parts->rest},
    {"other scheme", (http ? "ftp://" : "http://") + parts->host + ":" + port + parts->rest},
    {"TLS scheme", (http ? "https://" : "rediss://") + parts->host + ":" + port + parts->rest},
  };
  if (http) {
    out.push_back({"IPv6 host", "http://[::1]:" + port + parts->rest});
    out.push_back({"no path", "http://" + parts->host + ":" + port});
    out.push_back({"query and fragment", url + "?a=1&b=%20#frag"});
  }
  return out;
}

// The number's value as a whole number, clamped: a mutation may have left 2^64-1 or 1e30 there.
std::int64_t whole_part(const json::value& number) {
  constexpr auto most = std::numeric_limits<std::int64_t>::max();
  if (number.is_int64())
    return number.get_int64();
  if (number.is_uint64())
    return static_cast<std::int64_t>(std::min<std::uint64_t>(number.get_uint64(), most));
  auto d = number.get_double();
  return std::abs(d) < 1e18 ? static_cast<std::int64_t>(d) : (d < 0 ? -most : most);
}

// Whether the step `up` levels above the node at `path` (1: its parent's) is the member `key`.
bool ancestor_is(const json_path& path, std::size_t up, const char* key) {
  return path.size() > up && path[path.size() - 1 - up] == json_step{std::string(key)};
}

bool names_a_topic(const json_path& path) {
  return ancestor_is(path, 1, "topics") || ancestor_is(path, 2, "producer_config");
}

// A member whose key is a name the operator chose rather than one of the configuration's keys.
bool key_names_something(const json_path& path) {
  return names_a_topic(path) || ancestor_is(path, 1, "headers") || ancestor_is(path, 1, "properties") ||
         ancestor_is(path, 1, "producer_config");
}

bool is_url(const json::value& node) { return node.is_string() && split_url(std::string(node.get_string())); }

bool under_headers(const json_path& path) {
  return std::find(path.begin(), path.end(), json_step{std::string("headers")}) != path.end();
}

// Issue 16, item 5: what the loader must refuse, naming the key.
bool issue_refuses(const json_path& path, const json::value& node, const std::string& what) {
  static const std::vector<std::string> bad_urls{"no host", "port 0", "port 65536"};
  static const std::vector<std::string> control{"CR LF", "NUL", "control character", "DEL"};
  static const std::vector<std::string> control_in_key{"key CR LF", "key NUL"};
  auto in = [&](const std::vector<std::string>& rows) {
    return std::find(rows.begin(), rows.end(), what) != rows.end();
  };
  return in(bad_urls) || (in(control) && (is_url(node) || under_headers(path))) ||
         (in(control_in_key) && (under_headers(path) || names_a_topic(path)));
}

bool is_listen_address(const json_path& path) {
  // Binding is the environment's business: every configuration listens on 127.0.0.1, port 0.
  return path == json_path{std::string("http"), std::string("listen")};
}

}  // namespace

std::string mutated_config::describe() const {
  std::string out;
  for (const auto& m : mutations)
    out += (out.empty() ? "" : "; ") + to_string(m.path) + ": " + m.what;
  return out;
}

std::string mutated_config::class_name() const {
  std::string out;
  for (const auto& m : mutations)
    out += (out.empty() ? "" : " + ") + without_indices(m.path) + " " + m.what;
  return out;
}

std::vector<mutator::row> mutator::rows_for(const json_path& path, const json::value& node) const {
  std::vector<row> out;
  auto replace = [&](std::string what, json::value v) { out.push_back({std::move(what), std::move(v)}); };
  out.push_back({"removed", nullptr, row::action::remove});
  if (key_names_something(path))
    for (auto& [what, name] : key_variants(std::get<std::string>(path.back())))
      out.push_back({what, json::string(name), row::action::rename});
  replace("null", nullptr);

  if (node.is_number()) {
    auto n = whole_part(node);
    replace("0", 0);
    replace("-1", -1);
    if (n > std::numeric_limits<std::int64_t>::min())
      replace("value-1", n - 1);
    if (n < std::numeric_limits<std::int64_t>::max())
      replace("value+1", n + 1);
    replace("fraction", static_cast<double>(n) + 0.5);
    replace("exponent", 1e3);
    replace("2^32", std::uint64_t{1} << 32);
    replace("2^64-1", std::numeric_limits<std::uint64_t>::max());
    replace("past 64 bits", json::parse("99999999999999999999999"));
    replace("as a string", json::string(std::to_string(n)));
    if (auto b = bounds_.find(without_indices(path)); b != bounds_.end()) {
      auto [min, max] = b->second;
      replace("min", min);
      replace("max", max);
      replace("max+1", max + 1);
      if (min > 0)
        replace("min-1", min - 1);
    }
  } else if (const auto* text = node.if_string()) {
    std::string original(*text);
    for (auto& [what, value] : string_variants(original))
      replace(what, json::string(value));
    for (auto& [what, value] : url_variants(original))
      replace(what, json::string(value));
    replace("a number", 1);
  } else if (node.is_bool()) {
    replace("flipped", !node.get_bool());
    replace("as a string", json::string(node.get_bool() ? "true" : "false"));
  } else if (const auto* object = node.if_object()) {
    auto with_unknown = *object;
    with_unknown["property_unknown_key"] = 1;
    replace("unknown key added", std::move(with_unknown));
    replace("an array", json::array{});
  } else if (const auto* array = node.if_array()) {
    replace("emptied", json::array{});
    if (!array->empty()) {
      auto repeated = *array;
      repeated.push_back(array->front());
      replace("first element repeated", std::move(repeated));
    }
    replace("an object", json::object{});
  }
  for (auto& r : out)
    r.refused_by_issue = issue_refuses(path, node, r.what);
  return out;
}

void mutator::apply(json::value& root, const json_path& path, const row& r) const {
  auto* node = node_at(root, path);
  auto* parent = node_at(root, json_path(path.begin(), path.end() - 1));
  switch (r.act) {
    case row::action::replace:
      *node = r.replacement;
      break;
    case row::action::remove:
      if (const auto* index = std::get_if<std::size_t>(&path.back()))
        parent->as_array().erase(parent->as_array().begin() + static_cast<std::ptrdiff_t>(*index));
      else
        parent->as_object().erase(std::get<std::string>(path.back()));
      break;
    case row::action::rename: {
      auto& object = parent->as_object();
      auto value = std::move(*node);
      object.erase(std::get<std::string>(path.back()));
      object[r.replacement.as_string()] = std::move(value);
      break;
    }
  }
}

mutator::mutator(std::uint64_t seed, std::vector<json::value> corpus) : random_(seed), corpus_(std::move(corpus)) {
  for (std::size_t base = 0; base < corpus_.size(); ++base)
    for (const auto& path : every_node(corpus_[base]))
      if (!is_listen_address(path))
        for (const auto& r : rows_for(path, *node_at(corpus_[base], path)))
          plan_.push_back({base, path, r.what});
  std::shuffle(plan_.begin(), plan_.end(), random_);
}

void mutator::apply_random(mutated_config& variant) {
  auto nodes = every_node(variant.config);
  nodes.erase(std::remove_if(nodes.begin(), nodes.end(), is_listen_address), nodes.end());
  if (nodes.empty())
    return;
  auto path = nodes[std::uniform_int_distribution<std::size_t>(0, nodes.size() - 1)(random_)];
  auto rows = rows_for(path, *node_at(variant.config, path));
  const auto& r = rows[std::uniform_int_distribution<std::size_t>(0, rows.size() - 1)(random_)];
  apply(variant.config, path, r);
  variant.mutations.push_back({std::move(path), r.what, r.refused_by_issue});
}

std::optional<mutated_config> mutator::next() {
  while (!plan_.empty()) {
    auto planned = std::move(plan_.back());
    plan_.pop_back();
    mutated_config variant{planned.base, corpus_[planned.base], {}};
    for (const auto& r : rows_for(planned.path, *node_at(variant.config, planned.path)))
      if (r.what == planned.what) {
        apply(variant.config, planned.path, r);
        variant.mutations.push_back({planned.path, r.what, r.refused_by_issue});
        break;
      }
    if (variant.mutations.empty())
      continue;  // a bounds row this number does not have ("min-1" of a minimum of 0)
    if (chance(0.25)) {
      auto more = std::uniform_int_distribution<int>(1, 2)(random_);
      for (int i = 0; i < more; ++i)
        apply_random(variant);
    }
    return variant;
  }
  return std::nullopt;
}

void mutator::learn_bounds(const std::vector<std::string>& problems) {
  static const std::regex bound(R"(^(\$[^:]*): is .*expected a whole number from (\d+) to (\d+))");
  static const std::regex index(R"(\[\d+\])");
  for (const auto& p : problems) {
    std::smatch m;
    if (!std::regex_search(p, m, bound))
      continue;
    auto key = std::regex_replace(m[1].str(), index, "[]");
    if (!bounds_.emplace(key, std::pair{std::stoull(m[2]), std::stoull(m[3])}).second)
      continue;
    // Planned next, for every place of every corpus configuration with that key.
    for (std::size_t base = 0; base < corpus_.size(); ++base)
      for (const auto& path : every_node(corpus_[base]))
        if (without_indices(path) == key)
          for (const auto* what : {"min", "max", "max+1", "min-1"})
            plan_.push_back({base, path, what});
  }
}

}  // namespace eventrouter::testing
