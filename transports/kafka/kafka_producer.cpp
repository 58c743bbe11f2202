#include "transports/kafka/kafka_producer.hpp"

#include "config/kafka_guarantees.hpp"
#include "router/event_data.hpp"
#include "transports/kafka/kafka_conf.hpp"
#include "transports/ce_attributes.hpp"

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace eventrouter::kafka {

namespace {

// One produce() call, until its last delivery report.
struct pending_batch {
  std::atomic<std::size_t> remaining;
  std::string first_error;     // under `mutex`
  std::string first_position;  // written by the first message's report, read by the last report
  std::mutex mutex;
  producer::completion done;

  pending_batch(std::size_t n, producer::completion f) : remaining(n), done(std::move(f)) {}

  // Called once per message; the last call completes the batch and frees it.
  static void settle(pending_batch* batch, std::size_t messages, const std::string& error) {
    if (!error.empty()) {
      std::lock_guard lock{batch->mutex};
      if (batch->first_error.empty())
        batch->first_error = error;
    }
    if (batch->remaining.fetch_sub(messages) == messages) {  // acq_rel: sees what the others wrote
      batch->done(std::move(batch->first_error), std::move(batch->first_position));
      delete batch;
    }
  }
};

// A message's opaque is its batch, with the lowest bit set for the batch's first message, whose
// report says where the batch starts: one pointer per message, nothing allocated per message.
void* opaque_of(pending_batch* batch, bool first) {
  static_assert(alignof(pending_batch) > 1);
  return reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(batch) | (first ? 1U : 0U));
}

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto tagged = reinterpret_cast<std::uintptr_t>(message->_private);
  auto* batch = reinterpret_cast<pending_batch*>(tagged & ~std::uintptr_t{1});
  std::string error;
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR)
    error = std::string("kafka topic '") + rd_kafka_topic_name(message->rkt) + "': " + rd_kafka_err2str(message->err);
  else if ((tagged & 1U) != 0)
    batch->first_position =
      "partition " + std::to_string(message->partition) + " offset " + std::to_string(message->offset);
  pending_batch::settle(batch, 1, error);
}

}  // namespace

producer::producer(const config::kafka_settings& settings) {
  std::vector<std::pair<std::string, std::string>> own(config::kafka_guarantees::producer.begin(),
                                                       config::kafka_guarantees::producer.end());
  own.insert(own.end(), {{"message.timeout.ms", "20000"}, {"linger.ms", "5"}});
  // The operator's message.timeout.ms or linger.ms wins: make_conf sets theirs after ours.
  auto* conf = make_conf(settings, own);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  char error[512];
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (handle_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create the Kafka producer: ") + error);
  }
  delivery_thread_ = std::thread([this] {
    while (running_.load(std::memory_order_relaxed))
      rd_kafka_poll(handle_, 100);
  });
}

producer::~producer() {
  rd_kafka_flush(handle_, 10000);
  // Whatever did not make it completes as failed: nobody is left waiting in vain.
  rd_kafka_purge(handle_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(handle_, 0);
  running_ = false;
  delivery_thread_.join();
  rd_kafka_destroy(handle_);
}

void producer::produce(rd_kafka_topic_t* to, const std::vector<keyed_event>& batch, config::topic_format format,
                       completion done) {
  const char* topic = rd_kafka_topic_name(to);
  if (batch.empty())
    return done("", "");
  auto* pending = new pending_batch(batch.size(), std::move(done));
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& item = batch[i];
    std::string value;
    try {
      value = wire_value(item, format);
    } catch (const std::invalid_argument& e) {
      pending_batch::settle(pending, batch.size() - i, std::string("kafka topic '") + topic + "': " + e.what());
      return;
    }
    auto key = wire_key(item);
    rd_kafka_headers_t* headers = rd_kafka_headers_new(10);
    for (const auto& [name, text] : ce_attributes(*item.ev, format))
      rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), text.data(),
                          static_cast<ssize_t>(text.size()));
    auto err = rd_kafka_producev(handle_, RD_KAFKA_V_RKT(to),
                                 RD_KAFKA_V_KEY(key.data(), key.size()),
                                 RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(opaque_of(pending, i == 0)),
                                 RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Not queued (queue full, unknown partition...): this and the rest fail now; those queued
      // before still get their delivery reports.
      rd_kafka_headers_destroy(headers);
      pending_batch::settle(pending, batch.size() - i,
                            std::string("kafka topic '") + topic + "': cannot queue event '" + item.ev->id + "': " +
                              rd_kafka_err2str(err));
      return;
    }
  }
}

topic::topic(std::shared_ptr<producer> owner, const std::string& name) : owner_(std::move(owner)) {
  handle_ = rd_kafka_topic_new(owner_->handle_, name.c_str(), nullptr);
  if (handle_ == nullptr)
    throw std::runtime_error("cannot make Kafka topic '" + name + "': " + rd_kafka_err2str(rd_kafka_last_error()));
}

topic::~topic() { rd_kafka_topic_destroy(handle_); }

}  // namespace eventrouter::kafka
