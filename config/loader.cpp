#include "config/loader.hpp"

#include "config/secrets.hpp"
#include "avro/avro_codec.hpp"
#include "avro/openedx_schema.hpp"
#include "avro/utf8.hpp"

#include <boost/json.hpp>

#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace eventrouter::config {

namespace json = boost::json;

namespace {

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
  return parent + "[" + json::serialize(json::string(key)) + "]";
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

// Kafka's rule for topic names, which also suits Redis stream keys.
bool is_topic_name(std::string_view name) {
  return !name.empty() && name.size() <= 249 && name != "." && name != ".." &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
         });
}

class problems_list {
 public:
  // A problem may quote the value it is about (a URL with its password): masked here, as every
  // problem ends up on stderr, in the log or in /v1/reloads.
  void add(std::string path, std::string message) {
    if (may_hold_secrets(message))
      message = mask_secrets(message);
    list_.push_back({std::move(path), std::move(message)});
  }
  bool empty() const { return list_.empty(); }
  std::vector<problem> take() { return std::move(list_); }

 private:
  std::vector<problem> list_;
};

// Replaces ${NAME} and ${NAME:-fallback} in one string value.
std::optional<std::string> expand_environment(std::string_view in, const std::string& path,
                                              problems_list& problems) {
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

// Reads one JSON object, remembering which keys the schema knows, so that whatever is left
// over is reported as unknown (a misspelt key is the commonest configuration mistake).
class object_reader {
 public:
  object_reader(const json::object& obj, std::string path, problems_list& problems)
      : obj_(obj), path_(std::move(path)), problems_(problems) {}
  object_reader(const object_reader&) = delete;
  object_reader& operator=(const object_reader&) = delete;

  ~object_reader() {
    for (const auto& [key, value] : obj_)
      if (!known_.count(std::string(key)))
        problems_.add(member_path(path_, key), "unknown key; expected one of: " + known_list());
  }

  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return member_path(path_, key); }

  const json::value* find(std::string_view key) {
    known_.insert(std::string(key));
    return obj_.if_contains(key);
  }

  std::optional<std::string> string(std::string_view key, bool required = false) {
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

  std::optional<bool> boolean(std::string_view key) {
    const auto* v = find(key);
    if (v == nullptr)
      return std::nullopt;
    if (!v->is_bool()) {
      problems_.add(path_of(key), "is " + kind_of(*v) + "; expected true or false");
      return std::nullopt;
    }
    return v->get_bool();
  }

  // A whole number in [min, max].
  std::optional<std::uint64_t> number(std::string_view key, std::uint64_t min, std::uint64_t max) {
    const auto* v = find(key);
    if (v == nullptr)
      return std::nullopt;
    return number_at(*v, path_of(key), min, max);
  }

  std::optional<std::uint64_t> number_at(const json::value& v, const std::string& path,
                                         std::uint64_t min, std::uint64_t max) {
    std::optional<std::uint64_t> n;
    if (v.is_uint64())
      n = v.get_uint64();
    else if (v.is_int64() && v.get_int64() >= 0)
      n = static_cast<std::uint64_t>(v.get_int64());
    if (!n || *n < min || *n > max) {
      problems_.add(path, "is " + (v.is_int64() || v.is_uint64() ? json::serialize(v) : kind_of(v)) +
                            "; expected a whole number from " + std::to_string(min) + " to " +
                            std::to_string(max));
      return std::nullopt;
    }
    return n;
  }

  const json::object* object(std::string_view key, bool required = false) {
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

  const json::array* array(std::string_view key) {
    const auto* v = find(key);
    if (v == nullptr)
      return nullptr;
    if (!v->is_array()) {
      problems_.add(path_of(key), "is " + kind_of(*v) + "; expected an array");
      return nullptr;
    }
    return &v->get_array();
  }

  template <class Enum>
  std::optional<Enum> choice(std::string_view key,
                             std::initializer_list<std::pair<std::string_view, Enum>> allowed) {
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
  std::string known_list() const {
    std::string out;
    for (const auto& k : known_)
      out += (out.empty() ? "" : ", ") + k;
    return out;
  }

  const json::object& obj_;
  std::string path_;
  problems_list& problems_;
  std::set<std::string> known_;
};

bool is_host_name(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
}

bool is_ipv6_address(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// "HOST:PORT" (a name or an IPv4 address) or "[IPv6]:PORT"; port 0 picks any free port.
void read_listen(const std::string& text, const std::string& path, http_settings& out,
                 problems_list& problems) {
  auto bad = [&] {
    problems.add(path, "is \"" + text + "\"; expected HOST:PORT, e.g. 0.0.0.0:8080, localhost:8080 or [::1]:8080");
  };
  auto colon = text.rfind(':');
  if (colon == std::string::npos)
    return bad();
  std::uint32_t port = 0;
  auto port_text = std::string_view(text).substr(colon + 1);
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535)
    return bad();
  auto host = text.substr(0, colon);
  // An IPv6 address goes in brackets, so that its colons are not taken for the port's.
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (!is_ipv6_address(host))
      return bad();
  } else if (!is_host_name(host)) {
    return bad();
  }
  out.host = host;
  out.port = static_cast<std::uint16_t>(port);
}

bool is_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())))
    return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

