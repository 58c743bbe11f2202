#include "kafka_broker.hpp"

#include "jvm_broker.hpp"
#include "scratch_folder.hpp"

#include "redis_server.hpp"  // free_port()

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#ifndef EVENTROUTER_KAFKA_POM
#error "EVENTROUTER_KAFKA_POM must name tests/kafka/pom.xml (tests/CMakeLists.txt defines it)"
#endif

namespace eventrouter::testing {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr auto format_timeout = 120s;
constexpr auto ready_timeout = 90s;

// --- small RAII wrappers around librdkafka's C API -------------------------------------------

struct rk_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
  void operator()(rd_kafka_event_t* ev) const { rd_kafka_event_destroy(ev); }
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
  void operator()(const rd_kafka_group_list* g) const { rd_kafka_group_list_destroy(g); }
};
template <class T>
using rk_ptr = std::unique_ptr<T, rk_deleter>;

// A client handle for set-up and checks: quiet (the broker may not listen yet) and quick to
// reconnect, so readiness is seen as soon as it comes.
rk_ptr<rd_kafka_t> admin_client(const std::string& bootstrap) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::pair<const char*, std::string> settings[] = {
    {"bootstrap.servers", bootstrap},
    {"reconnect.backoff.ms", "20"},
    {"reconnect.backoff.max.ms", "200"},
    {"log_level", "0"},
  };
  for (const auto& [key, value] : settings)
    if (rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error(std::string("kafka_broker: ") + key + ": " + err);
    }
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int, const char*, void*) {});
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);  // takes conf
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("kafka_broker: rd_kafka_new: ") + err);
  }
  return rk_ptr<rd_kafka_t>(rk);
}

// The metadata of every topic, or nullptr if the broker does not answer within `timeout`.
rk_ptr<const rd_kafka_metadata_t> metadata(rd_kafka_t* rk, std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 1, nullptr, &md, static_cast<int>(timeout.count())) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return nullptr;
  return rk_ptr<const rd_kafka_metadata_t>(md);
}

// A cluster id in Kafka's form: 16 random bytes, URL-safe base64 without padding; Kafka's own
// ids never start with '-' (it would read as a command-line option).
std::string random_cluster_id() {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device random;
  for (;;) {
    std::array<unsigned char, 16> bytes;
    for (auto& b : bytes)
      b = static_cast<unsigned char>(random());
    std::string id;
    std::uint32_t bits = 0;
    int count = 0;
    for (auto b : bytes) {
      bits = (bits << 8) | b;
      count += 8;
      while (count >= 6) {
        id += alphabet[(bits >> (count - 6)) & 0x3f];
        count -= 6;
      }
    }
    if (count > 0)
      id += alphabet[(bits << (6 - count)) & 0x3f];
    if (id.front() != '-')
      return id;
  }
}

}  // namespace

// --- kafka_broker ----------------------------------------------------------------------------

fs::path kafka_broker::jars() {
  return fetch_broker_jars({"kafka", "EVENTROUTER_KAFKA_JARS", EVENTROUTER_KAFKA_POM, "kafka_2.13-"});
}

// On a failure, ~jvm_broker stops what started and removes the folder.
kafka_broker::kafka_broker() : jvm_broker("kafka_broker"), port_(free_port()), controller_port_(free_port()) {
  while (controller_port_ == port_)
    controller_port_ = free_port();
  jars_ = jars();
  dir_ = scratch_folder("eventrouter-kafka-", port_);

  write_server_properties();
  write_log4j2_properties(dir_);

  service_process format("java", {"-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dlog4j2.configurationFile=" + (dir_ / "log4j2.properties").string(),
                                  "-cp", (jars_ / "*").string(), "kafka.tools.StorageTool", "format", "-t",
                                  random_cluster_id(), "-c", (dir_ / "server.properties").string()});
  auto status = format.wait_exit(format_timeout);
  if (status != 0) {
    if (!status)
      format.signal(SIGKILL);
    throw std::runtime_error("kafka_broker: formatting the storage failed (" +
                             (status ? "exit status " + std::to_string(*status) : std::string("timed out")) +
                             "):\n" + last_lines(console_output(format), 40));
  }
  // A port taken meanwhile: the broker starts over on new ones (its storage does not name them).
  start_on_free_ports([this] { start(); },
                      [this] {
                        port_ = free_port();
                        do
                          controller_port_ = free_port();
                        while (controller_port_ == port_);
                        write_server_properties();
                      });
}

void kafka_broker::write_server_properties() const {
  const std::string p = std::to_string(port_), c = std::to_string(controller_port_);
  write_text_file(dir_ / "server.properties",
             "process.roles=broker,controller\n"
             "node.id=1\n"
             "controller.quorum.voters=1@127.0.0.1:" + c + "\n"
             "listeners=PLAINTEXT://127.0.0.1:" + p + ",CONTROLLER://127.0.0.1:" + c + "\n"
             "advertised.listeners=PLAINTEXT://127.0.0.1:" + p + "\n"
             "controller.listener.names=CONTROLLER\n"
             "inter.broker.listener.name=PLAINTEXT\n"
             "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n"
             "log.dirs=" + (dir_ / "data").string() + "\n"
             "num.partitions=3\n"
             "auto.create.topics.enable=true\n"
             "group.initial.rebalance.delay.ms=0\n"
             "offsets.topic.replication.factor=1\n"
             "offsets.topic.num.partitions=1\n"
             "transaction.state.log.replication.factor=1\n"
             "transaction.state.log.min.isr=1\n"
             "transaction.state.log.num.partitions=1\n"
             "share.coordinator.state.topic.replication.factor=1\n"
             "share.coordinator.state.topic.min.isr=1\n");
}

