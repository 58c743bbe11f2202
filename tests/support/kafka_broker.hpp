#pragma once
// A real Apache Kafka broker for integration tests: one JVM that is both KRaft controller and
// broker, on free loopback ports, with a private data folder; stopped, and restarted on the same
// ports with the same data. The broker's jars come from Maven Central (tests/kafka/pom.xml),
// fetched once into a cache folder shared by every test process:
// $EVENTROUTER_KAFKA_JARS if set, else <build dir>/kafka-jars (scripts/kafka-broker uses the
// same folder and lock file).
//
// Starting a broker takes seconds (about 3 on 2 idle cores): tests share one per test process
// through shared_kafka_broker(), each with its own topic names and group ids.

#include "jvm_broker.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace eventrouter::testing {

class kafka_broker : public jvm_broker {
 public:
  // Fetches the jars if the cache lacks them, formats storage, starts the broker, and waits
  // until it answers a metadata request; throws std::runtime_error (with the tail of the
  // broker's log) on failure. Defaults: num.partitions=3, auto.create.topics.enable=true,
  // group.initial.rebalance.delay.ms=0, every internal topic with replication factor 1.
  kafka_broker();  // the destructor stops the broker and removes its folder

  std::uint16_t port() const { return port_; }
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  // running() and log_tail(): jvm_broker.

  // SIGTERM, then SIGKILL if it has not exited within 30 s. Keeps the data.
  void stop();
  // Starts again, on the same ports with the same data; waits until ready, like the constructor.
  void start();

  // Creates a topic (replication factor 1) through the admin API and waits until every one of
  // its partitions has a leader; throws on failure, also if the topic exists already.
  void create_topic(const std::string& name, int partitions,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  // Every consumer group the broker knows (those with members or committed offsets).
  std::vector<std::string> consumer_groups() const;

  // The folder that holds the broker's jars, fetched on first use (thread- and process-safe).
  static std::filesystem::path jars();

 private:
  void write_server_properties() const;  // for port_ and controller_port_
  void wait_until_ready(std::chrono::milliseconds timeout);

  std::uint16_t port_;
  std::uint16_t controller_port_;
};

// One broker per test process, started on first use and stopped at exit. A failed start is
// remembered: later calls throw the same error at once instead of waiting again. Call it from
// the thread that runs the tests (the broker is killed if the thread that started it exits).
kafka_broker& shared_kafka_broker();

// Every message of a topic on the shared broker, read by kcat (an independent client) from the
// beginning: one "key|headers|value" string each.
std::vector<std::string> kcat_messages(const std::string& topic);

}  // namespace eventrouter::testing