void read_admin(object_reader& r, admin_settings& out, problems_list& problems) {
  if (auto env = r.string("token_env")) {
    if (!is_env_name(*env))
      problems.add(r.path_of("token_env"),
                   "is \"" + *env + "\"; expected the name of an environment variable, such as EVENTROUTER_ADMIN_TOKEN");
    out.token_env = *env;
  }
}

void read_reload(object_reader& r, reload_settings& out) {
  if (auto watch = r.boolean("watch_file"))
    out.watch_file = *watch;
  if (auto n = r.number("debounce_ms", 0, 60000))
    out.debounce = std::chrono::milliseconds(*n);
}

void read_http(object_reader& r, http_settings& out, problems_list& problems) {
  if (auto listen = r.string("listen"))
    read_listen(*listen, r.path_of("listen"), out, problems);
  if (auto n = r.number("max_body_bytes", 1024, std::uint64_t{1} << 32))
    out.max_body_bytes = *n;
  if (auto n = r.number("max_batch_events", 1, 1000000))
    out.max_batch_events = *n;
  if (auto n = r.number("max_in_flight_events", 1, 100000000))
    out.max_in_flight_events = *n;
  if (auto n = r.number("threads", 1, 256))
    out.threads = static_cast<unsigned>(*n);
  if (auto n = r.number("max_header_bytes", 1024, 1 << 20))
    out.max_header_bytes = *n;
  if (auto n = r.number("request_timeout_ms", 100, 600000))
    out.request_timeout = std::chrono::milliseconds(*n);
  if (auto n = r.number("idle_timeout_ms", 100, 3600000))
    out.idle_timeout = std::chrono::milliseconds(*n);
  if (auto n = r.number("max_connections", 1, 1000000))
    out.max_connections = *n;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// User names and passwords in URLs may carry reserved characters percent-encoded.
std::optional<std::string> url_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || hex_value(in[i + 1]) < 0 || hex_value(in[i + 2]) < 0)
      return std::nullopt;
    out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
    i += 2;
  }
  return out;
}

// redis://[[user]:password@]host[:port][/db]
void read_redis_url(const std::string& url, const std::string& path, redis_settings& out, problems_list& problems) {
  auto bad = [&](const std::string& why) {
    problems.add(path, "is \"" + url + "\": " + why + "; expected redis://[user:password@]host[:port][/db]");
  };
  constexpr std::string_view scheme = "redis://";
  if (url.rfind("rediss://", 0) == 0)
    return bad("TLS (rediss://) is not supported by this version of eventrouter");
  if (url.rfind(scheme, 0) != 0)
    return bad("the scheme is not redis://");
  std::string_view rest = std::string_view(url).substr(scheme.size());
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    auto credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = credentials.find(':');
    auto user = url_decode(credentials.substr(0, colon));
    auto password = url_decode(colon == std::string_view::npos ? "" : credentials.substr(colon + 1));
    if (!user || !password)
      return bad("broken percent-encoding in the credentials");
    if (colon == std::string_view::npos) {
      out.password = *user;  // redis://secret@host: a password alone, as redis-cli reads it
    } else {
      out.user = *user;
      out.password = *password;
    }
  }
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  if (slash != std::string_view::npos && slash + 1 < rest.size()) {
    auto db_text = rest.substr(slash + 1);
    auto [end, ec] = std::from_chars(db_text.data(), db_text.data() + db_text.size(), out.db);
    if (ec != std::errc{} || end != db_text.data() + db_text.size() || out.db > 15)
      return bad("the database is not a number from 0 to 15");
  }
  auto colon = authority.rfind(':');
  std::string host(authority.substr(0, colon));
  if (colon != std::string_view::npos) {
    auto port_text = authority.substr(colon + 1);
    std::uint32_t port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
      return bad("the port is not a number from 1 to 65535");
    out.port = static_cast<std::uint16_t>(port);
  }
  if (!is_host_name(host))
    return bad("the host is missing or not a host name or IPv4 address");
  out.host = std::move(host);
  out.url = url;
}