void kafka_broker::start() {
  // C1 only and the serial collector: starts about a second sooner on 2 cores, and a test's
  // load needs neither C2's throughput nor a parallel collector.
  std::vector<std::string> args{"-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                                "-Dlog4j2.configurationFile=" + (dir_ / "log4j2.properties").string(),
                                "-cp", (jars_ / "*").string(), "kafka.Kafka", (dir_ / "server.properties").string()};
  start_jvm(std::move(args), [this] { wait_until_ready(ready_timeout); });
}

void kafka_broker::wait_until_ready(std::chrono::milliseconds timeout) {
  auto client = admin_client(bootstrap());
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    throw_if_exited();
    // Blocks up to a second while the broker cannot be reached: this loop's polling interval.
    if (auto md = metadata(client.get(), 1s); md && md->broker_cnt > 0)
      return;
    if (std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("kafka_broker: the broker at " + bootstrap() + " did not answer a metadata request within " +
                               std::to_string(timeout.count() / 1000) + " s");
    std::this_thread::sleep_for(50ms);  // when the request fails at once
  }
}

void kafka_broker::stop() { stop_jvm(); }

void kafka_broker::create_topic(const std::string& name, int partitions, std::chrono::milliseconds timeout) const {
  auto client = admin_client(bootstrap());
  char err[512];
  rk_ptr<rd_kafka_NewTopic_t> topic(rd_kafka_NewTopic_new(name.c_str(), partitions, 1, err, sizeof err));
  if (!topic)
    throw std::runtime_error("kafka_broker: topic " + name + ": " + err);
  rk_ptr<rd_kafka_AdminOptions_t> options(rd_kafka_AdminOptions_new(client.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
  const int ms = static_cast<int>(timeout.count());
  if (rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, err, sizeof err) ||
      rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, err, sizeof err))
    throw std::runtime_error(std::string("kafka_broker: admin options: ") + err);
  rk_ptr<rd_kafka_queue_t> queue(rd_kafka_queue_new(client.get()));
  rd_kafka_NewTopic_t* topics[] = {topic.get()};
  rd_kafka_CreateTopics(client.get(), topics, 1, options.get(), queue.get());

  auto deadline = std::chrono::steady_clock::now() + timeout;
  rk_ptr<rd_kafka_event_t> event(rd_kafka_queue_poll(queue.get(), ms + 5000));
  if (!event)
    throw std::runtime_error("kafka_broker: no answer to creating topic " + name);
  if (rd_kafka_event_error(event.get()))
    throw std::runtime_error("kafka_broker: creating topic " + name + ": " + rd_kafka_event_error_string(event.get()));
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  if (!result)
    throw std::runtime_error(std::string("kafka_broker: creating topic ") + name + ": unexpected event " +
                             rd_kafka_event_name(event.get()));
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (std::size_t i = 0; i < count; ++i)
    if (rd_kafka_topic_result_error(results[i]))
      throw std::runtime_error("kafka_broker: creating topic " + name + ": " +
                               (rd_kafka_topic_result_error_string(results[i])
                                  ? rd_kafka_topic_result_error_string(results[i])
                                  : rd_kafka_err2str(rd_kafka_topic_result_error(results[i]))));

  // Created in the controller; usable once the broker's metadata has a leader for every partition.
  for (;;) {
    if (auto md = metadata(client.get(), 1s)) {
      for (int t = 0; t < md->topic_cnt; ++t) {
        const auto& tm = md->topics[t];
        if (name != tm.topic || tm.err || tm.partition_cnt != partitions)
          continue;
        if (std::all_of(tm.partitions, tm.partitions + tm.partition_cnt,
                        [](const rd_kafka_metadata_partition_t& p) { return p.err == 0 && p.leader >= 0; }))
          return;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("kafka_broker: topic " + name + " was created but has no leader for every partition");
    std::this_thread::sleep_for(50ms);  // the polling interval
  }
}

std::vector<std::string> kafka_broker::consumer_groups() const {
  auto client = admin_client(bootstrap());
  const rd_kafka_group_list* list = nullptr;
  if (auto err = rd_kafka_list_groups(client.get(), nullptr, &list, 10000); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error(std::string("kafka_broker: listing groups: ") + rd_kafka_err2str(err));
  rk_ptr<const rd_kafka_group_list> owned(list);
  std::vector<std::string> out;
  for (int i = 0; i < list->group_cnt; ++i)
    out.emplace_back(list->groups[i].group);
  return out;
}

kafka_broker& shared_kafka_broker() { return shared_broker<kafka_broker>(); }

std::vector<std::string> kcat_messages(const std::string& topic) {
  std::vector<std::string> out;
  std::istringstream lines(command_output("kcat -b " + shared_kafka_broker().bootstrap() + " -C -t " + topic +
                                          " -o beginning -e -q -f '%k|%h|%s\\n' 2>/dev/null"));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty())
      out.push_back(line);
  return out;
}

}  // namespace eventrouter::testing
