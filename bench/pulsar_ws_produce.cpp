// pulsar_ws_produce: a bare client of Pulsar's WebSocket producer endpoint, the baseline of
// bench/pulsar_bench that tells the WebSocket API's cost from eventrouter's own.
//
//   pulsar_ws_produce HOST PORT TARGET WINDOW FRAMES_FILE
//
// Reads FRAMES_FILE, untimed: one producer frame a line, a JSON object without its context and
// closing brace ({"payload": base64, "properties": {..}, "key": "..", "eventTime": ".."), as
// bench/pulsar_bench writes them from the messages eventrouter produced in the same run. Then it
// connects to ws://HOST:PORT TARGET (the handshake makes the broker's producer, as eventrouter's
// does at its start) and, timed from there until the broker's last answer, sends every frame
// with `,"context":"N"}` appended, as eventrouter's producer does, with at most WINDOW
// unanswered at once (eventrouter's max_pending_messages), on one thread. Nothing else: no
// batches to track, no reconnection, no timeouts. Prints one JSON line:
// {"messages", "seconds", "refused"} (refused: answers other than "result":"ok").

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

[[noreturn]] void fail(const std::string& what) {
  std::cerr << "pulsar_ws_produce: " << what << "\n";
  std::exit(1);
}

// One producer connection with up to `window` frames unanswered; reads and writes are each one
// chain of asynchronous operations on the same thread.
class producer {
 public:
  producer(websocket::stream<beast::tcp_stream>& ws, std::vector<std::string>& frames, std::size_t window)
      : ws_(ws), frames_(frames), window_(window) {}

  void start() {
    read_next();
    write_next();
  }
  std::size_t refused() const { return refused_; }

 private:
  void write_next() {
    if (writing_ || sent_ == frames_.size() || sent_ - answered_ >= window_)
      return;
    writing_ = true;
    frames_[sent_].append(",\"context\":\"").append(std::to_string(sent_)).append("\"}");
    ws_.async_write(asio::buffer(frames_[sent_]), [this](beast::error_code ec, std::size_t) {
      if (ec)
        fail("write: " + ec.message());
      writing_ = false;
      ++sent_;
      write_next();
    });
  }

  void read_next() {
    ws_.async_read(in_, [this](beast::error_code ec, std::size_t) {
      if (ec)
        fail("read: " + ec.message());
      if (beast::buffers_to_string(in_.data()).find("\"result\":\"ok\"") == std::string::npos)
        ++refused_;
      in_.clear();
      if (++answered_ < frames_.size())
        read_next();
      write_next();
    });
  }

  websocket::stream<beast::tcp_stream>& ws_;
  std::vector<std::string>& frames_;
  std::size_t window_;
  beast::flat_buffer in_;
  std::size_t sent_ = 0;
  std::size_t answered_ = 0;
  std::size_t refused_ = 0;
  bool writing_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6)
    fail("usage: pulsar_ws_produce HOST PORT TARGET WINDOW FRAMES_FILE");
  const std::string host = argv[1], port = argv[2], target = argv[3];
  const auto window = static_cast<std::size_t>(std::stoul(argv[4]));
  std::vector<std::string> frames;
  std::ifstream in(argv[5]);
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      frames.push_back(std::move(line));
  if (frames.empty() || window == 0)
    fail("no frames in " + std::string(argv[5]) + ", or a window of 0");

  asio::io_context io;
  auto endpoints = asio::ip::tcp::resolver(io).resolve(host, port);
  websocket::stream<beast::tcp_stream> ws(io);
  beast::error_code ec;
  ws.next_layer().connect(endpoints, ec);
  if (!ec)
    ws.handshake(host + ":" + port, target, ec);
  if (ec)
    fail("connecting to ws://" + host + ":" + port + target + ": " + ec.message());
  ws.text(true);
  const auto started = std::chrono::steady_clock::now();
  producer p(ws, frames, window);
  p.start();
  io.run();
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - started;
  ws.close(websocket::close_code::normal, ec);
  std::printf("{\"messages\": %zu, \"seconds\": %.6f, \"refused\": %zu}\n", frames.size(), seconds.count(),
              p.refused());
  return 0;
}
