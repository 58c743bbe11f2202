#pragma once
// One member of a Kafka consumer group, on librdkafka, used from one thread (a detached
// actor). Offsets are committed only when told (enable.auto.commit=false and
// enable.auto.offset.store=false): the caller commits what its sink delivered.
//
// Rebalancing is cooperative (cooperative-sticky, incremental assign): a rebalance moves only
// the partitions that must move, and the others keep being consumed without a pause. Revoked
// partitions are reported to `on_revoked`, so that the caller drops what it read from them
// and never commits for a partition it no longer owns.

#include "config/settings.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

struct rd_kafka_s;

namespace eventrouter::kafka {

struct record {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct partition_offset {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;  // commit: the next offset to read; seek: the offset to read next
};

class consumer_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class consumer {
 public:
  // Joins `group_id` on `topic`. A partition the group has no committed offset for starts at
  // the first message written at or after `start_at` (the time the service started, so that no
  // event accepted since is skipped), or at its beginning when start_at is empty. An offset
  // out of range starts over at the beginning. Throws consumer_error.
  consumer(const config::kafka_settings& settings, const std::string& topic, const std::string& group_id,
           std::optional<std::chrono::system_clock::time_point> start_at);
  ~consumer();  // leaves the group
  consumer(const consumer&) = delete;
  consumer& operator=(const consumer&) = delete;

  // Up to `max` records: waits up to `wait` for the first, then takes what has arrived.
  // Throws consumer_error on a fatal error.
  std::vector<record> poll(std::size_t max, std::chrono::milliseconds wait);

  void commit(const std::vector<partition_offset>& next_offsets, bool wait = false);  // asynchronous unless wait
  void seek(const partition_offset& to);                           // read from there again

  // Messages of the topic the group has not read, from librdkafka's statistics (every 5 s).
  std::optional<std::int64_t> lag() const { return lag_; }

  // Replay: each partition, when first assigned to this member, starts at the first message
  // written at or after `from` (or at offset `from`), whatever the group committed, and that
  // position is committed at once. Call before the first poll.
  void replay_from(std::chrono::system_clock::time_point from);
  void replay_from(std::int64_t offset);

  // Messages between this member's positions and the ends of its partitions, from the
  // watermarks librdkafka last saw; nullopt before the first assignment.
  std::optional<std::int64_t> remaining() const;

  // For each partition assigned to this member now, asked of the brokers: where the group
  // resumes (its commit, or the partition's start without one) and where the partition ends.
  // Empty before the first assignment.
  struct span {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t start = 0;
    std::int64_t end = 0;
  };
  std::vector<span> assigned_spans() const;

  std::function<void(const std::vector<partition_offset>& revoked)> on_revoked;

 private:
  friend struct consumer_callbacks;  // librdkafka's rebalance and statistics callbacks

  rd_kafka_s* handle_ = nullptr;
  std::string topic_;
  std::optional<std::chrono::system_clock::time_point> start_at_;
  std::optional<std::int64_t> replay_time_ms_;
  std::optional<std::int64_t> replay_offset_;
  std::vector<std::pair<std::string, std::int32_t>> replayed_;  // partitions already moved
  std::string failure_;  // set inside a librdkafka callback, thrown by the next poll
  std::optional<std::int64_t> lag_;
};

// Reads every partition of one topic without being in any consumer group, for `eventrouter
// tail`: partitions are assigned directly (never subscribed) at positions of its own, and nothing
// is committed, so the brokers keep no trace of it: no group member, no offsets. (librdkafka
// needs a group.id to assign partitions at all; it gets a throwaway eventrouter-tail-<random>
// that is never joined and under which nothing is committed, so it never becomes a group on the
// brokers.) Used from one thread.
class topic_reader {
 public:
  struct start {
    enum class from { end, beginning, last } where = from::end;
    std::int64_t last = 0;  // with from::last: this many messages back from each partition's end
  };

  // Finds the topic's partitions and where to start in each (at once, so that what is written
  // after the constructor returns is read). Throws consumer_error, also when the cluster has
  // no such topic.
  topic_reader(const config::kafka_settings& settings, const std::string& topic, start from);
  ~topic_reader();
  topic_reader(const topic_reader&) = delete;
  topic_reader& operator=(const topic_reader&) = delete;

  // As consumer::poll.
  std::vector<record> poll(std::size_t max, std::chrono::milliseconds wait);

 private:
  rd_kafka_s* handle_ = nullptr;
};

}  // namespace eventrouter::kafka
