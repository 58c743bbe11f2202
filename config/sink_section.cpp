// consumers[].sink: which kind of sink, the keys every kind has (concurrency, ordered), and the
// keys of each kind: a topic sink's topic here, an http sink's in http_sink_section.cpp; log and
// route sinks have none of their own.

#include "config/sections.hpp"

namespace eventrouter::config {

namespace {

void read_topic_sink(object_reader& s, consumer_settings& c, const settings& out) {
  auto topic = s.string("topic", true);
  if (!topic)
    return;
  if (!out.topics.count(*topic))
    s.problems().add(s.path_of("topic"),
                     "names topic " + quoted(*topic) + ", which is neither in topics nor in producer_config");
  else if (*topic == c.topic)
    s.problems().add(s.path_of("topic"), "is the topic the consumer reads; expected another topic");
  c.sink.topic = *topic;
}

}  // namespace

void read_sink(object_reader& r, consumer_settings& c, const settings& out) {
  r.read_object("sink", [&](object_reader& s) {
    if (!s.find("type")) {
      s.problems().add(s.path_of("type"), "missing; expected \"log\", \"http\", \"topic\" or \"route\"");
      return;
    }
    auto type = s.choice<sink_kind>("type", {{"log", sink_kind::log}, {"http", sink_kind::http},
                                             {"topic", sink_kind::topic}, {"route", sink_kind::route}});
    if (!type)
      return;
    c.sink.type = *type;
    for (auto [key, kind] : {std::pair{"url", sink_kind::http}, {"timeout_ms", sink_kind::http},
                             {"headers", sink_kind::http}, {"batch", sink_kind::http},
                             {"topic", sink_kind::topic}})
      if (s.find(key) != nullptr && *type != kind)
        s.problems().add(s.path_of(key), "applies to sinks of type \"" + to_string(kind) + "\"");
    // An unbatched http sink holds a connection per event under way; the others nothing per event.
    auto concurrency = s.number("concurrency", 1, *type == sink_kind::http ? 1000 : 100000);
    if (auto ordered = s.boolean("ordered"))
      c.sink.ordered = *ordered;
    if (*type == sink_kind::http)
      read_http_sink(s, c.sink);
    c.sink.concurrency = concurrency ? *concurrency : default_concurrency(*type, c.sink.batch.has_value());
    // The consumer starts at most `concurrency` events at once, so no batch can hold more.
    if (c.sink.batch && c.sink.batch->max_events > c.sink.concurrency)
      s.problems().add(s.path_of("batch") + ".max_events",
                       "is " + std::to_string(c.sink.batch->max_events) + ", more than sink.concurrency (" +
                         std::to_string(c.sink.concurrency) +
                         "): a batch holds at most the events under way at once; expected a concurrency of at "
                         "least max_events (a multiple of it keeps several batches under way)");
    if (*type == sink_kind::topic)
      read_topic_sink(s, c, out);
  }, true);
}

}  // namespace eventrouter::config
