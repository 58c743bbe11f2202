#pragma once
// What the test brokers that run in a JVM (kafka_broker, pulsar_broker) share: their jars,
// fetched from Maven Central once into a cache folder that every test process and
// scripts/broker-jars use (same folder, same lock file, same rule for "up to date"); their log
// files; their stopping; and one broker per test process.

#include "service_process.hpp"

#include <chrono>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace eventrouter::testing {

// Which broker's jars, and where they go. The cache folder is $<env> if set, else
// <build dir>/<name>-jars, as in scripts/broker-jars.
struct broker_jar_set {
  std::string name;           // "kafka", "pulsar": the default folder's name and messages
  const char* env;            // "EVENTROUTER_KAFKA_JARS"
  std::filesystem::path pom;  // tests/<name>/pom.xml: what mvn fetches
  // The broker's own jar is <marker><digit>...jar ("kafka_2.13-", "pulsar-broker-"); the digit
  // keeps pulsar-broker-common-4.2.4.jar from passing for the broker.
  std::string marker;
};

// The folder holding the jars, fetched first if the cache lacks them or holds another pom's
// (thread- and process-safe; the first call in a process pays for the check). Throws
// std::runtime_error with mvn's output on failure.
std::filesystem::path fetch_broker_jars(const broker_jar_set& jars);

// A whole file, or "" if it cannot be read.
std::string read_text_file(const std::filesystem::path& path);
// Replaces a file; throws std::runtime_error if it cannot be written.
void write_text_file(const std::filesystem::path& path, const std::string& text);
// The last `lines` lines of `text`.
std::string last_lines(const std::string& text, std::size_t lines);
// What a process printed (stdout then stderr), without the colour escapes mvn adds even with -B.
std::string console_output(const service_process& process);

// dir/log4j2.properties, sending the broker's log (level info) to dir/broker.log, which
// log_tail() reads: the JVM's console then holds only what happens before logging starts.
void write_log4j2_properties(const std::filesystem::path& dir);

// What kafka_broker and pulsar_broker do alike: a JVM started from this thread, its private
// folder (configuration, data, broker.log), waiting until it is ready, stopping it, its log.
class jvm_broker {
 public:
  jvm_broker(const jvm_broker&) = delete;
  jvm_broker& operator=(const jvm_broker&) = delete;

  // Started, and not exited since.
  bool running() const;

  // The last `lines` lines of the broker's log (and anything it printed), for failure messages.
  std::string log_tail(std::size_t lines = 60) const;

 protected:
  // `who` names the broker in messages ("kafka_broker"). The folder comes later, from
  // scratch_folder(): its name holds a port.
  explicit jvm_broker(std::string who) : who_(std::move(who)) {}
  ~jvm_broker();  // stops the JVM and removes the folder, also after a failed constructor

  // Starts `java args` (killed if this thread exits) unless it runs, then calls `wait_until_ready`.
  // When that throws, stops the JVM and throws its message with the tail of the broker's log.
  void start_jvm(std::vector<std::string> args, const std::function<void()>& wait_until_ready);
  // SIGTERM, then SIGKILL if the JVM has not exited within 30 s. A JVM that had exited by itself
  // is reported on stderr with the end of its log: the reason is there, and the log goes away
  // with the folder.
  void stop_jvm();
  // SIGKILL at once.
  void kill_jvm();
  // For the readiness loops: throws if the JVM has exited.
  void throw_if_exited() const;
  // Calls `start` until it does not fail for a port taken meanwhile, three times at most, with
  // `pick_ports` before each new attempt. free_port() gives a port nothing listens on now; a
  // test running beside this one may bind it before the broker does.
  static void start_on_free_ports(const std::function<void()>& start, const std::function<void()>& pick_ports);

  std::string who_;
  std::filesystem::path dir_;
  std::filesystem::path jars_;
  std::unique_ptr<service_process> process_;
};

// One Broker per test process, started on first use and destroyed (so stopped) at exit. A failed
// start is remembered: later calls throw the same error at once instead of waiting again. Call it
// from the thread that runs the tests (a broker is killed if the thread that started it exits).
template <class Broker>
Broker& shared_broker() {
  static std::mutex mutex;
  static std::unique_ptr<Broker> broker;
  static std::exception_ptr failure;
  std::lock_guard lock{mutex};
  if (failure)
    std::rethrow_exception(failure);
  if (!broker) {
    try {
      broker = std::make_unique<Broker>();
    } catch (...) {
      failure = std::current_exception();
      throw;
    }
  }
  return *broker;
}

}  // namespace eventrouter::testing
