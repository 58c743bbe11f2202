#pragma once
// A real Apache Pulsar broker for integration and fault tests: Pulsar 4.2.4 in standalone mode,
// one JVM holding the broker, its bookie and a RocksDB metadata store (no ZooKeeper), on free
// loopback ports with a private data folder; stopped or killed, and restarted on the same ports
// with the same data. The broker's jars come from Maven Central (tests/pulsar/pom.xml), fetched
// once into a cache folder shared by every test process: $EVENTROUTER_PULSAR_JARS if set, else
// <build dir>/pulsar-jars (scripts/broker-jars pulsar uses the same folder and lock file). Its
// configuration and JVM options are tests/pulsar/standalone.conf and tests/pulsar/jvm.options,
// which scripts/pulsar-broker uses too.
//
// Starting one takes 13-26 s on 2 busy cores and it holds about half a GB: tests share one per
// test process through shared_pulsar_broker(), each with its own topic names. A native client
// to check what is on a topic: pulsar_oracle.hpp.

#include "http_client.hpp"
#include "jvm_broker.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace eventrouter::testing {

class pulsar_broker : public jvm_broker {
 public:
  // Fetches the jars if the cache lacks them, starts the broker, and waits until it is ready:
  // until the admin API lists the namespace public/default (a producer there fails before; an
  // open port comes seconds earlier). Throws std::runtime_error (with the tail of the broker's
  // log) on failure. Topics are created on first use, non-partitioned, and kept with all their
  // messages for the broker's life (tests/pulsar/standalone.conf says why).
  pulsar_broker();  // the destructor stops the broker and removes its folder
  // The broker the test suite started for all its tests (scripts/test: $EVENTROUTER_TEST_PULSAR
  // holds its web and binary URLs): not this process's to stop, kill or start.
  pulsar_broker(std::uint16_t web_port, std::uint16_t broker_port);

  bool running() const { return attached_ || jvm_broker::running(); }

  // The web service: the admin REST API and the WebSocket API (/ws/v2/...).
  std::uint16_t web_port() const { return web_port_; }
  std::string web_url() const { return "http://127.0.0.1:" + std::to_string(web_port_); }
  // The binary protocol, for native clients.
  std::uint16_t broker_port() const { return broker_port_; }
  std::string service_url() const { return "pulsar://127.0.0.1:" + std::to_string(broker_port_); }
  // running() and log_tail(): jvm_broker.

  // SIGTERM (the broker closes its ledgers, in about 2 s), then SIGKILL if it has not exited
  // within 30 s. Keeps the data.
  void stop();
  // SIGKILL at once: what a crashed broker leaves. A message acknowledged to its producer is in
  // the bookie's journal in the OS page cache, so a start() afterwards still has it; the broker
  // recovers the open ledgers on the next start.
  void kill();
  // Starts again, on the same ports with the same data; waits until ready, like the constructor.
  void start();

  // One request to the admin REST API on the web port (`path` such as "/admin/v2/persistent/
  // public/default/t/stats"), given up after 10 s. For test set-up and checks.
  http_reply admin(const std::string& method, const std::string& path, const std::string& body = {}) const;

  // The folder that holds the broker's jars, fetched on first use (thread- and process-safe).
  static std::filesystem::path jars();

 private:
  void write_config() const;  // for the ports
  void refuse_if_attached(const char* what) const;
  void wait_until_ready(std::chrono::milliseconds timeout);

  std::uint16_t broker_port_;
  std::uint16_t web_port_;
  std::uint16_t bookie_port_ = 0;
  bool attached_ = false;
};

// One broker per test process, started on first use and stopped at exit; or, when the suite
// started one for all its tests ($EVENTROUTER_TEST_PULSAR), that one, which saves each test
// process a start of 6-26 s. Tests on it use topic names of their own. A failed start is
// remembered: later calls throw the same error at once instead of waiting again. Call it from
// the thread that runs the tests (the broker is killed if the thread that started it exits).
pulsar_broker& shared_pulsar_broker();

}  // namespace eventrouter::testing
