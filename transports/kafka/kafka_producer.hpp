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
#include <memory>
#include <string>
#include <thread>
#include <vector>

struct rd_kafka_s;
struct rd_kafka_topic_s;

namespace eventrouter::kafka {

class topic;

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

 private:
  friend class topic;
  void produce(rd_kafka_topic_s* to, const std::vector<keyed_event>& batch, config::topic_format format,
               completion done);

  rd_kafka_s* handle_ = nullptr;
  std::atomic<bool> running_{true};
  std::thread delivery_thread_;
};

// A topic the producer writes to, made when the topic is configured rather than at its first
// event: librdkafka looks up the partitions and leaders of a topic made this way at once (or
// with its first metadata request, when not yet connected), but those of a topic it first meets
// in a send only at its once-a-second scan, which held a new process's first event back by up
// to a second.
class topic {
 public:
  // Throws std::runtime_error with librdkafka's message when the topic cannot be made.
  topic(std::shared_ptr<producer> owner, const std::string& name);
  ~topic();
  topic(const topic&) = delete;
  topic& operator=(const topic&) = delete;

  void produce(const std::vector<keyed_event>& batch, config::topic_format format, producer::completion done) {
    owner_->produce(handle_, batch, format, std::move(done));
  }

 private:
  std::shared_ptr<producer> owner_;  // outlives the handle, which librdkafka ties to it
  rd_kafka_topic_s* handle_ = nullptr;
};

}  // namespace eventrouter::kafka
