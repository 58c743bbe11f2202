// The HTTP server alone, over loopback: requests reach the handler whole, answers may come
// later from any thread, bodies over the limit get 413, headers over theirs 431, a request
// slower than its timeout 408, a connection past the limit 503, and a late answer after the
// server stopped is dropped without harm.

#include "transports/http_server.hpp"

#include "eventually.hpp"
#include "http_client.hpp"
#include "raw_http.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <future>
#include <optional>
#include <thread>

namespace eventrouter::http {
namespace {

using namespace std::chrono_literals;
using eventrouter::testing::connection;
using eventrouter::testing::raw_exchange;
using eventrouter::testing::raw_pace;
using eventrouter::testing::http_request;

// Echoes what it saw, as "METHOD PATH?QUERY|x-probe header|body".
void echo(request&& req, responder respond) {
  respond({200, "text/plain",
           req.method + " " + req.path + "?" + req.query + "|" + std::string(req.header("x-probe").value_or("-")) +
             "|" + req.body,
           {{"X-Echo", "yes"}}});
}

TEST(http_server, a_request_reaches_the_handler_whole) {
  server s{{"127.0.0.1", 0, 1024, 1}, echo};
  s.start();
  auto reply = http_request(s.port(), "POST", "/v1/x?a=1&b=2", {{"X-Probe", "Value"}}, "hello");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, "POST /v1/x?a=1&b=2|Value|hello");
  EXPECT_EQ(reply.headers["content-type"], "text/plain");
  EXPECT_EQ(reply.headers["x-echo"], "yes");
}

TEST(http_server, an_answer_is_framed_as_http_1_1_clients_expect) {
  // The server writes its answers' bytes itself: the status line with its reason, the body's
  // length, and Connection: close exactly when the client asked to close.
  server s{{"127.0.0.1", 0, 1024, 1}, echo};
  s.start();
  auto closing = raw_exchange(s.port(), "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {}, 5s);
  EXPECT_EQ(closing.status, 200u);
  EXPECT_EQ(closing.head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << closing.head;
  EXPECT_NE(closing.head.find("Content-Length: 10"), std::string::npos) << closing.head;
  EXPECT_NE(closing.head.find("Connection: close"), std::string::npos) << closing.head;
  EXPECT_EQ(closing.body, "GET /a?|-|");

  auto kept = raw_exchange(s.port(), "GET /b HTTP/1.1\r\nHost: x\r\n\r\n", {}, 5s);
  EXPECT_EQ(kept.status, 200u);
  EXPECT_EQ(kept.head.find("Connection"), std::string::npos) << kept.head;
  EXPECT_NE(kept.head.find("X-Echo: yes"), std::string::npos) << kept.head;
}

TEST(http_server, a_keep_alive_connection_serves_requests_in_order) {
  server s{{"127.0.0.1", 0, 1024, 2}, echo};
  s.start();
  connection c{s.port()};
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(c.send("PUT", "/n", {}, std::to_string(i)).body, "PUT /n?|-|" + std::to_string(i));
}

TEST(http_server, an_answer_may_come_later_from_another_thread) {
  // The first request's answer is held back until the second was answered: on one IO thread,
  // a pending answer must not block other connections.
  std::promise<responder> first_responder;
  server s{{"127.0.0.1", 0, 1024, 1}, [&](request&& req, responder respond) {
             if (req.body == "one")
               return first_responder.set_value(std::move(respond));
             respond({201, "application/json", "{\"now\":\"" + req.body + "\"}", {}});
           }};
  s.start();
  auto first = std::async(std::launch::async, [&] { return http_request(s.port(), "POST", "/", {}, "one"); });
  auto held = first_responder.get_future().get();
  auto second = http_request(s.port(), "POST", "/", {}, "two");
  EXPECT_EQ(second.status, 201u);
  EXPECT_EQ(second.body, "{\"now\":\"two\"}");
  std::thread([held = std::move(held)] { held({202, "application/json", "{\"later\":\"one\"}", {}}); }).join();
  auto reply = first.get();
  EXPECT_EQ(reply.status, 202u);
  EXPECT_EQ(reply.body, "{\"later\":\"one\"}");
}

TEST(http_server, a_body_over_the_limit_gets_413_and_the_handler_never_sees_it) {
  bool called = false;
  server s{{"127.0.0.1", 0, 1024, 1}, [&](request&&, responder respond) {
             called = true;
             respond({});
           }};
  s.start();
  auto reply = http_request(s.port(), "POST", "/", {}, std::string(200000, 'x'));
  EXPECT_EQ(reply.status, 413u);
  EXPECT_NE(reply.body.find("max_body_bytes (1024 bytes)"), std::string::npos) << reply.body;
  EXPECT_EQ(reply.headers["content-type"], "application/json");
  EXPECT_FALSE(called);
  // The server goes on serving.
  s.stop();
}

TEST(http_server, garbage_instead_of_http_gets_400) {
  server s{{"127.0.0.1", 0, 1024, 1}, echo};
  s.start();
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket{io};
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), s.port()});
  boost::asio::write(socket, boost::asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
  std::string answer(4096, '\0');
  boost::system::error_code ec;
  auto n = boost::asio::read(socket, boost::asio::buffer(answer), ec);
  answer.resize(n);
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_NE(answer.find("malformed HTTP request"), std::string::npos) << answer;
}

TEST(http_server, an_answer_after_the_server_stopped_is_dropped_safely) {
  std::promise<responder> handed_over;
  auto server_ptr = std::make_unique<server>(server_options{"127.0.0.1", 0, 1024, 1},
                                             [&](request&&, responder respond) { handed_over.set_value(respond); });
  server_ptr->start();
  auto client = std::async(std::launch::async, [port = server_ptr->port()] {
    try {
      return http_request(port, "GET", "/").status;
    } catch (const std::exception&) {
      return 0u;  // the connection closed unanswered, as it should
    }
  });
  auto respond = handed_over.get_future().get();
  server_ptr.reset();
  respond({200, "text/plain", "too late", {}});  // must neither crash nor leak (ASan run)
  respond = nullptr;
  EXPECT_EQ(client.get(), 0u);
}

TEST(http_server, a_port_in_use_is_reported_at_start) {
  server first{{"127.0.0.1", 0, 1024, 1}, echo};
  first.start();
  server second{{"127.0.0.1", first.port(), 1024, 1}, echo};
  try {
    second.start();
    ADD_FAILURE() << "a second server started on a port in use";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(":" + std::to_string(first.port()) + ": bind: Address already in use"),
              std::string::npos)
      << e.what();
  }
}

