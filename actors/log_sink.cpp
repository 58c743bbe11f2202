#include "actors/log_sink.hpp"

#include "router/cloudevents.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cerrno>
#include <cstring>

namespace eventrouter {

namespace {

void append_json_string(std::string& out, std::string_view s) {
  out += boost::json::serialize(boost::json::string(s));
}

}  // namespace

delivery_result log_sink::deliver_now(const delivery& d) {
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
  // One fwrite per line: stdio locks the stream per call, so lines from consumers on other
  // threads never interleave.
  if (std::fwrite(line.data(), 1, line.size(), out_) != line.size() || std::fflush(out_) != 0)
    return failure(errc::sink_failed, std::string("cannot write the log line: ") + std::strerror(errno));
  return {};
}

}  // namespace eventrouter
