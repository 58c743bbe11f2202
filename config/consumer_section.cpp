// consumers[]: each consumer's topic, group, sink (sink_section.cpp), retries, restarts and the
// options of its group on a broker transport.

#include "config/sections.hpp"
#include "config/transports.hpp"
#include "config/wire_text.hpp"

#include <algorithm>
#include <set>

namespace eventrouter::config {

namespace {

void read_retry(object_reader& r, consumer_settings& c) {
  r.read_object("retry", [&](object_reader& retry) {
    if (auto n = retry.number("max_attempts", 1, 1000))
      c.retry.max_attempts = static_cast<unsigned>(*n);
    if (auto range = retry.millis_range("backoff_ms")) {
      c.retry.backoff_min = range->first;
      c.retry.backoff_max = range->second;
    }
  });
}

bool is_stream_id(std::string_view id) {
  auto dash = id.find('-');
  auto digits = [](std::string_view s) {
    return !s.empty() && s.size() <= 20 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(id.substr(0, dash)) && (dash == std::string_view::npos || digits(id.substr(dash + 1)));
}

// Where a new consumer group starts and when pending entries are taken over: options of the
// broker transports, refused on topics of others.
void read_group_options(object_reader& c, consumer_settings& consumer, const settings& out) {
  auto& problems = c.problems();
  auto topic = out.topics.find(consumer.topic);
  auto only_on = [&](std::string_view key) {
    if (topic == out.topics.end())
      return;  // reported already
    const auto& options = description_of(topic->second.transport).consumer_options;
    if (std::find(options.begin(), options.end(), key) != options.end())
      return;
    std::string which;
    for (const auto& t : transports())
      if (std::find(t.consumer_options.begin(), t.consumer_options.end(), key) != t.consumer_options.end())
        which += (which.empty() ? "" : " or ") + std::string(t.name);
    problems.add(c.path_of(key), "applies to topics on the " + which + " transport; topic \"" + consumer.topic +
                                   "\" is on " + to_string(topic->second.transport));
  };
  if (auto from_beginning = c.boolean("from_beginning")) {
    only_on("from_beginning");
    consumer.from_beginning = *from_beginning;
  }
  if (auto idle = c.millis("claim_idle_ms", 1, 86400000)) {
    only_on("claim_idle_ms");
    consumer.claim_idle = *idle;
  }
  if (auto id = c.string("last_read_id")) {
    only_on("last_read_id");
    if (!is_stream_id(*id))
      problems.add(c.path_of("last_read_id"), "is " + quoted(*id) + "; expected a stream id such as 1700000000000-0");
    else if (consumer.from_beginning.value_or(false))
      problems.add(c.path_of("last_read_id"), "contradicts from_beginning; expected one of them");
    consumer.last_read_id = *id;
  }
}

}  // namespace

void read_consumers(object_reader& r, settings& out) {
  auto& problems = r.problems();
  const auto* consumers = r.array("consumers");
  if (consumers == nullptr)
    return;
  std::set<std::string> names;
  for (std::size_t i = 0; i < consumers->size(); ++i) {
    auto path = index_path(r.path_of("consumers"), i);
    const auto& value = (*consumers)[i];
    if (!value.is_object()) {
      problems.add(path, "is " + kind_of(value) + "; expected a consumer object");
      continue;
    }
    object_reader c(value.get_object(), path, problems);
    consumer_settings consumer;
    if (auto name = c.string("name", true)) {
      if (name->empty())
        problems.add(c.path_of("name"), "is empty; expected a name for metrics and /v1/consumers");
      else if (auto control = find_control_character(*name))
        problems.add(c.path_of("name"), "holds " + *control + "; expected a name on one line, for metrics, logs and "
                                        "the Redis consumer name");
      else if (!names.insert(*name).second)
        problems.add(c.path_of("name"), quoted(*name) + " is used by an earlier consumer; expected a unique name");
      consumer.name = *name;
    }
    if (auto topic = c.string("topic", true)) {
      if (!out.topics.count(*topic))
        problems.add(c.path_of("topic"),
                     "names topic " + quoted(*topic) + ", which is neither in topics nor in producer_config");
      consumer.topic = *topic;
    }
    if (auto group = c.string("group_id", true)) {
      if (group->empty())
        problems.add(c.path_of("group_id"), "is empty; expected a consumer group name");
      else if (auto control = find_control_character(*group))
        problems.add(c.path_of("group_id"), "holds " + *control + "; expected a consumer group name on one line");
      consumer.group_id = *group;
    }
    read_sink(c, consumer, out);
    read_retry(c, consumer);
    if (auto n = c.number("consecutive_errors_limit", 1, 1000000))
      consumer.consecutive_errors_limit = static_cast<unsigned>(*n);
    if (auto n = c.number("batch_size", 1, 100000))
      consumer.batch_size = *n;
    if (auto n = c.number("window", 1, 100000))
      consumer.window = *n;
    if (auto key = c.string("event_key_field")) {
      check_key_path(*key, c.path_of("event_key_field"), problems);
      consumer.event_key_field = *key;
    }
    if (auto t = c.millis("poll_timeout_ms", 1, 600000))
      consumer.poll_timeout = *t;
    if (auto range = c.millis_range("restart_backoff_ms")) {
      consumer.restart_backoff_min = range->first;
      consumer.restart_backoff_max = range->second;
    }
    if (auto n = c.number("max_restarts", 1, 1000000))
      consumer.max_restarts = static_cast<unsigned>(*n);
    if (auto window = c.millis("restart_window_ms", 1, 86400000))
      consumer.restart_window = *window;
    read_group_options(c, consumer, out);
    if (auto dlq = c.string("dead_letter_topic")) {
      check_topic_name(*dlq, c.path_of("dead_letter_topic"), problems);
      if (*dlq == consumer.topic)
        problems.add(c.path_of("dead_letter_topic"), "is the topic the consumer reads; expected another topic");
      // A dead-letter topic named nowhere else is a topic of the default transport.
      out.topics.try_emplace(*dlq, topic_settings{*dlq, full_name(out.topic_prefix, *dlq), out.default_transport,
                                                  topic_format::json});
      consumer.dead_letter_topic = *dlq;
    }
    out.consumers.push_back(std::move(consumer));
  }
}

}  // namespace eventrouter::config