std::optional<std::chrono::milliseconds> read_millis(object_reader& r, std::string_view key, std::uint64_t min,
                                                     std::uint64_t max) {
  if (auto n = r.number(key, min, max))
    return std::chrono::milliseconds(*n);
  return std::nullopt;
}

// A [min, max] pair of milliseconds.
std::optional<std::pair<std::chrono::milliseconds, std::chrono::milliseconds>> read_range(
  object_reader& r, std::string_view key, problems_list& problems) {
  const auto* range = r.array(key);
  if (range == nullptr)
    return std::nullopt;
  auto path = r.path_of(key);
  if (range->size() != 2) {
    problems.add(path, "has " + std::to_string(range->size()) + " elements; expected [min, max] in milliseconds");
    return std::nullopt;
  }
  auto min = r.number_at((*range)[0], index_path(path, 0), 1, 86400000);
  auto max = r.number_at((*range)[1], index_path(path, 1), 1, 86400000);
  if (!min || !max)
    return std::nullopt;
  if (*min > *max) {
    problems.add(path, "min " + std::to_string(*min) + " is above max " + std::to_string(*max) +
                         "; expected [min, max] with min <= max");
    return std::nullopt;
  }
  return std::pair{std::chrono::milliseconds(*min), std::chrono::milliseconds(*max)};
}

void read_redis(object_reader& r, redis_settings& out, problems_list& problems) {
  if (auto url = r.string("url", true))
    read_redis_url(*url, r.path_of("url"), out, problems);
  if (auto n = r.number("stream_max_len", 1, 1000000000))
    out.stream_max_len = *n;
  if (auto t = read_millis(r, "connect_timeout_ms", 1, 600000))
    out.connect_timeout = *t;
  if (auto t = read_millis(r, "command_timeout_ms", 1, 600000))
    out.command_timeout = *t;
  if (auto range = read_range(r, "reconnect_backoff_ms", problems)) {
    out.reconnect_backoff_min = range->first;
    out.reconnect_backoff_max = range->second;
  }
}

// Properties eventrouter sets itself, because its guarantees rest on them.
constexpr std::string_view managed_kafka_properties[] = {
  "bootstrap.servers", "group.id", "enable.auto.commit", "enable.auto.offset.store", "enable.idempotence", "acks",
  "partition.assignment.strategy"};

