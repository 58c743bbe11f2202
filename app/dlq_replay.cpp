#include "dlq_replay.hpp"

#include "progress.hpp"

#include "actors/transport.hpp"

#include <iostream>

namespace eventrouter {

namespace {

// The event as it was before it failed: without what the dead-letter topic added.
keyed_event restored(const keyed_event& dead) {
  auto ev = std::make_shared<event>(*dead.ev);
  std::erase_if(ev->extensions, [](const auto& x) { return x.first.rfind("dlq_", 0) == 0; });
  return {std::move(ev), dead.key};
}

int move(topic_drain& from, const topic_writer& to) {
  progress shown("dlq replay", "moved");
  while (auto page = from.next_page()) {
    for (const auto& problem : page->problems)
      std::cerr << "dlq replay: " << problem << "\n";
    shown.malformed += page->problems.size();
    std::vector<keyed_event> batch;
    batch.reserve(page->events.size());
    for (const auto& letter : page->events)
      batch.push_back(restored(letter));
    if (!batch.empty())
      if (auto error = to(batch)) {
        std::cerr << "dlq replay: the target refused: " << *error << "\n";
        return 1;
      }
    from.moved();
    shown.done += batch.size();
    shown.print(from.left());
  }
  shown.print(0, true);
  return 0;
}

}  // namespace

int run_dlq_replay(const config::settings& settings, const std::string& dead_letter_topic,
                   const std::string& to_topic) {
  for (const auto& name : {dead_letter_topic, to_topic})
    if (!settings.topics.count(name)) {
      std::cerr << "dlq replay: no topic named '" << name << "' in the configuration\n";
      return 2;
    }
  const auto& from = settings.topics.at(dead_letter_topic);
  const auto& to = settings.topics.at(to_topic);
  auto from_access = topic_access_for(from.transport, settings);
  auto to_access = topic_access_for(to.transport, settings);
  if (!from_access || !to_access) {
    const auto& inside = from_access ? to : from;
    std::cerr << "dlq replay: topic '" << inside.name << "' is on the " << config::to_string(inside.transport)
              << " transport, whose topics live inside the service's process and cannot be reached from here\n";
    return 2;
  }
  try {
    auto writer = to_access->writer(to);
    return move(*from_access->drain(from), writer);
  } catch (const std::exception& e) {
    std::cerr << "dlq replay: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace eventrouter
