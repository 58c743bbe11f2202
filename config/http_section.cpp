// http: the HTTP server's listen address and limits.

#include "config/sections.hpp"
#include "config/url.hpp"

namespace eventrouter::config {

namespace {

// "HOST:PORT" (a name or an IPv4 address) or "[IPv6]:PORT". Port 0 asks the kernel for any free
// port (the log says which): what tests and side-by-side instances use.
void read_listen(const std::string& text, const std::string& path, http_settings& out, problems_list& problems) {
  auto colon = text.rfind(':');
  auto host = parse_host(std::string_view(text).substr(0, colon == std::string::npos ? 0 : colon));
  auto port = colon == std::string::npos ? std::nullopt : parse_port(std::string_view(text).substr(colon + 1));
  if (!host || !port) {
    problems.add(path, "is " + quoted(text) + "; expected HOST:PORT, e.g. 0.0.0.0:8080, localhost:8080 or [::1]:8080");
    return;
  }
  out.host = std::move(*host);
  out.port = *port;
}

}  // namespace

void read_http(object_reader& r, http_settings& out) {
  if (auto listen = r.string("listen"))
    read_listen(*listen, r.path_of("listen"), out, r.problems());
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
  if (auto t = r.millis("request_timeout_ms", 100, 600000))
    out.request_timeout = *t;
  if (auto t = r.millis("idle_timeout_ms", 100, 3600000))
    out.idle_timeout = *t;
  if (auto n = r.number("max_connections", 1, 1000000))
    out.max_connections = *n;
}

}  // namespace eventrouter::config
