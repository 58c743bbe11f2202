#pragma once
// The memory transport's topic: an in-process, append-only log with consumer groups that
// behave like Redis Streams groups. Each group has its own cursor, so two groups each see
// every entry; consumers in one group share the entries. An entry handed to a consumer stays
// pending until acknowledged; a negative acknowledgement, or the consumer joining again after a
// restart, puts it back for redelivery. Not thread-safe: one topic actor owns each log.

#include "router/event.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace eventrouter {

class memory_log {
 public:
  struct entry {
    std::uint64_t offset;
    keyed_event item;
  };

  explicit memory_log(std::size_t max_len);

  // Appends the whole batch, or nothing when it would push out entries some group has not
  // acknowledged. Returns the offset of the first appended entry.
  std::optional<std::uint64_t> append(std::vector<keyed_event> batch);

  // Creates the group at the oldest retained entry unless it exists. Groups created before the
  // first append see every entry, as groups created by XGROUP CREATE at start-up do.
  void create_group(const std::string& group);

  // Creates the group like create_group if it is new, and hands every entry
  // pending for `consumer` back to the group, as a restarted consumer has not finished them.
  void join(const std::string& group, const std::string& consumer);

  // Forgets the group, so that what only it had not acknowledged can be trimmed: a group no
  // configured consumer reads any more must not hold the log full.
  void remove_group(const std::string& group);

  // Up to `max` entries for `consumer`: redeliveries first, then entries no one in the group
  // has seen. They stay pending for `consumer` until ack or nack.
  std::vector<entry> poll(const std::string& group, const std::string& consumer, std::size_t max);

  void ack(const std::string& group, const std::vector<std::uint64_t>& offsets);
  void nack(const std::string& group, const std::vector<std::uint64_t>& offsets);

  // Entries the group has not acknowledged (pending, waiting for redelivery or never read).
  std::uint64_t lag(const std::string& group) const;
  bool has_group(const std::string& group) const;
  std::size_t size() const { return entries_.size(); }
  std::uint64_t end_offset() const { return base_ + entries_.size(); }

 private:
  struct group_state {
    std::uint64_t next;                               // first entry never handed out
    std::map<std::uint64_t, std::string> pending;     // offset -> consumer holding it
    std::set<std::uint64_t> redeliver;                // given back, to hand out again
    std::uint64_t low_watermark() const;              // lowest offset not acknowledged
  };

  group_state& group(const std::string& name);
  void trim();

  std::size_t max_len_;
  std::uint64_t base_ = 0;  // offset of entries_.front()
  std::deque<keyed_event> entries_;
  std::unordered_map<std::string, group_state> groups_;
};

}  // namespace eventrouter
