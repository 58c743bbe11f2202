#include "pulsar_broker.hpp"

#include "jvm_broker.hpp"
#include "scratch_folder.hpp"

#include "redis_server.hpp"  // free_port()

#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

#ifndef EVENTROUTER_PULSAR_DIR
#error "EVENTROUTER_PULSAR_DIR must name tests/pulsar (tests/CMakeLists.txt defines it)"
#endif

namespace eventrouter::testing {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// 13-26 s is usual on 2 busy cores; ctest gives a test 300 s, which a restart test spends on
// two or three starts.
constexpr auto ready_timeout = 120s;
constexpr auto admin_timeout = 10s;
constexpr auto poll_interval = 200ms;

const fs::path pulsar_dir = EVENTROUTER_PULSAR_DIR;

// `text` with every `placeholder` replaced by `value`.
std::string filled_in(std::string text, std::string_view placeholder, const std::string& value) {
  for (auto at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at + value.size()))
    text.replace(at, placeholder.size(), value);
  return text;
}

// Three different ports that were free a moment ago: broker, web service, bookie.
void pick_ports(std::uint16_t& broker, std::uint16_t& web, std::uint16_t& bookie) {
  broker = free_port();
  do
    web = free_port();
  while (web == broker);
  do
    bookie = free_port();
  while (bookie == broker || bookie == web);
}

}  // namespace

fs::path pulsar_broker::jars() {
  return fetch_broker_jars({"pulsar", "EVENTROUTER_PULSAR_JARS", pulsar_dir / "pom.xml", "pulsar-broker-"});
}

// On a failure, ~jvm_broker stops what started and removes the folder.
pulsar_broker::pulsar_broker() : jvm_broker("pulsar_broker") {
  pick_ports(broker_port_, web_port_, bookie_port_);
  jars_ = jars();
  dir_ = scratch_folder("eventrouter-pulsar-", web_port_);
  write_config();
  write_log4j2_properties(dir_);
  // A port taken meanwhile: the broker starts over on new ones with fresh storage, as the
  // bookie's address (with its port) is written into the metadata and the ledgers: a bookie on
  // another port would not be the same bookie.
  start_on_free_ports([this] { start(); },
                      [this] {
                        remove_scratch_folder(dir_ / "metadata");
                        remove_scratch_folder(dir_ / "bookkeeper");
                        pick_ports(broker_port_, web_port_, bookie_port_);
                        write_config();
                      });
}

pulsar_broker::pulsar_broker(std::uint16_t web_port, std::uint16_t broker_port)
    : jvm_broker("pulsar_broker"), broker_port_(broker_port), web_port_(web_port), attached_(true) {}

// The shared template with this broker's ports filled in. Sharing it with scripts/pulsar-broker
// keeps one list of keys, each with its reason, for both.
void pulsar_broker::write_config() const {
  auto text = read_text_file(pulsar_dir / "standalone.conf");
  if (text.empty())
    throw std::runtime_error("pulsar_broker: cannot read " + (pulsar_dir / "standalone.conf").string());
  text = filled_in(std::move(text), "@BROKER_PORT@", std::to_string(broker_port_));
  write_text_file(dir_ / "standalone.conf", filled_in(std::move(text), "@WEB_PORT@", std::to_string(web_port_)));
}

void pulsar_broker::start() {
  refuse_if_attached("start");
  // With no ZooKeeper folder given, standalone mode keeps its metadata in RocksDB (no ZooKeeper
  // process to start); functions and stream storage are off, neither is used and each costs
  // seconds and memory.
  std::vector<std::string> args{"@" + (pulsar_dir / "jvm.options").string(),
                                "-Dlog4j2.configurationFile=" + (dir_ / "log4j2.properties").string(),
                                "-cp", (jars_ / "*").string(),
                                "org.apache.pulsar.PulsarStandaloneStarter",
                                "--config", (dir_ / "standalone.conf").string(),
                                "--no-functions-worker", "--no-stream-storage",
                                "--metadata-dir", (dir_ / "metadata").string(),
                                "--bookkeeper-dir", (dir_ / "bookkeeper").string(),
                                "--bookkeeper-port", std::to_string(bookie_port_)};
  start_jvm(std::move(args), [this] { wait_until_ready(ready_timeout); });
}

void pulsar_broker::wait_until_ready(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last = "no answer";
  for (;;) {
    throw_if_exited();
    try {
      auto reply = admin("GET", "/admin/v2/namespaces/public");
      if (reply.status == 200 && reply.body.find("\"public/default\"") != std::string::npos)
        return;
      last = std::to_string(reply.status) + " " + reply.body;
    } catch (const std::exception& e) {  // not listening yet
      last = e.what();
    }
    if (std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("pulsar_broker: " + web_url() + "/admin/v2/namespaces/public did not list " +
                               "public/default within " + std::to_string(timeout.count() / 1000) +
                               " s (last: " + last + ")");
    std::this_thread::sleep_for(poll_interval);
  }
}

void pulsar_broker::refuse_if_attached(const char* what) const {
  if (attached_)
    throw std::logic_error(std::string("pulsar_broker: the suite's broker is shared by every test; ") + what +
                           " a pulsar_broker of the test's own");
}

void pulsar_broker::stop() {
  refuse_if_attached("stop");
  stop_jvm();
}

void pulsar_broker::kill() {
  refuse_if_attached("kill");
  kill_jvm();
}

http_reply pulsar_broker::admin(const std::string& method, const std::string& path, const std::string& body) const {
  header_list headers;
  if (!body.empty())
    headers.emplace_back("content-type", "application/json");
  return http_request_within(admin_timeout, web_port_, method, path, headers, body);
}

namespace {

// The port at the end of a URL such as http://127.0.0.1:8080.
std::uint16_t port_of(const std::string& url) {
  auto colon = url.rfind(':');
  auto port = colon == std::string::npos ? 0 : std::stoul(url.substr(colon + 1));
  if (port == 0 || port > 65535)
    throw std::runtime_error("EVENTROUTER_TEST_PULSAR: no port in '" + url + "'");
  return static_cast<std::uint16_t>(port);
}

}  // namespace

pulsar_broker& shared_pulsar_broker() {
  const char* suite = std::getenv("EVENTROUTER_TEST_PULSAR");
  if (suite == nullptr || *suite == '\0')
    return shared_broker<pulsar_broker>();
  static pulsar_broker attached = [&] {
    std::istringstream urls(suite);
    std::string web, binary;
    urls >> web >> binary;
    return pulsar_broker(port_of(web), port_of(binary));
  }();
  return attached;
}

}  // namespace eventrouter::testing
