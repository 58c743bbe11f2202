#pragma once
// The Redis stream commands eventrouter uses, over redis::client: appending batches, consumer
// groups, reading, reclaiming, acknowledging, and group lag. Replies are parsed here, so the
// actors above deal in entries and ids, not in RESP arrays.
//
// Connection failures throw redis::connection_error (from the client); an error reply from
// Redis throws redis::command_error naming the command.

#include "router/event.hpp"
#include "transports/redis/redis_client.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eventrouter::redis {

class command_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct stream_entry {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;
  bool deleted = false;  // still pending in the group, but trimmed from the stream
};

// XGROUP CREATE stream group start MKSTREAM; a group that exists already is left as it is.
void create_group(client& c, std::string_view stream, std::string_view group, std::string_view start_id);

// One XADD per event (MAXLEN ~ max_len), pipelined: all are sent before any reply is read.
// Returns the stream id of the first entry. Throws command_error if any XADD was refused, after
// reading every reply.
std::string append_events(client& c, std::string_view stream, std::size_t max_len,
                          const std::vector<keyed_event>& batch, config::topic_format format);

// XREADGROUP GROUP group consumer COUNT count [BLOCK ms] STREAMS stream from_id. from_id ">"
// reads new entries (waiting up to `block`, not at all when it is zero); any other id reads
// this consumer's own pending entries after it.
std::vector<stream_entry> read_group(client& c, std::string_view stream, std::string_view group,
                                     std::string_view consumer, std::string_view from_id, std::size_t count,
                                     std::chrono::milliseconds block);

// XREAD COUNT count [BLOCK ms] STREAMS stream after_id: entries after that id, without a
// consumer group (nothing is created or acknowledged: a reader that leaves no trace, as
// `eventrouter tail` is). Waits up to `block` for the first (not at all when it is zero); a
// stream that does not exist yet reads as empty.
std::vector<stream_entry> read_after(client& c, std::string_view stream, std::string_view after_id, std::size_t count,
                                     std::chrono::milliseconds block);

// XREVRANGE stream + - COUNT count: the last `count` entries, oldest first.
std::vector<stream_entry> last_entries(client& c, std::string_view stream, std::size_t count);

// XAUTOCLAIM: takes over entries pending longer than min_idle in the group, from any consumer.
struct claim_result {
  std::string next_cursor;  // "0-0" once the whole pending list was scanned
  std::vector<stream_entry> entries;
};
claim_result auto_claim(client& c, std::string_view stream, std::string_view group, std::string_view consumer,
                        std::chrono::milliseconds min_idle, std::string_view cursor, std::size_t count);

// XACK stream group id...
void acknowledge(client& c, std::string_view stream, std::string_view group, const std::vector<std::string>& ids);

// Entries of the stream the group has not read yet (XINFO GROUPS "lag"), when Redis knows it.
std::optional<std::uint64_t> group_lag(client& c, std::string_view stream, std::string_view group);

}  // namespace eventrouter::redis