server_options limited(std::size_t max_connections = 512) {
  server_options o{"127.0.0.1", 0, 1024, 1};
  o.request_timeout = std::chrono::milliseconds(300);
  o.max_header_bytes = 2048;
  o.max_connections = max_connections;
  return o;
}

TEST(http_server, headers_over_the_limit_get_431_naming_the_setting) {
  server s{limited(), echo};
  s.start();
  auto answer = raw_exchange(s.port(), "GET / HTTP/1.1\r\nX-Big: " + std::string(4000, 'b') + "\r\n\r\n", {}, 5s);
  EXPECT_EQ(answer.status, 431u) << answer.head;
  EXPECT_NE(answer.body.find("http.max_header_bytes (2048 bytes)"), std::string::npos) << answer.body;
  EXPECT_EQ(http_request(s.port(), "GET", "/ok", {{"X-Probe", std::string(1500, 'p')}}).status, 200u);
}

TEST(http_server, a_request_trickling_past_the_timeout_gets_408_at_the_timeout) {
  server s{limited(), echo};
  s.start();
  raw_pace slowly;
  slowly.sent_at_once = 5;
  slowly.trickle_every = 50ms;
  auto answer = raw_exchange(s.port(), "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x'), slowly, 5s);
  EXPECT_EQ(answer.status, 408u) << answer.head;
  EXPECT_NE(answer.body.find("request_timeout_ms (300 ms)"), std::string::npos) << answer.body;
  EXPECT_GE(answer.took, 300ms);
  EXPECT_LT(answer.took, 3s);
}

TEST(http_server, a_connection_past_the_limit_gets_503_and_a_freed_slot_serves_again) {
  server s{limited(2), echo};
  s.start();
  std::optional<connection> first{s.port()};
  connection second{s.port()};
  EXPECT_EQ(first->send("GET", "/1").status, 200u);
  EXPECT_EQ(second.send("GET", "/2").status, 200u);
  auto refused = http_request(s.port(), "GET", "/3");
  EXPECT_EQ(refused.status, 503u);
  EXPECT_NE(refused.body.find("too many connections"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.headers["retry-after"], "1");
  first.reset();  // closes it
  EXPECT_TRUE(eventrouter::testing::eventually([&] { return http_request(s.port(), "GET", "/4").status == 200; }, 5s));
}

}  // namespace
}  // namespace eventrouter::http
