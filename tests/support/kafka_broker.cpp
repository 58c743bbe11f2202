#include "kafka_broker.hpp"

#include "scratch_folder.hpp"

#include "redis_server.hpp"  // free_port()

#include <librdkafka/rdkafka.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#ifndef EVENTROUTER_BUILD_DIR
#error "EVENTROUTER_BUILD_DIR must name the build folder (tests/CMakeLists.txt defines it)"
#endif
#ifndef EVENTROUTER_KAFKA_POM
#error "EVENTROUTER_KAFKA_POM must name tests/kafka/pom.xml (tests/CMakeLists.txt defines it)"
#endif

namespace eventrouter::testing {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr auto fetch_timeout = 280s;     // mvn on a machine whose ~/.m2 is empty
constexpr auto lock_timeout = 290s;      // another process's fetch, a little longer
constexpr auto format_timeout = 120s;
constexpr auto ready_timeout = 90s;
constexpr auto stop_timeout = 30s;

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

// --- files -----------------------------------------------------------------------------------

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush())
    throw std::runtime_error("kafka_broker: cannot write " + path.string());
}

std::string last_lines(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n')
    --pos;
  for (std::size_t n = 0; n < lines && pos > 0; ++n) {
    auto nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) {
      pos = 0;
      break;
    }
    pos = nl;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

// mvn colours its output even with -B; the escapes make failure messages hard to read.
std::string without_ansi_escapes(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      i += 2;
      while (i < text.size() && !std::isalpha(static_cast<unsigned char>(text[i])))
        ++i;
      continue;
    }
    out += text[i];
  }
  return out;
}

std::string output_of(const service_process& p) {
  std::string text;
  for (const auto& l : p.stdout_lines())
    text += l + "\n";
  return without_ansi_escapes(text + p.stderr_text());
}

bool has_kafka_jar(const fs::path& folder) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    auto name = entry.path().filename().string();
    if (name.starts_with("kafka_2.13-") && name.ends_with(".jar"))
      return true;
  }
  return false;
}

// The cache holds what this pom names if it holds a copy of the pom (written last) and the broker.
bool up_to_date(const fs::path& folder, const std::string& pom_text) {
  return fs::exists(folder / "pom.xml") && read_file(folder / "pom.xml") == pom_text && has_kafka_jar(folder);
}

// An exclusive lock on a file, shared with other processes (and with scripts/kafka-broker,
// which takes the same lock with flock(1)); released when destroyed.
class file_lock {
 public:
  file_lock(const fs::path& path, std::chrono::milliseconds timeout) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw std::runtime_error("kafka_broker: cannot open " + path.string() + ": " + std::strerror(errno));
    auto deadline = std::chrono::steady_clock::now() + timeout;
    // flock has no timeout: another process's fetch is polled at a short interval until the deadline.
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        ::close(fd_);
        throw std::runtime_error("kafka_broker: flock " + path.string() + ": " + std::strerror(errno));
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        ::close(fd_);
        throw std::runtime_error("kafka_broker: timed out waiting for the lock " + path.string());
      }
      std::this_thread::sleep_for(100ms);
    }
  }
  ~file_lock() { ::close(fd_); }
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;

 private:
  int fd_ = -1;
};

fs::path jar_cache_folder() {
  const char* env = std::getenv("EVENTROUTER_KAFKA_JARS");
  fs::path folder = env && *env ? fs::path(env) : fs::path(EVENTROUTER_BUILD_DIR) / "kafka-jars";
  return fs::absolute(folder).lexically_normal();
}

fs::path fetch_jars() {
  const fs::path folder = jar_cache_folder();
  const fs::path pom = EVENTROUTER_KAFKA_POM;
  const std::string pom_text = read_file(pom);
  if (pom_text.empty())
    throw std::runtime_error("kafka_broker: cannot read " + pom.string());
  if (up_to_date(folder, pom_text))
    return folder;

  fs::create_directories(folder.parent_path());
  file_lock lock(folder.string() + ".lock", lock_timeout);
  if (up_to_date(folder, pom_text))  // another process fetched them while this one waited
    return folder;

  // Into a private folder first, renamed into place when complete: a reader never sees half a cache.
  const fs::path staging = folder.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(staging);
  service_process mvn("mvn", {"-q", "-B", "-f", pom.string(), "dependency:copy-dependencies",
                              "-DincludeScope=runtime", "-DoutputDirectory=" + staging.string()});
  auto status = mvn.wait_exit(fetch_timeout);
  if (status != 0) {
    if (!status)
      mvn.signal(SIGKILL);
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    throw std::runtime_error("kafka_broker: mvn could not fetch the Kafka jars (" +
                             (status ? "exit status " + std::to_string(*status) : std::string("timed out")) +
                             "):\n" + last_lines(output_of(mvn), 40));
  }
  if (!has_kafka_jar(staging))
    throw std::runtime_error("kafka_broker: mvn left no kafka_2.13 jar in " + staging.string());
  write_file(staging / "pom.xml", pom_text);
  fs::remove_all(folder);
  fs::rename(staging, folder);
  return folder;
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
  static std::mutex mutex;
  static std::optional<fs::path> fetched;
  std::lock_guard lock{mutex};
  if (!fetched)
    fetched = fetch_jars();
  return *fetched;
}

