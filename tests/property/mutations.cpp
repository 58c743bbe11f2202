#include "mutations.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <regex>

namespace eventrouter::testing {

namespace json = boost::json;

namespace {

// Strings a configuration value or key may be replaced with, `original` being what it was.
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

// A URL cut at its parts: scheme://authority/rest, authority being host[:port].
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

// The URL rows. The redis URL points at the test's Redis, whose ACL knows the user and password
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

json::value wrong_kind_for(const json::value& node, std::mt19937_64& random) {
  std::vector<json::value> kinds{nullptr, true, 0, "text", json::array{}, json::object{}};
  kinds.erase(std::remove_if(kinds.begin(), kinds.end(),
                             [&](const json::value& k) {
                               return k.kind() == node.kind() || (k.is_number() && node.is_number());
                             }),
              kinds.end());
  return kinds[std::uniform_int_distribution<std::size_t>(0, kinds.size() - 1)(random)];
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

std::vector<mutator::candidate> mutator::candidates_for(const json_path& path, const json::value& node) const {
  std::vector<candidate> out;
  auto replace = [&](std::string what, json::value v) { out.push_back({std::move(what), std::move(v)}); };
  out.push_back({"removed", nullptr, candidate::action::remove});
  if (const auto* key = std::get_if<std::string>(&path.back()))
    for (auto& [what, text] : string_variants(*key))
      out.push_back({"key renamed: " + what, json::string(text), candidate::action::rename});

  if (node.is_int64() || node.is_uint64() || node.is_double()) {
    auto n = whole_part(node);
    replace("0", 0);
    replace("-1", -1);
    replace("1", 1);
    replace("value-1", n - 1);
    if (n < std::numeric_limits<std::int64_t>::max())
      replace("value+1", n + 1);
    replace("fraction", static_cast<double>(n) + 0.5);
    replace("exponent", 1e3);
    replace("2^32", std::uint64_t{1} << 32);
    replace("2^63", std::uint64_t{1} << 63);
    replace("2^64-1", std::numeric_limits<std::uint64_t>::max());
    replace("past 64 bits", json::parse("99999999999999999999999"));
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
  } else if (node.is_bool()) {
    replace("flipped", !node.get_bool());
  } else if (const auto* object = node.if_object()) {
    auto with_unknown = *object;
    with_unknown["property_unknown_key"] = 1;
    replace("unknown key added", std::move(with_unknown));
  } else if (const auto* array = node.if_array()) {
    replace("emptied", json::array{});
    if (!array->empty()) {
      auto repeated = *array;
      repeated.push_back(array->front());
      replace("first element repeated", std::move(repeated));
    }
  }
  return out;
}

void mutator::apply_one(json::value& root, mutated_config& out) {
  auto nodes = every_node(root);
  nodes.erase(std::remove_if(nodes.begin(), nodes.end(), is_listen_address), nodes.end());
  if (nodes.empty())
    return;
  auto path = nodes[std::uniform_int_distribution<std::size_t>(0, nodes.size() - 1)(random_)];
  auto* node = node_at(root, path);
  auto options = candidates_for(path, *node);
  options.push_back({"wrong kind", wrong_kind_for(*node, random_)});
  auto pick = options[std::uniform_int_distribution<std::size_t>(0, options.size() - 1)(random_)];

  auto parent_path = json_path(path.begin(), path.end() - 1);
  auto* parent = node_at(root, parent_path);
  switch (pick.act) {
    case candidate::action::replace:
      *node = std::move(pick.replacement);
      break;
    case candidate::action::remove:
      if (auto* index = std::get_if<std::size_t>(&path.back()))
        parent->as_array().erase(parent->as_array().begin() + static_cast<std::ptrdiff_t>(*index));
      else
        parent->as_object().erase(std::get<std::string>(path.back()));
      break;
    case candidate::action::rename: {
      auto& object = parent->as_object();
      auto value = std::move(*node);
      object.erase(std::get<std::string>(path.back()));
      object[pick.replacement.as_string()] = std::move(value);
      break;
    }
  }
  out.mutations.push_back({std::move(path), std::move(pick.what)});
}

mutated_config mutator::mutate(const json::value& base) {
  mutated_config out{base, {}};
  // Mostly one change, so that a disagreement points at one value; sometimes two or three.
  auto count = std::discrete_distribution<int>({0, 70, 20, 10})(random_);
  for (int i = 0; i < count; ++i)
    apply_one(out.config, out);
  return out;
}

void mutator::learn_bounds(const std::vector<std::string>& problems) {
  static const std::regex bound(R"(^(\$[^:]*): is .*expected a whole number from (\d+) to (\d+))");
  static const std::regex index(R"(\[\d+\])");
  for (const auto& p : problems) {
    std::smatch m;
    if (std::regex_search(p, m, bound))
      bounds_[std::regex_replace(m[1].str(), index, "[]")] = {std::stoull(m[2]), std::stoull(m[3])};
  }
}

}  // namespace eventrouter::testing
