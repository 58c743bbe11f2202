// transports.pulsar: the cluster's web service URL, the tenant and namespace every pulsar topic
// lives in, the token, and the client's bounds.

#include "config/sections.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace eventrouter::config {

namespace {

// Pulsar's own rule for tenant and namespace names.
bool is_pulsar_name(std::string_view name) {
  return !name.empty() && name.size() <= 255 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '=' || c == ':';
  });
}

void read_name(object_reader& r, std::string_view key, std::string& out) {
  auto name = r.string(key);
  if (!name)
    return;
  if (!is_pulsar_name(*name))
    r.problems().add(r.path_of(key), "is " + quoted(*name) + "; expected 1 to 255 characters of a-z A-Z 0-9 - _ . = :");
  out = *name;
}

void read_token(object_reader& r, pulsar_settings& out) {
  auto env = r.string("token_env");
  if (!env)
    return;
  auto path = r.path_of("token_env");
  if (!is_identifier(*env))
    return r.problems().add(path, "is " + quoted(*env) + "; expected the name of an environment variable");
  out.token_env = *env;
  const char* token = std::getenv(env->c_str());
  if (token == nullptr || *token == '\0')
    return r.problems().add(path, "names " + *env + ", which is not set or empty; expected it to hold the token");
  out.token = token;
}

}  // namespace

void read_pulsar(object_reader& r, pulsar_settings& out) {
  if (auto text = r.string("service_url", true)) {
    auto parsed = parse_url(*text, "http");
    if (auto* why = std::get_if<std::string>(&parsed))
      r.problems().add(r.path_of("service_url"), "is " + quoted(*text) + ": " + *why +
                                                   "; expected http://host[:port], the web service of a broker or "
                                                   "proxy, such as http://127.0.0.1:8080");
    else if (auto& u = std::get<url>(parsed); u.path != "/" || u.has_credentials())
      r.problems().add(r.path_of("service_url"), "is " + quoted(u.display()) +
                                                   "; expected http://host[:port] with no path and no credentials "
                                                   "(the token is given by token_env)");
    else
      out.service_url = std::move(u);
  }
  read_name(r, "tenant", out.tenant);
  read_name(r, "namespace", out.pulsar_namespace);
  read_token(r, out);
  if (auto t = r.millis("connect_timeout_ms", 1, 600000))
    out.connect_timeout = *t;
  if (auto t = r.millis("send_timeout_ms", 1, 600000))
    out.send_timeout = *t;
  if (auto range = r.millis_range("reconnect_backoff_ms")) {
    out.reconnect_backoff_min = range->first;
    out.reconnect_backoff_max = range->second;
  }
  if (auto n = r.number("max_pending_messages", 1, 100000))
    out.max_pending_messages = *n;
  if (auto t = r.millis("negative_ack_redelivery_delay_ms", 0, 3600000))
    out.negative_ack_redelivery_delay = *t;
}

}  // namespace eventrouter::config
