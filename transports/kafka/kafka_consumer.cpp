#include "transports/kafka/kafka_consumer.hpp"

#include "config/kafka_guarantees.hpp"
#include "transports/kafka/kafka_conf.hpp"

#include <librdkafka/rdkafka.h>

#include <boost/json.hpp>

#include <algorithm>
#include <memory>
#include <random>
#include <sstream>

namespace eventrouter::kafka {

namespace {

using partition_list = std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)>;

partition_list to_list(const std::vector<partition_offset>& offsets) {
  partition_list list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())),
                      rd_kafka_topic_partition_list_destroy);
  for (const auto& p : offsets)
    rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition)->offset = p.offset;
  return list;
}

std::vector<partition_offset> from_list(const rd_kafka_topic_partition_list_t* list) {
  std::vector<partition_offset> out;
  for (int i = 0; i < list->cnt; ++i)
    out.push_back({list->elems[i].topic, list->elems[i].partition, list->elems[i].offset});
  return out;
}

// The message's fields copied out, so that it can be destroyed at once.
record to_record(const rd_kafka_message_t* message) {
  record r;
  r.topic = rd_kafka_topic_name(message->rkt);
  r.partition = message->partition;
  r.offset = message->offset;
  if (message->key != nullptr)
    r.key.assign(static_cast<const char*>(message->key), message->key_len);
  if (message->payload != nullptr)
    r.value.assign(static_cast<const char*>(message->payload), message->len);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i)
      r.headers.emplace_back(name, value == nullptr ? std::string() : std::string(static_cast<const char*>(value), size));
  }
  return r;
}

// Up to `max` messages of the consumer queue as records: waits up to `wait` for the first, then
// takes what has arrived. Throws consumer_error on a fatal error.
std::vector<record> poll_records(rd_kafka_t* handle, std::size_t max, std::chrono::milliseconds wait) {
  std::vector<record> out;
  auto timeout = static_cast<int>(wait.count());
  while (out.size() < max) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(handle, out.empty() ? timeout : 0);
    if (message == nullptr)
      break;
    std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> owned(message, rd_kafka_message_destroy);
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      char reason[512];
      if (rd_kafka_fatal_error(handle, reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR)
        throw consumer_error(std::string("kafka consumer failed: ") + reason);
      continue;  // transient (broker down, rebalance in progress): librdkafka retries by itself
    }
    out.push_back(to_record(message));
  }
  return out;
}

}  // namespace

