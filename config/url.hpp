#pragma once
// A URL the configuration names — a webhook, the schema registry, Redis — or `eventrouter top`'s
// --url, parsed once into what a client connects with. The loader parses it and the client uses
// the parsed value, so a URL check-config accepts is one the client can use, and nothing reads
// a URL from a string again.
//
// Accepted: SCHEME://[user[:password]@]host[:port][/path], where
//   - SCHEME is the one the setting expects (http, redis); https and rediss are refused: this
//     version of eventrouter speaks no TLS;
//   - host is a name (letters, digits, '.', '-', '_'), an IPv4 address, or an IPv6 address in
//     brackets ([::1]);
//   - port is 1 to 65535, the scheme's own (80, 6379) when absent;
//   - user and password are percent-decoded (p%40ss is p@ss);
//   - the whole text is printable ASCII without spaces (percent-encode the rest) and no '#'.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace eventrouter::config {

struct url {
  std::string scheme;      // as expected: "http", "redis"
  std::string host;        // a name or an address; an IPv6 address without its brackets
  std::uint16_t port = 0;  // as written, or the scheme's default
  std::string path = "/";  // from the first '/' on, query included, as written; "/" when absent
  std::string user;        // percent-decoded; empty when absent
  std::string password;    // percent-decoded; empty when absent

  // A default url, which a setting with no URL configured holds.
  bool empty() const { return host.empty(); }
  bool has_credentials() const { return !user.empty() || !password.empty(); }
  // host[:port], the port only when it is not the scheme's default, an IPv6 host in brackets:
  // what an HTTP Host header carries.
  std::string authority() const;
  // The URL for messages and logs, its credentials masked as config/secrets masks them
  // (http://user:***@host/x, or redis://***@host when there is a user alone): never the password.
  std::string display() const;

  bool operator==(const url&) const = default;
};

// `text` as a URL of `scheme`, or why it is not one: a sentence naming the wrong part ("the port
// is not a number from 1 to 65535").
std::variant<url, std::string> parse_url(std::string_view text, std::string_view scheme);

// A host as a URL or a listen address writes it: a name, an IPv4 address, or an IPv6 address in
// brackets (returned without them); nullopt for anything else.
std::optional<std::string> parse_host(std::string_view text);

// Decimal digits alone, 0 to 65535; nullopt for anything else.
std::optional<std::uint16_t> parse_port(std::string_view text);

}  // namespace eventrouter::config
