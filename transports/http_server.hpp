#pragma once
// The HTTP/1.1 server every endpoint shares, on Boost.Beast. It owns the sockets and the IO
// threads, nothing else: a handler gets a whole request (body read and size-checked) and a
// responder it may call once, from any thread, whenever its answer is ready. So an endpoint
// can hand work to actors and answer from their reply without holding an IO thread.
//
// Connections are keep-alive and answered in order. What the server refuses it answers, and
// then closes the connection after draining what the client still sends (so the client reads
// the answer rather than a reset):
//   413  a body over max_body_bytes
//   431  headers over max_header_bytes
//   408  a request (headers and body) not complete within request_timeout: slowloris defence
//   400  bytes that are not HTTP/1.1 (a bare CR or a NUL in a header, a truncated body)
//   503  a connection past max_connections, at once, without reading its request

#include "metrics/handles.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventrouter::http {

struct request {
  std::string method;  // GET, POST, ...
  std::string path;    // the target without the query
  std::string query;   // after '?', undecoded
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;

  std::optional<std::string_view> header(std::string_view lower_case_name) const;
};

struct response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// Sends the response; callable once, from any thread, also after the server stopped (the
// response is then dropped).
using responder = std::function<void(response)>;
using handler = std::function<void(request&&, responder)>;

// What the server counts: requests it refused before any handler saw them, by reason, and the
// connections open. Empty handles count nothing.
struct server_meters {
  metrics::counter too_many_connections;  // 503: past max_connections
  metrics::counter header_too_large;      // 431
  metrics::counter body_too_large;        // 413
  metrics::counter timed_out;             // 408
  metrics::counter malformed;             // 400: not HTTP
  metrics::gauge open_connections;        // served connections, refused ones not included
};

struct server_options {
  std::string host = "127.0.0.1";  // an address, or a name resolved at start
  std::uint16_t port = 8080;  // 0: any free port; see server::port()
  std::size_t max_body_bytes = 1 << 20;
  unsigned threads = 2;
  // From a request's first byte to its last (headers and body); also how long a new connection
  // may take to send its first byte.
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};  // a keep-alive connection between requests
  std::size_t max_header_bytes = 16 << 10;         // the request line and every header
  std::size_t max_connections = 512;               // served at once; past it, 503
  server_meters meters{};
};

class server {
 public:
  server(server_options options, handler on_request);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and starts the IO threads. Throws std::runtime_error naming the address and the
  // reason when it cannot listen.
  void start();
  std::uint16_t port() const;  // the bound port, once started
  void stop_accepting();       // closes the listening socket; open connections keep working
  void stop();                 // closes everything and joins the IO threads

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace eventrouter::http
