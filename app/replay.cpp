#include "replay.hpp"

#include "progress.hpp"

#include "actors/sink.hpp"
#include "router/kafka_record.hpp"
#include "transports/kafka/kafka_consumer.hpp"
#include "transports/payload_decoders.hpp"

#include <algorithm>
#include <iostream>
#include <future>
#include <map>
#include <thread>

namespace eventrouter {

namespace {

using clock_type = std::chrono::steady_clock;

// How long the replay waits for the group to hand it partitions.
constexpr auto assignment_deadline = std::chrono::seconds(60);

}  // namespace

int run_replay(const config::settings& settings, const replay_request& request) {
  auto it = std::find_if(settings.consumers.begin(), settings.consumers.end(),
                         [&](const config::consumer_settings& c) { return c.name == request.consumer; });
  if (it == settings.consumers.end()) {
    std::cerr << "replay: no consumer named '" << request.consumer << "' in the configuration\n";
    return 2;
  }
  const auto& c = *it;
  const auto& topic = settings.topics.at(c.topic);
  if (c.sink.type == config::sink_kind::topic || c.sink.type == config::sink_kind::route) {
    std::cerr << "replay: consumer '" << c.name << "' has a " << config::to_string(c.sink.type)
              << " sink; replay delivers to log and http sinks\n";
    return 2;
  }
  if (topic.transport != config::transport_kind::kafka) {
    std::cerr << "replay: consumer '" << c.name << "' reads topic '" << topic.name << "' on "
              << config::to_string(topic.transport) << "; replay works on kafka topics\n";
    return 2;
  }
  try {
    auto decoder = decoder_for(settings, topic)();
    kafka::consumer consumer(*settings.kafka, topic.full_name, c.group_id, std::nullopt);
    if (request.from_time)
      consumer.replay_from(*request.from_time);
    else
      consumer.replay_from(*request.from_offset);
    auto built = configured_sinks()(c);
    if (!built) {
      std::cerr << "replay: " << describe(built.error()) << "\n";
      return 1;
    }
    auto out = std::move(*built);
    progress shown("replay", "delivered");
    auto assigned_by = clock_type::now() + assignment_deadline;
    while (true) {
      auto records = consumer.poll(c.batch_size, c.poll_timeout);
      std::map<std::pair<std::string, std::int32_t>, std::int64_t> next;
      for (const auto& r : records) {
        auto decoded = decode_kafka_message(r.headers, r.key, r.value, *decoder);
        if (auto* why = std::get_if<std::string>(&decoded)) {
          std::cerr << "replay: " << r.topic << " partition " << r.partition << " offset " << r.offset
                    << " passed over: " << *why << "\n";
          shown.malformed++;
        } else {
          auto backoff = c.restart_backoff_min;
          for (unsigned failures = 0;;) {
            // The replay is a plain loop, not an actor: it waits for each answer.
            std::promise<delivery_result> answer;
            out->deliver(nullptr, {std::get<keyed_event>(decoded), topic.full_name, c.name},
                         [&answer](delivery_result result) { answer.set_value(std::move(result)); });
            auto delivered = answer.get_future().get();
            if (delivered)
              break;
            if (++failures >= c.consecutive_errors_limit) {
              consumer.commit([&] {
                std::vector<kafka::partition_offset> done;
                for (const auto& [where, offset] : next)
                  done.push_back({where.first, where.second, offset});
                return done;
              }());
              std::cerr << "replay: stopped at " << r.topic << " partition " << r.partition << " offset " << r.offset
                        << " after " << failures << " failures: " << describe(delivered.error()) << "\n";
              return 1;
            }
            std::this_thread::sleep_for(backoff);  // the retry backoff, as the consumer's
            backoff = std::min(backoff * 2, c.restart_backoff_max);
          }
          shown.done++;
        }
        next[{r.topic, r.partition}] = r.offset + 1;
      }
      std::vector<kafka::partition_offset> commits;
      for (const auto& [where, offset] : next)
        commits.push_back({where.first, where.second, offset});
      consumer.commit(commits);
      auto left = consumer.remaining();
      shown.print(left);
      if (left && *left == 0 && records.empty())
        break;
      if (!left && clock_type::now() > assigned_by) {
        std::cerr << "replay: the group assigned no partition within 60 s\n";
        return 1;
      }
    }
    shown.print(0, true);
    std::cerr << "replay: caught up on " << topic.full_name << " for group " << c.group_id << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "replay: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace eventrouter
