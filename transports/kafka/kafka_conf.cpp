#include "transports/kafka/kafka_conf.hpp"

#include <atomic>
#include <memory>
#include <stdexcept>

namespace eventrouter::kafka {

namespace {

std::atomic<log_handler> installed_handler{nullptr};

void forward_log(const rd_kafka_t* client, int level, const char* facility, const char* message) {
  if (auto handler = installed_handler.load(std::memory_order_acquire))
    handler(level, std::string(rd_kafka_name(client)) + " " + facility + ": " + message);
}

}  // namespace

void set_log_handler(log_handler handler) { installed_handler.store(handler, std::memory_order_release); }

rd_kafka_conf_t* make_conf(const config::kafka_settings& settings,
                           const std::vector<std::pair<std::string, std::string>>& own) {
  std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> conf(rd_kafka_conf_new(), rd_kafka_conf_destroy);
  char error[512];
  auto set = [&](const std::string& name, const std::string& value) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK)
      throw std::invalid_argument("librdkafka property " + name + ": " + error);
  };
  set("bootstrap.servers", settings.bootstrap_servers);
  set("client.id", "eventrouter");
  for (const auto& [name, value] : own)
    set(name, value);
  for (const auto& [name, value] : settings.properties)
    set(name, value);
  if (installed_handler.load(std::memory_order_acquire) != nullptr)
    rd_kafka_conf_set_log_cb(conf.get(), forward_log);
  return conf.release();
}

}  // namespace eventrouter::kafka
