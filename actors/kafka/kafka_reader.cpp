#include "actors/kafka/kafka_reader.hpp"

#include "actors/failure.hpp"
#include "actors/reader_meters.hpp"
#include "actors/service_log.hpp"
#include "transports/kafka/kafka_consumer.hpp"
#include "transports/ce_attributes.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace eventrouter {

namespace {

struct kafka_reader_state {
  kafka_reader_args args;
  std::unique_ptr<payload_decoder> decoder;
  std::unique_ptr<kafka::consumer> client;
  std::uint64_t next_offset = 0;
  std::unordered_map<std::uint64_t, kafka::partition_offset> in_flight;  // local offset -> where it came from
  std::set<std::pair<std::int32_t, std::int64_t>> malformed;            // reported once per incarnation
  reader_meters meters;

  // The client goes first: closing it leaves the group, and librdkafka calls on_revoked then,
  // which erases from in_flight. Members are destroyed in reverse order, so without this the
  // client would outlive in_flight and that call would touch a destroyed map.
  ~kafka_reader_state() { client.reset(); }
};

using kafka_reader_ptr = source_actor::stateful_pointer<kafka_reader_state>;

void open(kafka_reader_ptr self) {
  auto& st = self->state;
  if (st.client)
    return;
  std::optional<std::chrono::system_clock::time_point> start_at;
  if (!st.args.consumer.from_beginning.value_or(true))
    start_at = st.args.service_start;
  st.client = std::make_unique<kafka::consumer>(st.args.kafka, st.args.topic, st.args.consumer.group_id, start_at);
  // What was read from a partition that moves to another member is forgotten here: its acks
  // must not commit for a partition this member no longer owns.
  st.client->on_revoked = [self](const std::vector<kafka::partition_offset>& revoked) {
    std::erase_if(self->state.in_flight, [&](const auto& entry) {
      return std::any_of(revoked.begin(), revoked.end(), [&](const kafka::partition_offset& p) {
        return p.partition == entry.second.partition && p.topic == entry.second.topic;
      });
    });
  };
}

void report_malformed(kafka_reader_ptr self, const kafka::record& r, const std::string& why) {
  auto& st = self->state;
  if (!st.malformed.emplace(r.partition, r.offset).second)
    return;
  st.meters.malformed();
  log_line(log_level::error, "malformed message: " + why,
           {{"consumer", st.args.consumer.name},
            {"event_id", value_named(r.headers, "ce_id")},
            {"event_type", value_named(r.headers, "ce_type")},
            {"topic", r.topic},
            {"partition", std::to_string(r.partition)},
            {"offset", std::to_string(r.offset)},
            {"next", "passed over (counted as malformed); it stays in Kafka"}});
}

caf::result<log_entries> poll(kafka_reader_ptr self, std::size_t max, std::uint32_t timeout_ms) {
  auto& st = self->state;
  try {
    open(self);
    auto records = st.client->poll(max, std::chrono::milliseconds(timeout_ms));
    if (auto lag = st.client->lag())
      st.meters.lag(static_cast<std::uint64_t>(*lag));
    log_entries out;
    out.reserve(records.size());
    for (auto& r : records) {
      auto decoded = decode_ce_message(r.headers, r.key, r.value, *st.decoder, "header");
      if (auto* why = std::get_if<std::string>(&decoded)) {
        // Passed over: the commit after the next delivered event of its partition moves past it.
        report_malformed(self, r, *why);
        continue;
      }
      auto offset = st.next_offset++;
      st.in_flight.emplace(offset, kafka::partition_offset{r.topic, r.partition, r.offset});
      out.push_back({offset, std::move(std::get<keyed_event>(decoded))});
    }
    return out;
  } catch (const std::exception& e) {
    st.client.reset();  // a fresh member rejoins at the last commit
    st.in_flight.clear();
    return failure(errc::broker_error, "kafka topic '" + st.args.topic + "': " + e.what());
  }
}

// The entries these local offsets stand for, taken out of in_flight, by partition.
std::map<std::pair<std::string, std::int32_t>, std::vector<std::int64_t>> take(kafka_reader_state& st,
                                                                               const std::vector<std::uint64_t>& offsets) {
  std::map<std::pair<std::string, std::int32_t>, std::vector<std::int64_t>> out;
  for (auto offset : offsets) {
    auto it = st.in_flight.find(offset);
    if (it == st.in_flight.end())
      continue;  // revoked or read before a reconnect: it will be read again
    out[{it->second.topic, it->second.partition}].push_back(it->second.offset);
    st.in_flight.erase(it);
  }
  return out;
}

source_actor::behavior_type kafka_reader(kafka_reader_ptr self, kafka_reader_args args) {
  exit_on_exception(self, "the kafka reader of consumer '" + args.consumer.name + "'");
  auto& st = self->state;
  st.args = std::move(args);
  st.decoder = st.args.decoder();
  st.meters = reader_meters(*st.args.metrics, st.args.consumer.name, st.args.stats);
  return {
    [=](join_atom, const std::string&, const std::string&) {
      try {
        open(self);
      } catch (const std::exception& e) {
        // Not fatal: the first poll tries again.
        const auto& st = self->state;
        log_line(log_level::warn, std::string("joining the group failed: ") + e.what(),
                 {{"consumer", st.args.consumer.name},
                  {"topic", st.args.topic},
                  {"next", "the first poll tries again"}});
      }
      return true;
    },
    [=](poll_atom, const std::string&, const std::string&, std::size_t max, std::uint32_t timeout_ms) {
      return poll(self, max, timeout_ms);
    },
    [=](ack_atom, const std::string&, const std::vector<std::uint64_t>& offsets) {
      auto& st = self->state;
      std::vector<kafka::partition_offset> commits;
      for (auto& [where, done] : take(st, offsets))
        commits.push_back({where.first, where.second, *std::max_element(done.begin(), done.end()) + 1});
      if (st.client)
        st.client->commit(commits);
    },
    [=](nack_atom, const std::string&, const std::vector<std::uint64_t>& offsets) {
      auto& st = self->state;
      for (auto& [where, given_back] : take(st, offsets)) {
        auto first = *std::min_element(given_back.begin(), given_back.end());
        // Anything else read from this partition after it is read again too.
        std::erase_if(st.in_flight, [&](const auto& e) {
          return e.second.topic == where.first && e.second.partition == where.second && e.second.offset > first;
        });
        if (st.client)
          st.client->seek({where.first, where.second, first});
      }
    },
  };
}

}  // namespace

source_actor spawn_kafka_reader(caf::event_based_actor* consumer, kafka_reader_args args) {
  return consumer->spawn<caf::detached + caf::linked>(kafka_reader, std::move(args));
}

}  // namespace eventrouter
