#include "dlq_replay.hpp"

#include "progress.hpp"

#include "router/kafka_record.hpp"
#include "router/stream_entry.hpp"
#include "transports/kafka_consumer.hpp"
#include "transports/kafka_producer.hpp"
#include "transports/payload_decoders.hpp"
#include "transports/redis_streams.hpp"

#include <chrono>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <optional>

namespace eventrouter {

namespace {

using clock_type = std::chrono::steady_clock;
constexpr std::size_t page = 500;

// Writes a batch to the target topic; the error, if it refused.
using publisher = std::function<std::optional<std::string>(const std::vector<keyed_event>&)>;

publisher publisher_for(const config::settings& settings, const config::topic_settings& to) {
  switch (to.transport) {
    case config::transport_kind::redis: {
      auto client = std::make_shared<redis::client>(*settings.redis);
      return [client, to](const std::vector<keyed_event>& batch) -> std::optional<std::string> {
        try {
          client->ensure_connected();
          redis::append_events(*client, to.full_name, client->settings().stream_max_len, batch, to.format);
          return std::nullopt;
        } catch (const std::exception& e) {
          return std::string(e.what());
        }
      };
    }
    case config::transport_kind::kafka: {
      auto writer = std::make_shared<kafka::topic>(std::make_shared<kafka::producer>(*settings.kafka), to.full_name);
      return [writer, to](const std::vector<keyed_event>& batch) -> std::optional<std::string> {
        std::promise<std::string> done;
        writer->produce(batch, to.format, [&done](std::string error, std::string) { done.set_value(error); });
        auto error = done.get_future().get();
        return error.empty() ? std::nullopt : std::optional<std::string>(error);
      };
    }
    case config::transport_kind::memory:
      break;
  }
  return nullptr;
}

// The event as it was before it failed: without what the dead-letter topic added.
keyed_event restored(event_ptr dead, std::string key) {
  auto ev = std::make_shared<event>(*dead);
  std::erase_if(ev->extensions, [](const auto& x) { return x.first.rfind("dlq_", 0) == 0; });
  return {std::move(ev), std::move(key)};
}

int from_redis(const config::settings& settings, const config::topic_settings& from, const publisher& publish) {
  auto decoder = decoder_for(settings, from)();
  redis::client client(*settings.redis);
  client.connect();
  // What the stream holds now is moved; entries dead-lettered meanwhile wait for the next run.
  auto last = client.run({"XREVRANGE", from.full_name, "+", "-", "COUNT", "1"});
  if (last.elements.empty()) {
    std::cerr << "dlq replay: " << from.full_name << " is empty\n";
    return 0;
  }
  auto end = last.elements[0].elements[0].text;
  auto total = client.run({"XLEN", from.full_name}).integer;
  progress shown("dlq replay", "moved");
  std::string after = "-";
  while (true) {
    auto page_text = std::to_string(page);
    auto reply = client.run({"XRANGE", from.full_name, after, end, "COUNT", page_text});
    if (reply.is_error())
      throw std::runtime_error("XRANGE " + from.full_name + ": " + reply.text);
    if (reply.elements.empty())
      break;
    std::vector<keyed_event> batch;
    std::vector<std::string> ids;
    for (auto& entry : reply.elements) {
      std::vector<std::pair<std::string, std::string>> fields;
      auto& kv = entry.elements[1].elements;
      for (std::size_t i = 0; i + 1 < kv.size(); i += 2)
        fields.emplace_back(kv[i].text, kv[i + 1].text);
      ids.push_back(entry.elements[0].text);
      auto decoded = decode_stream_entry(fields, *decoder);
      if (auto* why = std::get_if<std::string>(&decoded)) {
        std::cerr << "dlq replay: entry " << ids.back() << " left in place: " << *why << "\n";
        shown.malformed++;
        ids.pop_back();
        continue;
      }
      batch.push_back(restored(std::get<event_ptr>(decoded), ""));
    }
    after = "(" + reply.elements.back().elements[0].text;  // exclusive: the next page starts after it
    if (auto error = publish(batch)) {
      std::cerr << "dlq replay: the target refused: " << *error << "\n";
      return 1;
    }
    if (!ids.empty()) {
      std::vector<std::string_view> args{"XDEL", from.full_name};
      args.insert(args.end(), ids.begin(), ids.end());
      client.run(args);
    }
    shown.done += batch.size();
    shown.print(total - static_cast<std::int64_t>(shown.done + shown.malformed));
  }
  shown.print(0, true);
  return 0;
}

int from_kafka(const config::settings& settings, const config::topic_settings& from, const publisher& publish) {
  auto decoder = decoder_for(settings, from)();
  kafka::consumer consumer(*settings.kafka, from.full_name, "eventrouter-dlq-replay", std::nullopt);
  progress shown("dlq replay", "moved");
  auto assigned_by = clock_type::now() + std::chrono::seconds(60);
  // What each partition holds when first assigned is moved, from the group's position to the
  // partition's end then; letters written meanwhile (the same events failing again, perhaps)
  // wait for the next run.
  std::map<std::pair<std::string, std::int32_t>, kafka::consumer::span> spans;
  auto left = [&] {
    std::int64_t n = 0;
    for (const auto& [where, s] : spans)
      n += std::max<std::int64_t>(0, s.end - s.start);
    return n;
  };
  while (true) {
    if (spans.empty()) {
      for (auto& s : consumer.assigned_spans())
        spans[{s.topic, s.partition}] = s;
      if (spans.empty() && clock_type::now() > assigned_by)
        throw std::runtime_error("the group assigned no partition within 60 s");
    }
    if (!spans.empty() && left() == 0)
      break;
    auto records = consumer.poll(page, std::chrono::milliseconds(500));
    std::vector<keyed_event> batch;
    std::vector<kafka::partition_offset> commits;
    for (auto& r : records) {
      auto span = spans.find({r.topic, r.partition});
      if (span == spans.end()) {
        // Assigned during this poll: its span is taken now, and this record is inside it.
        for (auto& p : consumer.assigned_spans())
          spans.try_emplace({p.topic, p.partition}, p);
        span = spans.find({r.topic, r.partition});
      }
      if (span == spans.end() || r.offset >= span->second.end)
        continue;  // written after the start: the next run's
      span->second.start = r.offset + 1;
      commits.push_back({r.topic, r.partition, r.offset + 1});
      auto decoded = decode_kafka_message(r.headers, r.key, r.value, *decoder);
      if (auto* why = std::get_if<std::string>(&decoded)) {
        std::cerr << "dlq replay: partition " << r.partition << " offset " << r.offset << " passed over: " << *why
                  << "\n";
        shown.malformed++;
        continue;
      }
      auto& letter = std::get<keyed_event>(decoded);
      batch.push_back(restored(std::move(letter.ev), std::move(letter.key)));
    }
    if (auto error = publish(batch)) {
      std::cerr << "dlq replay: the target refused: " << *error << "\n";
      return 1;
    }
    consumer.commit(commits, true);  // moved is moved: the next run must not move it again
    shown.done += batch.size();
    shown.print(spans.empty() ? std::nullopt : std::optional<std::int64_t>(left()));
  }
  shown.print(0, true);
  return 0;
}

}  // namespace

int run_dlq_replay(const config::settings& settings, const std::string& dead_letter_topic, const std::string& to_topic) {
  for (const auto& name : {dead_letter_topic, to_topic})
    if (!settings.topics.count(name)) {
      std::cerr << "dlq replay: no topic named '" << name << "' in the configuration\n";
      return 2;
    }
  const auto& from = settings.topics.at(dead_letter_topic);
  const auto& to = settings.topics.at(to_topic);
  if (from.transport == config::transport_kind::memory || to.transport == config::transport_kind::memory) {
    std::cerr << "dlq replay: memory topics live inside the service's process; dlq replay works on redis and "
                 "kafka topics\n";
    return 2;
  }
  try {
    auto publish = publisher_for(settings, to);
    return from.transport == config::transport_kind::redis ? from_redis(settings, from, publish)
                                                           : from_kafka(settings, from, publish);
  } catch (const std::exception& e) {
    std::cerr << "dlq replay: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace eventrouter