void read_kafka(object_reader& r, kafka_settings& out, problems_list& problems) {
  if (auto servers = r.string("bootstrap_servers", true)) {
    if (servers->empty())
      problems.add(r.path_of("bootstrap_servers"), "is empty; expected host:port[,host:port...]");
    out.bootstrap_servers = *servers;
  }
  const auto* properties = r.object("properties");
  if (properties == nullptr)
    return;
  auto base = r.path_of("properties");
  std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> conf(rd_kafka_conf_new(), rd_kafka_conf_destroy);
  for (const auto& [name, value] : *properties) {
    auto path = member_path(base, name);
    std::string text;
    if (value.is_string())
      text = value.get_string();
    else if (value.is_bool())
      text = value.get_bool() ? "true" : "false";
    else if (value.is_int64() || value.is_uint64())
      text = json::serialize(value);
    else {
      problems.add(path, "is " + kind_of(value) + "; expected a string, number or boolean");
      continue;
    }
    auto expanded = expand_environment(text, path, problems);
    if (!expanded)
      continue;
    if (std::find(std::begin(managed_kafka_properties), std::end(managed_kafka_properties), name) !=
        std::end(managed_kafka_properties)) {
      problems.add(path, "is set by eventrouter itself (bootstrap_servers, group_id and its delivery guarantees); "
                         "remove it");
      continue;
    }
    char error[512];
    if (rd_kafka_conf_set(conf.get(), std::string(name).c_str(), expanded->c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      problems.add(path, std::string("librdkafka: ") + error);
      continue;
    }
    out.properties.emplace(std::string(name), std::move(*expanded));
  }
}

void read_schema_registry(object_reader& r, kafka_settings& out, problems_list& problems) {
  if (auto url = r.string("schema_registry_url")) {
    if (url->rfind("http://", 0) != 0 || url->size() <= 7)
      problems.add(r.path_of("schema_registry_url"),
                   "is \"" + *url + "\"; expected http://host[:port][/path] (https is not supported by this version "
                                    "of eventrouter)");
    out.schema_registry_url = *url;
  }
  if (auto auth = r.string("schema_registry_basic_auth")) {
    // The value is a secret: never repeated in a message.
    if (auth->find(':') == std::string::npos)
      problems.add(r.path_of("schema_registry_basic_auth"), "has no ':'; expected user:password, e.g. ${REGISTRY_AUTH}");
    out.schema_registry_basic_auth = *auth;
  }
  if (auto t = read_millis(r, "schema_registry_timeout_ms", 1, 600000))
    out.schema_registry_timeout = *t;
}

void read_transports(object_reader& r, settings& out, problems_list& problems) {
  if (const auto* memory = r.object("memory")) {
    object_reader m(*memory, r.path_of("memory"), problems);
    if (auto n = m.number("max_len", 1, 1000000000))
      out.memory.max_len = *n;
  }
  if (const auto* redis = r.object("redis")) {
    object_reader rr(*redis, r.path_of("redis"), problems);
    read_redis(rr, out.redis.emplace(), problems);
  }
  if (const auto* kafka = r.object("kafka")) {
    object_reader kr(*kafka, r.path_of("kafka"), problems);
    read_kafka(kr, out.kafka.emplace(), problems);
    read_schema_registry(kr, *out.kafka, problems);
  }
}

std::optional<transport_kind> read_transport(object_reader& r, std::string_view key) {
  return r.choice<transport_kind>(
    key, {{"memory", transport_kind::memory}, {"redis", transport_kind::redis}, {"kafka", transport_kind::kafka}});
}

std::string full_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "-" + name;
}

void check_topic_name(const std::string& name, const std::string& path, problems_list& problems) {
  if (!is_topic_name(name))
    problems.add(path, "topic name \"" + name +
                         "\" is not valid; expected 1 to 249 characters of a-z A-Z 0-9 . _ -");
}

void read_topics(object_reader& r, settings& out, problems_list& problems) {
  const auto* topics = r.object("topics");
  if (topics == nullptr)
    return;
  for (const auto& [name, value] : *topics) {
    auto path = member_path(r.path_of("topics"), name);
    check_topic_name(std::string(name), path, problems);
    topic_settings topic{std::string(name), full_name(out.topic_prefix, std::string(name)),
                         out.default_transport, topic_format::json};
    if (!value.is_object()) {
      problems.add(path, "is " + kind_of(value) + "; expected an object such as {\"transport\": \"memory\"}");
    } else {
      object_reader t(value.get_object(), path, problems);
      if (auto transport = read_transport(t, "transport"))
        topic.transport = *transport;
      if (auto format = t.choice<topic_format>("format", {{"json", topic_format::json}, {"openedx", topic_format::openedx}}))
        topic.format = *format;
    }
    // Listed even when broken, so consumers of it do not report a second, misleading problem.
    out.topics.emplace(topic.name, std::move(topic));
  }
}