// Partitions without a committed offset start at the first message written at or after
// `start_at`; the others resume at their commit. Returns those starting positions, to be
// committed at once: a crash before the first delivery then resumes there, not at the
// restarted service's later start time.
partition_list start_new_partitions_at(rd_kafka_t* handle, rd_kafka_topic_partition_list_t* partitions,
                                       std::chrono::system_clock::time_point start_at) {
  constexpr int timeout_ms = 10000;
  partition_list fresh(rd_kafka_topic_partition_list_new(partitions->cnt), rd_kafka_topic_partition_list_destroy);
  partition_list committed(rd_kafka_topic_partition_list_copy(partitions), rd_kafka_topic_partition_list_destroy);
  if (rd_kafka_committed(handle, committed.get(), timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return fresh;  // unknown: auto.offset.reset=earliest then errs on the side of redelivery
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(start_at.time_since_epoch()).count();
  for (int i = 0; i < committed->cnt; ++i)
    if (committed->elems[i].offset < 0)
      rd_kafka_topic_partition_list_add(fresh.get(), committed->elems[i].topic, committed->elems[i].partition)->offset =
        millis;
  if (fresh->cnt == 0 || rd_kafka_offsets_for_times(handle, fresh.get(), timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fresh->cnt = 0;
    return fresh;
  }
  for (int i = 0; i < fresh->cnt; ++i) {
    auto& p = fresh->elems[i];
    if (p.offset < 0) {  // nothing written since start_at: start at the end
      std::int64_t low = 0, high = 0;
      if (rd_kafka_query_watermark_offsets(handle, p.topic, p.partition, &low, &high, timeout_ms) !=
          RD_KAFKA_RESP_ERR_NO_ERROR)
        continue;  // left to auto.offset.reset=earliest
      p.offset = high;
    }
    rd_kafka_topic_partition_list_find(partitions, p.topic, p.partition)->offset = p.offset;
  }
  return fresh;
}

struct consumer_callbacks {
  static void rebalance(rd_kafka_t* handle, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                        void* opaque);
  static int statistics(rd_kafka_t* handle, char* json, std::size_t length, void* opaque);
  static partition_list replay_positions(consumer* self, rd_kafka_t* handle, rd_kafka_topic_partition_list_t* partitions);
};

consumer::consumer(const config::kafka_settings& settings, const std::string& topic, const std::string& group_id,
                   std::optional<std::chrono::system_clock::time_point> start_at)
    : topic_(topic), start_at_(start_at) {
  rd_kafka_conf_t* conf = nullptr;
  try {
    std::vector<std::pair<std::string, std::string>> own(config::kafka_guarantees::consumer.begin(),
                                                         config::kafka_guarantees::consumer.end());
    own.insert(own.end(),
               {{"group.id", group_id}, {"auto.offset.reset", "earliest"}, {"statistics.interval.ms", "5000"}});
    conf = make_conf(settings, own);
  } catch (const std::invalid_argument& e) {
    throw consumer_error(e.what());
  }
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_rebalance_cb(conf, &consumer_callbacks::rebalance);
  rd_kafka_conf_set_stats_cb(conf, &consumer_callbacks::statistics);
  char error[512];
  handle_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  if (handle_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw consumer_error(std::string("cannot create the Kafka consumer: ") + error);
  }
  rd_kafka_poll_set_consumer(handle_);
  auto subscription = to_list({{topic, RD_KAFKA_PARTITION_UA, 0}});
  if (auto err = rd_kafka_subscribe(handle_, subscription.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_destroy(handle_);
    throw consumer_error("cannot subscribe to " + topic + ": " + rd_kafka_err2str(err));
  }
}

consumer::~consumer() {
  rd_kafka_consumer_close(handle_);
  rd_kafka_destroy(handle_);
}

partition_list consumer_callbacks::replay_positions(consumer* self, rd_kafka_t* handle,
                                                    rd_kafka_topic_partition_list_t* partitions) {
  constexpr int timeout_ms = 10000;
  partition_list moved(rd_kafka_topic_partition_list_new(partitions->cnt), rd_kafka_topic_partition_list_destroy);
  for (int i = 0; i < partitions->cnt; ++i) {
    auto& p = partitions->elems[i];
    std::pair<std::string, std::int32_t> id{p.topic, p.partition};
    if (std::find(self->replayed_.begin(), self->replayed_.end(), id) != self->replayed_.end())
      continue;
    self->replayed_.push_back(id);
    rd_kafka_topic_partition_list_add(moved.get(), p.topic, p.partition)->offset =
      self->replay_offset_ ? *self->replay_offset_ : *self->replay_time_ms_;
  }
  if (self->replay_time_ms_ && moved->cnt > 0 &&
      rd_kafka_offsets_for_times(handle, moved.get(), timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // No exception through librdkafka's C frames: the next poll reports it.
    self->failure_ = "cannot find the offsets for the replay time";
    moved->cnt = 0;
    return moved;
  }
  for (int i = 0; i < moved->cnt; ++i) {
    auto& p = moved->elems[i];
    if (p.offset < 0) {  // nothing since that time: the end
      std::int64_t low = 0, high = 0;
      rd_kafka_query_watermark_offsets(handle, p.topic, p.partition, &low, &high, timeout_ms);
      p.offset = high;
    }
    rd_kafka_topic_partition_list_find(partitions, p.topic, p.partition)->offset = p.offset;
  }
  return moved;
}

void consumer_callbacks::rebalance(rd_kafka_t* handle, rd_kafka_resp_err_t err,
                                   rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<consumer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    partition_list starts(rd_kafka_topic_partition_list_new(0), rd_kafka_topic_partition_list_destroy);
    if (self->replay_time_ms_ || self->replay_offset_)
      starts = replay_positions(self, handle, partitions);
    else if (self->start_at_)
      starts = start_new_partitions_at(handle, partitions, *self->start_at_);
    rd_kafka_error_destroy(rd_kafka_incremental_assign(handle, partitions));
    if (starts->cnt > 0)
      rd_kafka_commit(handle, starts.get(), 1);
    return;
  }
  // Revoked (or lost): the caller forgets what it read there before the partitions go.
  if (self->on_revoked)
    self->on_revoked(from_list(partitions));
  rd_kafka_error_destroy(rd_kafka_incremental_unassign(handle, partitions));
}

int consumer_callbacks::statistics(rd_kafka_t*, char* json, std::size_t length, void* opaque) {
  auto* self = static_cast<consumer*>(opaque);
  boost::json::error_code ec;
  auto stats = boost::json::parse(std::string_view(json, length), ec);
  if (ec)
    return 0;
  const auto* partitions = stats.find_pointer("/topics/" + self->topic_ + "/partitions", ec);
  if (partitions == nullptr || !partitions->is_object())
    return 0;
  std::int64_t lag = 0;
  for (const auto& [id, p] : partitions->get_object()) {
    const auto* value = p.is_object() ? p.get_object().if_contains("consumer_lag") : nullptr;
    if (id != "-1" && value != nullptr && value->is_int64() && value->get_int64() > 0)
      lag += value->get_int64();
  }
  self->lag_ = lag;
  return 0;  // librdkafka frees the JSON
}

std::vector<record> consumer::poll(std::size_t max, std::chrono::milliseconds wait) {
  if (!failure_.empty())
    throw consumer_error(failure_);
  return poll_records(handle_, max, wait);
}

void consumer::replay_from(std::chrono::system_clock::time_point from) {
  replay_time_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(from.time_since_epoch()).count();
}

void consumer::replay_from(std::int64_t offset) { replay_offset_ = offset; }

std::optional<std::int64_t> consumer::remaining() const {
  rd_kafka_topic_partition_list_t* assigned = nullptr;
  if (rd_kafka_assignment(handle_, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return std::nullopt;
  partition_list owned(assigned, rd_kafka_topic_partition_list_destroy);
  if (owned->cnt == 0)
    return std::nullopt;
  rd_kafka_position(handle_, owned.get());
  std::int64_t left = 0;
  for (int i = 0; i < owned->cnt; ++i) {
    std::int64_t low = 0, high = 0;
    const auto& p = owned->elems[i];
    if (rd_kafka_get_watermark_offsets(handle_, p.topic, p.partition, &low, &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0)
      return std::nullopt;  // not known yet
    left += high - (p.offset >= 0 ? p.offset : low);
  }
  return left;
}

// Moves newly assigned partitions, once each, to the replay position; returns the positions.
std::vector<consumer::span> consumer::assigned_spans() const {
  std::vector<span> out;
  rd_kafka_topic_partition_list_t* assigned = nullptr;
  if (rd_kafka_assignment(handle_, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return out;
  partition_list owned(assigned, rd_kafka_topic_partition_list_destroy);
  if (owned->cnt == 0 || rd_kafka_committed(handle_, owned.get(), 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return out;
  for (int i = 0; i < owned->cnt; ++i) {
    std::int64_t low = 0, high = 0;
    const auto& p = owned->elems[i];
    if (rd_kafka_query_watermark_offsets(handle_, p.topic, p.partition, &low, &high, 10000) !=
        RD_KAFKA_RESP_ERR_NO_ERROR)
      return {};
    out.push_back({p.topic, p.partition, p.offset >= 0 ? p.offset : low, high});
  }
  return out;
}

void consumer::commit(const std::vector<partition_offset>& next_offsets, bool wait) {
  if (next_offsets.empty())
    return;
  auto list = to_list(next_offsets);
  rd_kafka_commit(handle_, list.get(), wait ? 0 : 1);
}

void consumer::seek(const partition_offset& to) {
  auto list = to_list({to});
  if (auto* error = rd_kafka_seek_partitions(handle_, list.get(), 5000))
    rd_kafka_error_destroy(error);
}

namespace {

std::string throwaway_group_id() {
  std::random_device entropy;
  std::ostringstream id;
  id << "eventrouter-tail-" << std::hex << entropy() << entropy();
  return id.str();
}

// The partitions of `topic`, from the cluster's metadata.
std::vector<std::int32_t> partitions_of(rd_kafka_t* handle, const std::string& topic) {
  constexpr int timeout_ms = 10000;
  std::unique_ptr<rd_kafka_topic_t, decltype(&rd_kafka_topic_destroy)> named(
    rd_kafka_topic_new(handle, topic.c_str(), nullptr), rd_kafka_topic_destroy);
  const rd_kafka_metadata_t* metadata = nullptr;
  if (auto err = rd_kafka_metadata(handle, 0, named.get(), &metadata, timeout_ms); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw consumer_error("cannot read the metadata of " + topic + ": " + rd_kafka_err2str(err));
  std::unique_ptr<const rd_kafka_metadata_t, decltype(&rd_kafka_metadata_destroy)> owned(metadata,
                                                                                        rd_kafka_metadata_destroy);
  if (metadata->topic_cnt != 1)
    throw consumer_error("Kafka has no topic " + topic);
  if (auto err = metadata->topics[0].err; err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw consumer_error("Kafka has no topic " + topic + ": " + rd_kafka_err2str(err));
  std::vector<std::int32_t> out;
  for (int i = 0; i < metadata->topics[0].partition_cnt; ++i)
    out.push_back(metadata->topics[0].partitions[i].id);
  return out;
}

// Where to start reading one partition: asked of the brokers now, not left to librdkafka's
// logical offsets (resolved later, when fetching starts), so that nothing written after the
// reader was made is missed.
std::int64_t start_offset(rd_kafka_t* handle, const std::string& topic, std::int32_t partition,
                          topic_reader::start from) {
  if (from.where == topic_reader::start::from::beginning)
    return RD_KAFKA_OFFSET_BEGINNING;
  std::int64_t low = 0, high = 0;
  if (auto err = rd_kafka_query_watermark_offsets(handle, topic.c_str(), partition, &low, &high, 10000);
      err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw consumer_error("cannot find the end of " + topic + " partition " + std::to_string(partition) + ": " +
                         rd_kafka_err2str(err));
  return from.where == topic_reader::start::from::end ? high : std::max(low, high - from.last);
}

}  // namespace

topic_reader::topic_reader(const config::kafka_settings& settings, const std::string& topic, start from) {
  rd_kafka_conf_t* conf = nullptr;
  try {
    conf = make_conf(settings, {{"group.id", throwaway_group_id()},
                                {"enable.auto.commit", "false"},
                                {"enable.auto.offset.store", "false"},
                                {"auto.offset.reset", "earliest"}});
  } catch (const std::invalid_argument& e) {
    throw consumer_error(e.what());
  }
  char error[512];
  handle_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  if (handle_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw consumer_error(std::string("cannot create the Kafka consumer: ") + error);
  }
  try {
    rd_kafka_poll_set_consumer(handle_);
    std::vector<partition_offset> starts;
    for (auto partition : partitions_of(handle_, topic))
      starts.push_back({topic, partition, start_offset(handle_, topic, partition, from)});
    if (auto err = rd_kafka_assign(handle_, to_list(starts).get()); err != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw consumer_error("cannot assign the partitions of " + topic + ": " + rd_kafka_err2str(err));
  } catch (...) {
    rd_kafka_destroy(handle_);
    throw;
  }
}

topic_reader::~topic_reader() {
  rd_kafka_consumer_close(handle_);  // nothing to leave or commit: it only stops the fetchers
  rd_kafka_destroy(handle_);
}

std::vector<record> topic_reader::poll(std::size_t max, std::chrono::milliseconds wait) {
  return poll_records(handle_, max, wait);
}

}  // namespace eventrouter::kafka
