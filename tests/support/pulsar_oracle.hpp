#pragma once
// A native Pulsar client as the tests' oracle: what is really on a topic, read or written by
// the Apache Pulsar C++ client (PyPI's pulsar-client, through tests/support/pulsar_oracle.py in
// the Python venv of scripts/openedx-python), independent of eventrouter's own WebSocket
// client. Each call is one Python process, about a second: for set-up and checks, not load.
// The venv is made on first use if it is missing (minutes, once per machine).

#include "pulsar_broker.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace eventrouter::testing {

struct pulsar_message {
  std::string key;                                // the partition key; "" for none
  std::map<std::string, std::string> properties;  // the application's properties
  std::string payload;                            // bytes
  std::int64_t event_time = 0;                    // ms since the epoch; 0 for none, as in Pulsar

  bool operator==(const pulsar_message&) const = default;
};

// For gtest's messages: the fields, the payload as a C string literal would show it.
std::ostream& operator<<(std::ostream& out, const pulsar_message& message);

// A topic's full name: `topic` itself if it has a scheme (persistent://tenant/namespace/name),
// else persistent://public/default/<topic>.
std::string pulsar_topic_name(const std::string& topic);

// The messages of `topic` from the earliest one, in order, read by a native Reader until
// `count` came or `timeout` passed (then fewer: compare them). Throws std::runtime_error with the
// client's error if it cannot read (no broker, a bad topic name).
std::vector<pulsar_message> pulsar_messages(const pulsar_broker& broker, const std::string& topic,
                                            std::size_t count,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Writes `messages` to `topic` in order with a native producer (no batching: one entry each) and
// returns once the broker acknowledged every one; their message ids as the native client prints
// them ("(ledger,entry,partition,batch)"). Throws std::runtime_error with the client's error if
// any send fails within `timeout`.
std::vector<std::string> pulsar_produce(const pulsar_broker& broker, const std::string& topic,
                                        const std::vector<pulsar_message>& messages,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace eventrouter::testing
