#pragma once
// A topic on a broker as the commands that run beside the service use it: `eventrouter tail`
// follows it and leaves no trace, `dlq replay` moves what it holds to another topic, `replay`
// reads it again for a consumer group. Each broker
// transport implements this beside its clients (transports/<name>/<name>_topic_access); the
// memory transport has none, as its topics live inside the service's process.

#include "config/settings.hpp"
#include "router/event.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace eventrouter {

// What one read gave: the events decoded, and each message that could not be, in a sentence
// naming where it is (a stream id, a partition and offset) and what became of it.
struct topic_read {
  std::vector<keyed_event> events;
  std::vector<std::string> problems;
  bool failed = false;  // the broker could not be read: wait a moment before reading again
};

// Where following a topic starts.
struct follow_start {
  enum class from { end, beginning, last };
  from at = from::end;
  std::uint64_t last = 0;  // with from::last
};

// Reads a topic as it is written, joining no consumer group and acknowledging nothing.
class topic_follower {
 public:
  virtual ~topic_follower() = default;
  // Fixes where to start — from then on nothing written is missed — and returns the events the
  // start asks for (follow_start::from::last). Throws when the broker cannot be reached.
  virtual topic_read start() = 0;
  // What was written since the last read, waiting up to `wait` for it. A broker lost meanwhile
  // reads as failed, and is read again from where the last read stopped.
  virtual topic_read next(std::chrono::milliseconds wait) = 0;
};

// Moves what a topic holds when the move starts, a page at a time; what is written meanwhile
// waits for the next move.
class topic_drain {
 public:
  virtual ~topic_drain() = default;
  // The next page, or nothing once all the topic held at the start was read. Throws when the
  // broker cannot be read.
  virtual std::optional<topic_read> next_page() = 0;
  // The page read last is in its new place: take it off this topic for good.
  virtual void moved() = 0;
  // Messages still to move, when known.
  virtual std::optional<std::int64_t> left() const = 0;
};

// Where a replay starts: a time, or the same position on every partition.
struct replay_start {
  std::optional<std::chrono::system_clock::time_point> time;
  std::optional<std::int64_t> position;
};

// One message a replay read: its event, or why it cannot be read; `where` names it.
struct replayed_message {
  std::optional<keyed_event> item;
  std::string where;
  std::string problem;
};

// A topic read again for a consumer group, whose position was moved back to a replay_start.
class group_replay {
 public:
  virtual ~group_replay() = default;
  // The next messages, up to `max`, waiting up to `wait` for them. Throws when the broker fails.
  virtual std::vector<replayed_message> next(std::size_t max, std::chrono::milliseconds wait) = 0;
  // The first `n` messages of the last read are done with: the group's position moves past them.
  virtual void done(std::size_t n) = 0;
  // Messages between the group's position and the end, once the group holds partitions.
  virtual std::optional<std::int64_t> left() const = 0;
};

// Writes a batch to a topic and waits for the broker's answer: its refusal, if it refused.
using topic_writer = std::function<std::optional<std::string>(const std::vector<keyed_event>&)>;

class topic_access {
 public:
  virtual ~topic_access() = default;
  virtual std::unique_ptr<topic_follower> follow(const config::topic_settings& topic, follow_start start) = 0;
  virtual std::unique_ptr<topic_drain> drain(const config::topic_settings& topic) = 0;
  virtual topic_writer writer(const config::topic_settings& topic) = 0;
  // Moves `group` of `topic` back to `from`; none where the transport cannot (the caller says so).
  virtual std::unique_ptr<group_replay> replay(const config::topic_settings&, const std::string& /*group*/,
                                               replay_start) {
    return nullptr;
  }
  // What following from the last N events counts: "events", or on Kafka "events of each partition".
  virtual std::string last_counts() const { return "events"; }
};

}  // namespace eventrouter