void read_producer_config(object_reader& r, settings& out, problems_list& problems) {
  const auto* config = r.object("producer_config");
  if (config == nullptr)
    return;
  for (const auto& [event_type, topics] : *config) {
    auto type_path = member_path(r.path_of("producer_config"), event_type);
    if (!topics.is_object() || topics.get_object().empty()) {
      problems.add(type_path, "is " + kind_of(topics) +
                                "; expected an object of topics, e.g. {\"my-topic\": {\"event_key_field\": \"a.b\"}}");
      continue;
    }
    for (const auto& [topic, value] : topics.get_object()) {
      auto path = member_path(type_path, topic);
      check_topic_name(std::string(topic), path, problems);
      if (!value.is_object()) {
        problems.add(path, "is " + kind_of(value) + "; expected {\"event_key_field\": \"...\", \"enabled\": true}");
        continue;
      }
      object_reader route_reader(value.get_object(), path, problems);
      route rt{std::string(event_type), std::string(topic), "", true};
      if (auto key = route_reader.string("event_key_field", true)) {
        if (key->empty() || key->front() == '.' || key->back() == '.' || key->find("..") != std::string::npos)
          problems.add(route_reader.path_of("event_key_field"),
                       "is \"" + *key + "\"; expected a period-separated path into the event data, e.g. xblock_info.usage_key");
        rt.event_key_field = *key;
      }
      if (auto enabled = route_reader.boolean("enabled"))
        rt.enabled = *enabled;
      // A topic named only here uses the default transport.
      out.topics.try_emplace(rt.topic, topic_settings{rt.topic, full_name(out.topic_prefix, rt.topic),
                                                      out.default_transport, topic_format::json});
      out.routes.push_back(std::move(rt));
    }
  }
}

void read_sink(object_reader& r, consumer_settings& c, const settings& out, problems_list& problems) {
  const auto* sink = r.object("sink", true);
  if (sink == nullptr)
    return;
  object_reader s(*sink, r.path_of("sink"), problems);
  if (!s.find("type")) {
    problems.add(s.path_of("type"), "missing; expected \"log\", \"http\", \"topic\" or \"route\"");
    return;
  }
  auto type = s.choice<sink_kind>(
    "type", {{"log", sink_kind::log}, {"http", sink_kind::http}, {"topic", sink_kind::topic}, {"route", sink_kind::route}});
  if (!type)
    return;
  c.sink.type = *type;
  auto only_for = [&](std::string_view key, sink_kind kind) {
    if (s.find(key) != nullptr && *type != kind)
      problems.add(s.path_of(key), "applies to sinks of type \"" + to_string(kind) + "\"");
  };
  only_for("url", sink_kind::http);
  only_for("timeout_ms", sink_kind::http);
  only_for("headers", sink_kind::http);
  only_for("topic", sink_kind::topic);
  if (auto n = s.number("concurrency", 1, 1000))
    c.sink.concurrency = *n;
  if (auto ordered = s.boolean("ordered"))
    c.sink.ordered = *ordered;
  if (*type == sink_kind::http) {
    if (auto url = s.string("url", true)) {
      if (url->rfind("http://", 0) != 0 || url->size() <= 7)
        problems.add(s.path_of("url"), "is \"" + *url + "\"; expected http://host[:port]/path (https is not supported by "
                                         "this version of eventrouter)");
      c.sink.url = *url;
    }
    if (auto t = read_millis(s, "timeout_ms", 1, 600000))
      c.sink.timeout = *t;
    if (const auto* headers = s.object("headers")) {
      object_reader h(*headers, s.path_of("headers"), problems);
      for (const auto& [name, value] : *headers)
        if (auto text = h.string(name))
          c.sink.headers.emplace_back(std::string(name), *text);
    }
  }
  if (*type == sink_kind::topic) {
    if (auto topic = s.string("topic", true)) {
      if (!out.topics.count(*topic))
        problems.add(s.path_of("topic"), "names topic \"" + *topic + "\", which is neither in topics nor in producer_config");
      else if (*topic == c.topic)
        problems.add(s.path_of("topic"), "is the topic the consumer reads; expected another topic");
      c.sink.topic = *topic;
    }
  }
}

void read_retry(object_reader& r, consumer_settings& c, problems_list& problems) {
  const auto* retry = r.object("retry");
  if (retry == nullptr)
    return;
  object_reader rr(*retry, r.path_of("retry"), problems);
  if (auto n = rr.number("max_attempts", 1, 1000))
    c.retry.max_attempts = static_cast<unsigned>(*n);
  if (auto range = read_range(rr, "backoff_ms", problems)) {
    c.retry.backoff_min = range->first;
    c.retry.backoff_max = range->second;
  }
}

