#include "actors/log_sink.hpp"

#include "router/cloudevents.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <memory>

namespace eventrouter {

namespace {

void append_json_string(std::string& out, std::string_view s) {
  out += boost::json::serialize(boost::json::string(s));
}

}  // namespace

void log_sink::deliver(caf::event_based_actor*, const delivery& d, delivery_done done) {
  std::string line;
  line.reserve(256);
  line += "{\"consumer\":";
  append_json_string(line, d.consumer);
  line += ",\"topic\":";
  append_json_string(line, d.topic);
  line += ",\"key\":";
  append_json_string(line, d.item.key);
  line += ",\"event\":";
  append_json(line, *d.item.ev);
  line += "}\n";
  auto answer = std::make_shared<delivery_done>(std::move(done));
  auto queued = out_.write(std::move(line), [answer](std::optional<std::string> error) {
    (*answer)(error ? delivery_result{failure(errc::sink_failed, std::move(*error))} : delivery_result{});
  });
  if (!queued)
    (*answer)(failure(errc::sink_failed, "stdout is not keeping up: " + std::to_string(out_.max_queued_bytes() >> 20) +
                                           " MiB of log lines wait to be written"));
}

}  // namespace eventrouter