kafka_broker::kafka_broker() : port_(free_port()), controller_port_(free_port()) {
  while (controller_port_ == port_)
    controller_port_ = free_port();
  try {
    jars_ = jars();
    dir_ = scratch_folder("eventrouter-kafka-", port_);

    write_server_properties();
    write_file(dir_ / "log4j2.properties",
               "status = warn\n"
               "appender.file.type = File\n"
               "appender.file.name = file\n"
               "appender.file.fileName = " + (dir_ / "broker.log").string() + "\n"
               "appender.file.layout.type = PatternLayout\n"
               "appender.file.layout.pattern = [%d] %p %m (%c)%n\n"
               "rootLogger.level = info\n"
               "rootLogger.appenderRef.file.ref = file\n");

    service_process format("java", {"-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dlog4j2.configurationFile=" + (dir_ / "log4j2.properties").string(),
                                    "-cp", (jars_ / "*").string(), "kafka.tools.StorageTool", "format", "-t",
                                    random_cluster_id(), "-c", (dir_ / "server.properties").string()});
    auto status = format.wait_exit(format_timeout);
    if (status != 0) {
      if (!status)
        format.signal(SIGKILL);
      throw std::runtime_error("kafka_broker: formatting the storage failed (" +
                               (status ? "exit status " + std::to_string(*status) : std::string("timed out")) +
                               "):\n" + last_lines(output_of(format), 40));
    }
    for (int attempt = 1;; ++attempt) {
      try {
        start();
        break;
      } catch (const std::runtime_error& e) {
        // free_port() gives a port nothing listens on now; a test running beside this one may
        // bind it before the broker does. Then the broker starts over on new ports.
        if (attempt == 3 || std::string_view(e.what()).find("Address already in use") == std::string_view::npos)
          throw;
        port_ = free_port();
        do
          controller_port_ = free_port();
        while (controller_port_ == port_);
        write_server_properties();
      }
    }
  } catch (...) {
    stop();
    remove_scratch_folder(dir_);
    throw;
  }
}

void kafka_broker::write_server_properties() const {
  const std::string p = std::to_string(port_), c = std::to_string(controller_port_);
  write_file(dir_ / "server.properties",
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

kafka_broker::~kafka_broker() {
  try {
    stop();
  } catch (...) {
  }
  remove_scratch_folder(dir_);
}

void kafka_broker::start() {
  if (process_)
    return;
  // C1 only and the serial collector: starts about a second sooner on 2 cores, and a test's
  // load needs neither C2's throughput nor a parallel collector.
  std::vector<std::string> args{"-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                                "-Dlog4j2.configurationFile=" + (dir_ / "log4j2.properties").string(),
                                "-cp", (jars_ / "*").string(), "kafka.Kafka", (dir_ / "server.properties").string()};
  process_ = start_tied_server("java", std::move(args));
  try {
    wait_until_ready(ready_timeout);
  } catch (const std::exception& e) {
    std::string message = e.what() + std::string("\n--- the last lines of the broker's log:\n") + log_tail();
    if (process_->wait_exit(0ms))
      process_.reset();  // its exit is in the message already
    else
      stop();
    throw std::runtime_error(message);
  }
}

void kafka_broker::wait_until_ready(std::chrono::milliseconds timeout) {
  auto client = admin_client(bootstrap());
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto status = process_->wait_exit(0ms))
      throw std::runtime_error("kafka_broker: the broker exited with status " + std::to_string(*status) +
                               " before it was ready");
    // Blocks up to a second while the broker cannot be reached: this loop's polling interval.
    if (auto md = metadata(client.get(), 1s); md && md->broker_cnt > 0)
      return;
    if (std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error("kafka_broker: the broker at " + bootstrap() + " did not answer a metadata request within " +
                               std::to_string(timeout.count() / 1000) + " s");
    std::this_thread::sleep_for(50ms);  // when the request fails at once
  }
}

bool kafka_broker::running() const { return process_ && !process_->wait_exit(0ms); }

void kafka_broker::stop() {
  if (!process_)
    return;
  if (auto status = process_->wait_exit(0ms)) {
    // Not stopped by this harness: say so, with the reason, before the folder goes away.
    std::fprintf(stderr, "kafka_broker: the broker at %s had exited by itself (status %d); its log ends:\n%s\n",
                 bootstrap().c_str(), *status, log_tail(40).c_str());
    process_.reset();
    return;
  }
  process_->signal(SIGTERM);
  if (!process_->wait_exit(stop_timeout)) {
    process_->signal(SIGKILL);
    process_->wait_exit(10s);
  }
  process_.reset();
}

std::string kafka_broker::log_tail(std::size_t lines) const {
  std::string text = last_lines(read_file(dir_ / "broker.log"), lines);
  if (process_) {
    auto console = output_of(*process_);
    if (!console.empty())
      text += "--- printed by the broker:\n" + last_lines(console, 20);
  }
  return text;
}

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

kafka_broker& shared_kafka_broker() {
  static std::mutex mutex;
  static std::unique_ptr<kafka_broker> broker;  // destroyed, so stopped, at exit
  static std::exception_ptr failure;
  std::lock_guard lock{mutex};
  if (failure)
    std::rethrow_exception(failure);
  if (!broker) {
    try {
      broker = std::make_unique<kafka_broker>();
    } catch (...) {
      failure = std::current_exception();
      throw;
    }
  }
  return *broker;
}

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