bool is_stream_id(std::string_view id) {
  auto dash = id.find('-');
  auto digits = [](std::string_view s) {
    return !s.empty() && s.size() <= 20 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(id.substr(0, dash)) && (dash == std::string_view::npos || digits(id.substr(dash + 1)));
}

// Where a new consumer group starts and when pending entries are taken over: options of the
// broker transports, refused on topics of others.
void read_group_options(object_reader& c, consumer_settings& consumer, const settings& out, problems_list& problems) {
  auto topic = out.topics.find(consumer.topic);
  auto only_on = [&](std::string_view key, std::initializer_list<transport_kind> kinds, std::string_view which) {
    if (topic == out.topics.end())
      return;  // reported already
    for (auto kind : kinds)
      if (topic->second.transport == kind)
        return;
    problems.add(c.path_of(key), "applies to topics on the " + std::string(which) + " transport; topic \"" +
                                   consumer.topic + "\" is on " + to_string(topic->second.transport));
  };
  if (auto from_beginning = c.boolean("from_beginning")) {
    only_on("from_beginning", {transport_kind::redis, transport_kind::kafka}, "redis or kafka");
    consumer.from_beginning = *from_beginning;
  }
  if (auto idle = read_millis(c, "claim_idle_ms", 1, 86400000)) {
    only_on("claim_idle_ms", {transport_kind::redis}, "redis");
    consumer.claim_idle = *idle;
  }
  if (auto id = c.string("last_read_id")) {
    only_on("last_read_id", {transport_kind::redis}, "redis");
    if (!is_stream_id(*id))
      problems.add(c.path_of("last_read_id"), "is \"" + *id + "\"; expected a stream id such as 1700000000000-0");
    else if (consumer.from_beginning.value_or(false))
      problems.add(c.path_of("last_read_id"), "contradicts from_beginning; expected one of them");
    consumer.last_read_id = *id;
  }
}

void read_consumers(object_reader& r, settings& out, problems_list& problems) {
  const auto* consumers = r.array("consumers");
  if (consumers == nullptr)
    return;
  std::set<std::string> names;
  for (std::size_t i = 0; i < consumers->size(); ++i) {
    auto path = index_path(r.path_of("consumers"), i);
    const auto& value = (*consumers)[i];
    if (!value.is_object()) {
      problems.add(path, "is " + kind_of(value) + "; expected a consumer object");
      continue;
    }
    object_reader c(value.get_object(), path, problems);
    consumer_settings consumer;
    if (auto name = c.string("name", true)) {
      if (name->empty())
        problems.add(c.path_of("name"), "is empty; expected a name for metrics and /v1/consumers");
      else if (!names.insert(*name).second)
        problems.add(c.path_of("name"), "\"" + *name + "\" is used by an earlier consumer; expected a unique name");
      consumer.name = *name;
    }
    if (auto topic = c.string("topic", true)) {
      if (!out.topics.count(*topic))
        problems.add(c.path_of("topic"), "names topic \"" + *topic +
                                           "\", which is neither in topics nor in producer_config");
      consumer.topic = *topic;
    }
    if (auto group = c.string("group_id", true)) {
      if (group->empty())
        problems.add(c.path_of("group_id"), "is empty; expected a consumer group name");
      consumer.group_id = *group;
    }
    read_sink(c, consumer, out, problems);
    read_retry(c, consumer, problems);
    if (auto n = c.number("consecutive_errors_limit", 1, 1000000))
      consumer.consecutive_errors_limit = static_cast<unsigned>(*n);
    if (auto n = c.number("batch_size", 1, 100000))
      consumer.batch_size = *n;
    if (auto n = c.number("poll_timeout_ms", 1, 600000))
      consumer.poll_timeout = std::chrono::milliseconds(*n);
    if (auto range = read_range(c, "restart_backoff_ms", problems)) {
      consumer.restart_backoff_min = range->first;
      consumer.restart_backoff_max = range->second;
    }
    if (auto n = c.number("max_restarts", 1, 1000000))
      consumer.max_restarts = static_cast<unsigned>(*n);
    if (auto window = read_millis(c, "restart_window_ms", 1, 86400000))
      consumer.restart_window = *window;
    read_group_options(c, consumer, out, problems);
    if (auto dlq = c.string("dead_letter_topic")) {
      check_topic_name(*dlq, c.path_of("dead_letter_topic"), problems);
      if (*dlq == consumer.topic)
        problems.add(c.path_of("dead_letter_topic"), "is the topic the consumer reads; expected another topic");
      // A dead-letter topic named nowhere else is a topic of the default transport.
      out.topics.try_emplace(*dlq, topic_settings{*dlq, full_name(out.topic_prefix, *dlq), out.default_transport,
                                                  topic_format::json});
      consumer.dead_letter_topic = *dlq;
    }
    out.consumers.push_back(std::move(consumer));
  }
}

// Every transport a topic uses must be configured under transports.
void check_transports_configured(const settings& out, problems_list& problems) {
  for (auto [kind, configured] :
       {std::pair{transport_kind::redis, out.redis.has_value()}, {transport_kind::kafka, out.kafka.has_value()}}) {
    std::string users;
    for (const auto& [name, topic] : out.topics)
      if (topic.transport == kind)
        users += (users.empty() ? "" : ", ") + name;
    if (!users.empty() && !configured)
      problems.add("$.transports." + to_string(kind),
                   "missing; topics on the " + to_string(kind) + " transport need it: " + users);
  }
}

// Every <event type>.avsc in the folder, each checked as Avro C and openedx-events see it.
void read_schema_folder(const std::string& folder, const std::string& path, schema_settings& out,
                        problems_list& problems) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator entries(folder, ec);
  if (ec) {
    problems.add(path, "cannot read the folder " + folder + ": " + ec.message());
    return;
  }
  constexpr std::uintmax_t max_schema_bytes = 1 << 20;
  for (const auto& entry : entries) {
    if (entry.path().extension() != ".avsc")
      continue;
    auto file = entry.path().string();
    auto type = entry.path().stem().string();
    auto fail = [&](const std::string& why) { problems.add(path, file + ": " + why); };
    auto size = entry.file_size(ec);
    if (ec || size > max_schema_bytes) {
      fail(ec ? ec.message() : "is larger than 1 MiB; expected one event type's schema");
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      fail(std::string("cannot read it: ") + std::strerror(errno));
      continue;
    }
    json::error_code json_error;
    auto schema = json::parse(text.str(), json_error);
    if (json_error) {
      fail("not valid JSON: " + json_error.message());
      continue;
    }
    if (auto wrong = check_event_schema(schema, type)) {
      fail(*wrong);
      continue;
    }
    if (auto parsed = avro_schema::parse(text.str()); std::holds_alternative<avro_error>(parsed)) {
      fail("Avro C refuses it: " + std::get<avro_error>(parsed).message);
      continue;
    }
    out.by_type.emplace(type, text.str());
  }
}

