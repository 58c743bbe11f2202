#pragma once
// HTTP over a raw TCP socket, for requests no HTTP client would send: bytes HTTP forbids, a
// body shorter than its Content-Length, a sender that trickles or stalls. It writes the bytes
// at the pace asked, stops as soon as the server answers or closes, and reads the answer.

#include <chrono>
#include <cstdint>
#include <string>

namespace eventrouter::testing {

struct raw_pace {
  enum class ending {
    read_answer,  // send everything, then read the answer
    half_close,   // send everything, shut the sending side (EOF to the server), read the answer
    close,        // send everything and close at once: there is no answer to read
  };
  ending end = ending::read_answer;
  std::size_t sent_at_once = std::string::npos;  // then the rest at `trickle_bytes` per `trickle_every`
  std::size_t trickle_bytes = 1;
  std::chrono::milliseconds trickle_every{100};
  std::size_t stall_after = std::string::npos;  // send this much, then nothing more
};

struct raw_answer {
  unsigned status = 0;  // 0: the connection closed (or the deadline passed) without an answer
  std::string body;
  std::string head;  // status line and headers
  std::chrono::milliseconds took{0};  // from connecting to the end of the answer
};

// Sends `bytes` to 127.0.0.1:`port` at `pace`; gives up reading at `deadline` after connecting.
raw_answer raw_exchange(std::uint16_t port, const std::string& bytes, const raw_pace& pace,
                        std::chrono::milliseconds deadline);

}  // namespace eventrouter::testing
