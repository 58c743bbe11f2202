#include "replay.hpp"

#include "progress.hpp"

#include "actors/sink.hpp"
#include "actors/transport.hpp"

#include <algorithm>
#include <future>
#include <iostream>
#include <thread>

namespace eventrouter {

namespace {

using clock_type = std::chrono::steady_clock;

// How long the replay waits for the group to hand it partitions.
constexpr auto assignment_deadline = std::chrono::seconds(60);

// Delivers one event, retrying with the consumer's backoff up to its consecutive_errors_limit:
// the last failure, or nothing once delivered. The replay is a plain loop, not an actor: it
// waits for each answer.
std::optional<caf::error> deliver(sink& out, const config::consumer_settings& c, const std::string& topic,
                                  const keyed_event& item) {
  auto backoff = c.restart_backoff_min;
  for (unsigned failures = 1;; ++failures) {
    std::promise<delivery_result> answer;
    out.deliver(nullptr, {item, topic, c.name},
                [&answer](delivery_result result) { answer.set_value(std::move(result)); });
    auto delivered = answer.get_future().get();
    if (delivered)
      return std::nullopt;
    if (failures >= c.consecutive_errors_limit)
      return delivered.error();
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, c.restart_backoff_max);
  }
}

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
  try {
    auto access = topic_access_for(topic.transport, settings);
    auto replay = access ? access->replay(topic, c.group_id, {request.from_time, request.from_offset}) : nullptr;
    if (!replay) {
      std::cerr << "replay: consumer '" << c.name << "' reads topic '" << topic.name << "' on "
                << config::to_string(topic.transport) << ", which cannot move a consumer group back\n";
      return 2;
    }
    auto built = configured_sinks()(c);
    if (!built) {
      std::cerr << "replay: " << describe(built.error()) << "\n";
      return 1;
    }
    auto out = std::move(*built);
    progress shown("replay", "delivered");
    auto assigned_by = clock_type::now() + assignment_deadline;
    while (true) {
      auto page = replay->next(c.batch_size, c.poll_timeout);
      for (std::size_t i = 0; i < page.size(); ++i) {
        const auto& message = page[i];
        if (!message.item) {
          std::cerr << "replay: " << message.where << " passed over: " << message.problem << "\n";
          shown.malformed++;
          continue;
        }
        if (auto failure = deliver(*out, c, topic.full_name, *message.item)) {
          replay->done(i);
          std::cerr << "replay: stopped at " << message.where << " after " << c.consecutive_errors_limit
                    << " failures: " << describe(*failure) << "\n";
          return 1;
        }
        shown.done++;
      }
      replay->done(page.size());
      auto left = replay->left();
      shown.print(left);
      if (left && *left == 0 && page.empty())
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
