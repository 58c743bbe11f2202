#include "actors/redis/redis_reader.hpp"

#include "actors/failure.hpp"
#include "actors/reader_meters.hpp"
#include "actors/redis/redis_topic.hpp"
#include "actors/service_log.hpp"
#include "transports/redis/redis_streams.hpp"
#include "transports/redis/stream_entry.hpp"

#include <chrono>
#include <set>
#include <unordered_map>

namespace eventrouter {

namespace {

using clock_type = std::chrono::steady_clock;

// How often the group's lag is read for /metrics.
constexpr auto lag_interval = std::chrono::seconds(5);

struct redis_reader_state {
  redis_reader_args args;
  std::unique_ptr<payload_decoder> decoder;
  std::unique_ptr<redis::client> client;
  bool group_ready = false;  // the group was created on the current connection
  bool read_own_pending = true;
  std::string own_cursor = "0";
  std::string claim_cursor = "0-0";
  clock_type::time_point next_claim{};
  clock_type::time_point next_lag{};
  std::uint64_t next_offset = 0;
  std::unordered_map<std::uint64_t, std::string> in_flight;  // local offset -> stream id
  std::set<std::string> malformed;                            // reported once per incarnation
  reader_meters meters;
};

using redis_reader_ptr = source_actor::stateful_pointer<redis_reader_state>;

// Connects if needed; a new connection re-creates the group and re-reads own pending entries.
// Until the group was created on it (a Redis still loading its data refuses XGROUP CREATE),
// the connection is not ready, so a later poll tries again rather than skip the pending entries.
void ensure_ready(redis_reader_ptr self) {
  auto& st = self->state;
  if (st.client->ensure_connected())
    st.group_ready = false;
  if (st.group_ready)
    return;
  redis::create_group(*st.client, st.args.stream, st.args.consumer.group_id, start_id_of(st.args.consumer));
  st.group_ready = true;
  st.read_own_pending = true;
  st.own_cursor = "0";
}

void report_malformed(redis_reader_ptr self, const redis::stream_entry& e, const std::string& why) {
  auto& st = self->state;
  if (!st.malformed.insert(e.id).second)
    return;
  st.meters.malformed();
  log_line(log_level::error, "malformed entry: " + why,
           {{"consumer", st.args.consumer.name},
            {"event_id", value_named(e.fields, "id")},
            {"event_type", value_named(e.fields, "type")},
            {"topic", st.args.stream},
            {"stream_id", e.id},
            {"next", "left pending, not acknowledged (counted as malformed)"}});
}

log_entries to_log_entries(redis_reader_ptr self, std::vector<redis::stream_entry>&& entries) {
  auto& st = self->state;
  log_entries out;
  out.reserve(entries.size());
  for (auto& e : entries) {
    if (e.deleted) {
      report_malformed(self, e, "the entry was trimmed from the stream (stream_max_len) before it was acknowledged");
      continue;
    }
    auto decoded = decode_stream_entry(e.fields, *st.decoder);
    if (auto* why = std::get_if<std::string>(&decoded)) {
      report_malformed(self, e, *why);
      continue;
    }
    auto offset = st.next_offset++;
    st.in_flight.emplace(offset, std::move(e.id));
    out.push_back({offset, {std::move(std::get<event_ptr>(decoded)), ""}});
  }
  return out;
}

// Own pending entries, from the cursor on; known-malformed ones are passed over.
std::vector<redis::stream_entry> read_own_pending(redis_reader_ptr self, std::size_t max) {
  auto& st = self->state;
  const auto& c = st.args.consumer;
  auto entries = redis::read_group(*st.client, st.args.stream, c.group_id, c.name, st.own_cursor, max,
                                   std::chrono::milliseconds(0));
  if (entries.empty()) {
    st.read_own_pending = false;
    return {};
  }
  st.own_cursor = entries.back().id;
  std::erase_if(entries, [&](const redis::stream_entry& e) { return st.malformed.count(e.id) != 0; });
  return entries;
}

void update_lag(redis_reader_ptr self) {
  auto& st = self->state;
  auto now = clock_type::now();
  if (now < st.next_lag)
    return;
  st.next_lag = now + lag_interval;
  if (auto lag = redis::group_lag(*st.client, st.args.stream, st.args.consumer.group_id))
    st.meters.lag(*lag);
}

caf::result<log_entries> poll(redis_reader_ptr self, std::size_t max, std::uint32_t timeout_ms) {
  auto& st = self->state;
  const auto& c = st.args.consumer;
  try {
    ensure_ready(self);
    update_lag(self);
    while (st.read_own_pending) {
      auto own = read_own_pending(self, max);
      if (!own.empty())
        return to_log_entries(self, std::move(own));
    }
    auto now = clock_type::now();
    if (now >= st.next_claim) {
      auto claimed = redis::auto_claim(*st.client, st.args.stream, c.group_id, c.name, c.claim_idle,
                                       st.claim_cursor, max);
      st.claim_cursor = claimed.next_cursor;
      // A finished scan waits half the idle time; an unfinished one goes on at the next poll.
      if (st.claim_cursor == "0-0")
        st.next_claim = now + c.claim_idle / 2;
      std::erase_if(claimed.entries, [&](const redis::stream_entry& e) { return st.malformed.count(e.id) != 0; });
      if (!claimed.entries.empty())
        return to_log_entries(self, std::move(claimed.entries));
    }
    auto fresh = redis::read_group(*st.client, st.args.stream, c.group_id, c.name, ">", max,
                                   std::chrono::milliseconds(timeout_ms));
    return to_log_entries(self, std::move(fresh));
  } catch (const redis::connection_error& e) {
    st.in_flight.clear();  // whatever was read stays pending and is read again once connected
    return failure(errc::broker_unreachable, e.what());
  } catch (const std::exception& e) {
    return failure(errc::broker_error, "stream " + st.args.stream + ": " + e.what());
  }
}

source_actor::behavior_type redis_reader(redis_reader_ptr self, redis_reader_args args) {
  exit_on_exception(self, "the redis reader of consumer '" + args.consumer.name + "'");
  auto& st = self->state;
  st.args = std::move(args);
  st.decoder = st.args.decoder();
  st.client = std::make_unique<redis::client>(st.args.redis);
  st.meters = reader_meters(*st.args.metrics, st.args.consumer.name, st.args.stats);
  return {
    [=](join_atom, const std::string&, const std::string&) -> caf::result<bool> {
      try {
        ensure_ready(self);
      } catch (const std::exception& e) {
        // Not fatal: the first poll connects again after the backoff.
        const auto& st = self->state;
        log_line(log_level::warn, std::string("joining the group failed: ") + e.what(),
                 {{"consumer", st.args.consumer.name},
                  {"topic", st.args.stream},
                  {"next", "the first poll connects again"}});
      }
      return true;
    },
    [=](poll_atom, const std::string&, const std::string&, std::size_t max, std::uint32_t timeout_ms) {
      return poll(self, max, timeout_ms);
    },
    [=](ack_atom, const std::string&, const std::vector<std::uint64_t>& offsets) {
      auto& st = self->state;
      auto ids = take_in_flight(st.in_flight, offsets);
      try {
        redis::acknowledge(*st.client, st.args.stream, st.args.consumer.group_id, ids);
      } catch (const std::exception& e) {
        // Unacknowledged entries stay pending and are delivered again: at least once.
        log_line(log_level::warn, std::string("XACK failed: ") + e.what(),
                 {{"consumer", st.args.consumer.name},
                  {"topic", st.args.stream},
                  {"next", "the entries stay pending and are delivered again"}});
      }
    },
    [=](nack_atom, const std::string&, const std::vector<std::uint64_t>& offsets) {
      auto& st = self->state;
      auto ids = take_in_flight(st.in_flight, offsets);
      if (ids.empty())
        return;
      // Given back entries are still pending for this consumer: read them again from there.
      st.read_own_pending = true;
      st.own_cursor = "0";
    },
  };
}

}  // namespace

source_actor spawn_redis_reader(caf::event_based_actor* consumer, redis_reader_args args) {
  return consumer->spawn<caf::detached + caf::linked>(redis_reader, std::move(args));
}

}  // namespace eventrouter
