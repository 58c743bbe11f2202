#include "config/url.hpp"

#include "config/wire_text.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace eventrouter::config {

namespace {

struct known_scheme {
  std::string_view name;
  std::uint16_t default_port;
};

constexpr std::array<known_scheme, 2> known_schemes{{{"http", 80}, {"redis", 6379}}};

std::uint16_t default_port(std::string_view scheme) {
  for (const auto& known : known_schemes)
    if (known.name == scheme)
      return known.default_port;
  return 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

std::optional<std::string> percent_decode(std::string_view in) {
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

// A decoded user name written back into a URL: anything but RFC 3986's unreserved characters
// percent-encoded, so that a message never carries a raw control character or '@'.
std::string percent_encode(std::string_view in) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

bool is_host_name(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

bool is_ipv6_address(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// What a URL may not hold as it is; nullopt when it holds none of it.
std::optional<std::string> unwritable_character(std::string_view text) {
  if (auto control = find_control_character(text))
    return "it holds " + *control + ", which would end the line it is sent in";
  if (std::any_of(text.begin(), text.end(), [](char c) { return c == ' ' || static_cast<unsigned char>(c) > 0x7E; }))
    return std::string("it holds a space or a character that is not ASCII; percent-encode it");
  if (text.find('#') != std::string_view::npos)
    return std::string("it holds '#', a fragment, which is never sent; percent-encode it (%23) if it is data");
  return std::nullopt;
}

}  // namespace

std::string url::authority() const {
  auto out = host.find(':') == std::string::npos ? host : "[" + host + "]";
  if (port != default_port(scheme))
    out += ":" + std::to_string(port);
  return out;
}

std::string url::display() const {
  std::string credentials;
  if (has_credentials())
    credentials = password.empty() ? "***@" : percent_encode(user) + ":***@";
  return scheme + "://" + credentials + authority() + path;
}

std::optional<std::string> parse_host(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    std::string host(text.substr(1, text.size() - 2));
    return is_ipv6_address(host) ? std::optional(host) : std::nullopt;
  }
  return is_host_name(text) ? std::optional(std::string(text)) : std::nullopt;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  std::uint32_t port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text.front())) || ec != std::errc{} ||
      end != text.data() + text.size() || port > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(port);
}

std::variant<url, std::string> parse_url(std::string_view text, std::string_view scheme) {
  if (auto why = unwritable_character(text))
    return *why;
  auto separator = text.find("://");
  auto written_scheme = text.substr(0, separator);
  if (separator == std::string_view::npos)
    return "it has no scheme; expected " + std::string(scheme) + "://";
  if (written_scheme.size() == scheme.size() + 1 && written_scheme.starts_with(scheme) && written_scheme.back() == 's')
    return "TLS (" + std::string(written_scheme) + "://) is not supported by this version of eventrouter";
  if (written_scheme != scheme)
    return "the scheme is not " + std::string(scheme) + "://";
  url out;
  out.scheme = std::string(scheme);
  out.port = default_port(scheme);
  auto rest = text.substr(separator + 3);
  auto authority = rest.substr(0, rest.find_first_of("/?"));
  if (auto path = rest.substr(authority.size()); !path.empty())
    out.path = path.front() == '/' ? std::string(path) : "/" + std::string(path);
  // The credentials run to the last '@', so that a password with a raw '@' is still read whole.
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    auto credentials = authority.substr(0, at);
    authority = authority.substr(at + 1);
    auto colon = credentials.find(':');
    auto user = percent_decode(credentials.substr(0, colon));
    auto password = percent_decode(colon == std::string_view::npos ? "" : credentials.substr(colon + 1));
    if (!user || !password)
      return std::string("broken percent-encoding in the credentials; expected %XX with two hex digits");
    out.user = std::move(*user);
    out.password = std::move(*password);
  }
  // The port's colon is the last one outside an IPv6 address's brackets.
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) != std::string_view::npos)
    colon = std::string_view::npos;
  auto host_text = authority.substr(0, colon);
  if (host_text.empty())
    return std::string("the host is missing");
  auto host = parse_host(host_text);
  if (!host)
    return "the host \"" + std::string(host_text) +
           "\" is not a host name, an IPv4 address or an IPv6 address in brackets";
  out.host = std::move(*host);
  if (colon != std::string_view::npos) {
    auto port = parse_port(authority.substr(colon + 1));
    if (!port || *port == 0)
      return "the port \"" + std::string(authority.substr(colon + 1)) + "\" is not a number from 1 to 65535";
    out.port = *port;
  }
  return out;
}

}  // namespace eventrouter::config
