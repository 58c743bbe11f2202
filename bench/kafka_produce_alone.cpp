// kafka_produce_alone: librdkafka alone producing the records eventrouter bridged, the baseline
// of bench/openedx_bridge --librdkafka.
//
//   kafka_produce_alone BOOTSTRAP FROM_TOPIC TO_TOPIC COUNT
//
// Reads the COUNT records of FROM_TOPIC (every partition from its start: a topic eventrouter
// wrote in the same run) into memory, untimed, so that it produces the very same records: key,
// value and headers byte for byte. Then, timed, from the creation of a producer with
// eventrouter's producer settings (its guarantees from config/kafka_guarantees.hpp, and the
// linger.ms and message.timeout.ms transports/kafka/kafka_producer.cpp sets) until the delivery report
// of the last record: it produces them all to TO_TOPIC, keys through the default partitioner as
// eventrouter's are. The clock starts at the producer, not at the process: start-up, which
// eventrouter's figure includes, is left out in the baseline's favour. Prints one JSON line:
// {"events", "seconds", "after_first"} (events/s from the first delivery report to the last).

#include "config/kafka_guarantees.hpp"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct record {
  std::string key;
  std::string value;
  rd_kafka_headers_t* headers = nullptr;  // handed to librdkafka by the produce call
};

[[noreturn]] void fail(const std::string& what) {
  std::cerr << "kafka_produce_alone: " << what << "\n";
  std::exit(1);
}

rd_kafka_conf_t* conf_with(const std::string& bootstrap,
                           const std::vector<std::pair<std::string, std::string>>& properties) {
  char error[512];
  auto* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : properties)
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK)
      fail(k + ": " + error);
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
  return conf;
}

std::vector<record> read_topic(const std::string& bootstrap, const std::string& topic, std::size_t count) {
  char error[512];
  auto* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf_with(bootstrap, {{"group.id", "kafka-produce-alone"}}),
                                error, sizeof error);
  if (consumer == nullptr)
    fail(error);
  const rd_kafka_metadata_t* metadata = nullptr;
  auto* handle = rd_kafka_topic_new(consumer, topic.c_str(), nullptr);
  if (rd_kafka_metadata(consumer, 0, handle, &metadata, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    fail("no metadata for " + topic);
  auto* partitions = rd_kafka_topic_partition_list_new(1);
  for (int p = 0; p < metadata->topics[0].partition_cnt; ++p)
    rd_kafka_topic_partition_list_add(partitions, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_metadata_destroy(metadata);
  rd_kafka_topic_destroy(handle);
  rd_kafka_assign(consumer, partitions);
  rd_kafka_topic_partition_list_destroy(partitions);
  std::vector<record> records;
  auto deadline = clock_type::now() + std::chrono::seconds(60);
  while (records.size() < count && clock_type::now() < deadline) {
    auto* m = rd_kafka_consumer_poll(consumer, 500);
    if (m == nullptr)
      continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      record r{std::string(static_cast<const char*>(m->key), m->key_len),
               std::string(static_cast<const char*>(m->payload), m->len)};
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR)
        r.headers = rd_kafka_headers_copy(headers);
      records.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  if (records.size() < count)
    fail("read " + std::to_string(records.size()) + " of " + std::to_string(count) + " records of " + topic);
  return records;
}

std::atomic<std::size_t> delivered{0};
std::atomic<std::size_t> failed{0};
clock_type::time_point first_report{}, last_report{};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: kafka_produce_alone BOOTSTRAP FROM_TOPIC TO_TOPIC COUNT\n";
    return 2;
  }
  std::string bootstrap = argv[1], to = argv[3];
  auto records = read_topic(bootstrap, argv[2], std::stoul(argv[4]));

  std::vector<std::pair<std::string, std::string>> properties;
  for (auto [k, v] : eventrouter::config::kafka_guarantees::producer)
    properties.emplace_back(k, v);
  // transports/kafka/kafka_producer.cpp's own defaults beside the guarantees.
  properties.insert(properties.end(), {{"message.timeout.ms", "20000"}, {"linger.ms", "5"}});
  auto* conf = conf_with(bootstrap, properties);
  // Delivery reports come on the thread that polls: this one.
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    last_report = clock_type::now();
    if (delivered + failed == 0)
      first_report = last_report;
    ++(m->err == RD_KAFKA_RESP_ERR_NO_ERROR ? delivered : failed);
  });
  char error[512];
  auto start = clock_type::now();
  auto* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (producer == nullptr)
    fail(error);
  for (auto& r : records) {
    while (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(to.c_str()), RD_KAFKA_V_KEY(r.key.data(), r.key.size()),
                             RD_KAFKA_V_VALUE(r.value.data(), r.value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_HEADERS(r.headers), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(producer, 10);
    rd_kafka_poll(producer, 0);
  }
  rd_kafka_flush(producer, 120000);
  auto seconds = std::chrono::duration<double>(last_report - start).count();
  rd_kafka_destroy(producer);
  if (delivered != records.size())
    fail(std::to_string(delivered) + " of " + std::to_string(records.size()) + " delivered, " +
         std::to_string(failed) + " failed");
  auto spread = std::chrono::duration<double>(last_report - first_report).count();
  std::printf("{\"events\": %zu, \"seconds\": %.6f, \"after_first\": %s}\n", records.size(), seconds,
              spread > 0 ? std::to_string(static_cast<double>(records.size() - 1) / spread).c_str() : "null");
}