void read_schemas(object_reader& r, settings& out, const std::string& base_folder, problems_list& problems) {
  const auto* schemas = r.object("schemas");
  if (schemas == nullptr)
    return;
  object_reader s(*schemas, r.path_of("schemas"), problems);
  auto folder = s.string("directory", true);
  if (!folder)
    return;
  out.schemas.directory = *folder;
  std::filesystem::path where(*folder);
  if (where.is_relative() && !base_folder.empty())
    where = std::filesystem::path(base_folder) / where;
  read_schema_folder(where.string(), s.path_of("directory"), out.schemas, problems);
}

// Topics in openedx format write each event with its type's schema, and on Kafka register it.
void check_openedx_topics(const settings& out, problems_list& problems) {
  std::string on_kafka;
  for (const auto& [name, topic] : out.topics)
    if (topic.format == topic_format::openedx && topic.transport == transport_kind::kafka)
      on_kafka += (on_kafka.empty() ? "" : ", ") + name;
  if (!on_kafka.empty() && out.kafka && out.kafka->schema_registry_url.empty())
    problems.add("$.transports.kafka.schema_registry_url",
                 "missing; topics in openedx format on Kafka register their schemas there: " + on_kafka);
  for (const auto& rt : out.routes) {
    if (out.topics.at(rt.topic).format != topic_format::openedx)
      continue;
    auto path = member_path(member_path("$.producer_config", rt.event_type), rt.topic);
    auto schema = out.schemas.by_type.find(rt.event_type);
    if (schema == out.schemas.by_type.end()) {
      problems.add(path, "goes to a topic in openedx format, but " +
                           (out.schemas.directory.empty() ? std::string("schemas.directory is not set")
                                                          : out.schemas.directory + " has no " + rt.event_type + ".avsc") +
                           "; scripts/openedx-schemas writes the schema of every Open edX event type");
      continue;
    }
    if (rt.event_key_field.empty())
      continue;
    auto key = key_field_schema(json::parse(schema->second), rt.event_key_field);
    if (auto* why = std::get_if<std::string>(&key))
      problems.add(path + ".event_key_field", "\"" + rt.event_key_field + "\" cannot be the key: " + *why);
  }
  // Only routes encode with a route's key schema; other writers would have none.
  for (std::size_t i = 0; i < out.consumers.size(); ++i) {
    const auto& c = out.consumers[i];
    auto refuse = [&](const std::string& key, const std::string& topic) {
      if (!topic.empty() && out.topics.count(topic) && out.topics.at(topic).format == topic_format::openedx)
        problems.add(index_path("$.consumers", i) + key,
                     "names topic \"" + topic + "\", which is in openedx format; this version of eventrouter writes "
                     "openedx topics through routes only (use a json topic, or a sink of type \"route\")");
    };
    refuse(".dead_letter_topic", c.dead_letter_topic);
    if (c.sink.type == sink_kind::topic)
      refuse(".sink.topic", c.sink.topic);
  }
}

