#pragma once
// The HTTP/1.1 server every endpoint shares, on Boost.Beast. It owns the sockets and the IO
// threads, nothing else: a handler gets a whole request (body read and size-checked) and a
// responder it may call once, from any thread, whenever its answer is ready. So an endpoint
// can hand work to actors and answer from their reply without holding an IO thread.
//
// Connections are keep-alive and answered in order. A body over max_body_bytes gets 413 and
// the connection is closed after the rest of the body is drained (so the client reads the
// 413 rather than a reset); a request slower than request_timeout is dropped.

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

struct server_options {
  std::string host = "127.0.0.1";  // an address, or a name resolved at start
  std::uint16_t port = 8080;  // 0: any free port; see server::port()
  std::size_t max_body_bytes = 1 << 20;
  unsigned threads = 2;
  std::chrono::milliseconds request_timeout{30000};  // to read one request, headers and body
  std::chrono::milliseconds idle_timeout{60000};     // a keep-alive connection with no request
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
