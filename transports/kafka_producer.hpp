#pragma once
// The process's one Kafka producer, on librdkafka: idempotent (enable.idempotence=true,
// acks=all), so a retried send never duplicates or reorders within a partition. Producing
// never blocks: messages go to librdkafka's queue and a delivery thread of the producer's own
// serves delivery reports. A batch's completion function runs once, from that thread, when
// Kafka acknowledged every message of it or one failed for good.
//
// message.timeout.ms defaults to 20 s here (librdkafka's own default is 5 minutes), so that a
// broker that is down turns into a clear failure before the router's 30 s publish timeout.

#include "config/settings.hpp"
#include "router/event.hpp"

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

struct rd_kafka_s;

namespace eventrouter::kafka {

class producer {
 public:
  // Throws std::runtime_error with librdkafka's message when it cannot be created.
  explicit producer(const config::kafka_settings& settings);
  ~producer();  // waits up to 10 s for what is in flight; what remains completes as failed
  producer(const producer&) = delete;
  producer& operator=(const producer&) = delete;

  // `done` gets an empty error on success, else the first failure (naming the event), and where
  // the batch's first message went ("partition 0 offset 41"; empty if it failed).
  using completion = std::function<void(std::string error, std::string first_position)>;
  void produce(const std::string& topic, const std::vector<keyed_event>& batch, config::topic_format format,
               completion done);

 private:
  rd_kafka_s* handle_ = nullptr;
  std::atomic<bool> running_{true};
  std::thread delivery_thread_;
};

}  // namespace eventrouter::kafka