settings read_settings(const json::object& root, const std::string& base_folder, problems_list& problems) {
  settings out;
  object_reader r(root, "$", problems);
  // Read first what the rest depends on: the prefix names topics, the default transport
  // applies to topics named only in producer_config.
  if (auto prefix = r.string("topic_prefix")) {
    if (!prefix->empty())
      check_topic_name(*prefix, r.path_of("topic_prefix"), problems);
    out.topic_prefix = *prefix;
  }
  if (auto transport = read_transport(r, "default_transport"))
    out.default_transport = *transport;
  if (const auto* http = r.object("http")) {
    object_reader h(*http, r.path_of("http"), problems);
    read_http(h, out.http, problems);
  }
  if (const auto* transports = r.object("transports")) {
    object_reader t(*transports, r.path_of("transports"), problems);
    read_transports(t, out, problems);
  }
  if (auto n = r.number("shutdown_timeout_ms", 1, 3600000))
    out.shutdown_timeout = std::chrono::milliseconds(*n);
  if (const auto* admin = r.object("admin")) {
    object_reader a(*admin, r.path_of("admin"), problems);
    read_admin(a, out.admin, problems);
  }
  if (const auto* reload = r.object("reload")) {
    object_reader rl(*reload, r.path_of("reload"), problems);
    read_reload(rl, out.reload);
  }
  read_schemas(r, out, base_folder, problems);
  read_topics(r, out, problems);
  read_producer_config(r, out, problems);
  read_consumers(r, out, problems);
  check_transports_configured(out, problems);
  check_openedx_topics(out, problems);
  return out;
}

// Line and column of a byte offset, for parse errors.
std::string position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
  auto line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  auto column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

std::string to_string(const problem& p) { return p.path + ": " + p.message; }

load_result parse_settings(std::string_view text, const std::string& base_folder) {
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  options.max_depth = 64;
  json::stream_parser parser({}, options);
  json::error_code ec;
  auto consumed = parser.write(text.data(), text.size(), ec);
  if (!ec)
    parser.finish(ec);
  if (ec)
    return {std::nullopt, {{"$", "not valid JSON at " + position_of(text, consumed) + ": " +
                                   (is_utf8(text) ? ec.message() : "the file is not UTF-8")}}};
  auto root = parser.release();
  if (!root.is_object())
    return {std::nullopt, {{"$", "is " + kind_of(root) + "; expected a JSON object"}}};
  problems_list problems;
  auto result = read_settings(root.get_object(), base_folder, problems);
  if (!problems.empty())
    return {std::nullopt, problems.take()};
  return {std::move(result), {}};
}

load_result load_settings_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return {std::nullopt, {{"$", "cannot read " + path + ": it is a directory, not a file"}}};
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return {std::nullopt, {{"$", "cannot read " + path + ": " + std::strerror(errno)}}};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_settings(text.str(), std::filesystem::path(path).parent_path().string());
}

}  // namespace eventrouter::config
