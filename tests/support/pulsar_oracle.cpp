#include "pulsar_oracle.hpp"

#include "service_process.hpp"

#include <boost/beast/core/detail/base64.hpp>
#include <boost/json.hpp>

#include <cctype>
#include <cstdio>
#include <mutex>
#include <stdexcept>

#ifndef EVENTROUTER_OPENEDX_PYTHON
#error "EVENTROUTER_OPENEDX_PYTHON must name scripts/openedx-python (tests/CMakeLists.txt defines it)"
#endif
#ifndef EVENTROUTER_PULSAR_ORACLE
#error "EVENTROUTER_PULSAR_ORACLE must name tests/support/pulsar_oracle.py (tests/CMakeLists.txt defines it)"
#endif

namespace eventrouter::testing {

using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// Making the venv from nothing (pip, about 50 packages) within ctest's 300 s for a test.
constexpr auto venv_timeout = 240s;
// The Python process's own start (the interpreter, the client library) on top of the request's
// timeout, which the script keeps itself.
constexpr auto process_overhead = 30s;

// Makes the venv once per process if it is missing or stale, so that the requests' own time
// limits do not have to allow for it.
void ensure_venv() {
  static std::once_flag made;
  std::call_once(made, [] {
    auto done = run_to_end(EVENTROUTER_OPENEDX_PYTHON, {"-c", "import pulsar"}, venv_timeout);
    if (done.exit_code != 0)
      throw std::runtime_error("pulsar oracle: the Python venv with pulsar-client is not usable (exit " +
                               std::to_string(done.exit_code) + "):\n" + done.err);
  });
}

// One request to pulsar_oracle.py; its answer.
json::object ask(const std::string& command, json::object request, std::chrono::milliseconds timeout) {
  ensure_venv();
  request["timeout_ms"] = timeout.count();
  auto done = run_to_end(EVENTROUTER_OPENEDX_PYTHON, {EVENTROUTER_PULSAR_ORACLE, command}, timeout + process_overhead,
                         json::serialize(request));
  if (done.exit_code != 0)
    throw std::runtime_error("pulsar oracle: " + command + " failed (exit " + std::to_string(done.exit_code) +
                             (done.exit_code == -1 ? ", timed out" : "") + "):\n" + done.err);
  try {
    return json::parse(done.out).as_object();
  } catch (const std::exception& e) {
    throw std::runtime_error("pulsar oracle: " + command + " answered what is not a JSON object (" + e.what() +
                             "):\n" + done.out + done.err);
  }
}

// Beast's base64 (the standard alphabet, padded, as Python's base64 module writes it): a detail
// header, which a test helper may lean on to stay apart from the service's own code.
namespace base64 = boost::beast::detail::base64;

std::string base64_text(const std::string& bytes) {
  std::string text(base64::encoded_size(bytes.size()), '\0');
  text.resize(base64::encode(text.data(), bytes.data(), bytes.size()));
  return text;
}

std::string payload_bytes(const json::value& value) {
  const auto text = json::value_to<std::string>(value);
  std::string bytes(base64::decoded_size(text.size()), '\0');
  auto [written, read] = base64::decode(bytes.data(), text.data(), text.size());
  // It stops at the padding: what follows must be padding only.
  if (text.find_first_not_of('=', read) != std::string::npos)
    throw std::runtime_error("pulsar oracle: a payload that is not base64: " + text);
  bytes.resize(written);
  return bytes;
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const pulsar_message& message) {
  out << "{key \"" << message.key << "\", properties {";
  const char* separator = "";
  for (const auto& [name, value] : message.properties) {
    out << separator << name << ": \"" << value << "\"";
    separator = ", ";
  }
  out << "}, payload \"";
  for (unsigned char c : message.payload) {
    if (std::isprint(c) && c != '"' && c != '\\') {
      out << c;
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out << escaped;
    }
  }
  return out << "\", event_time " << message.event_time << "}";
}

std::string pulsar_topic_name(const std::string& topic) {
  return topic.find("://") != std::string::npos ? topic : "persistent://public/default/" + topic;
}

std::vector<pulsar_message> pulsar_messages(const pulsar_broker& broker, const std::string& topic, std::size_t count,
                                            std::chrono::milliseconds timeout) {
  auto answer = ask("read",
                    {{"service_url", broker.service_url()},
                     {"topic", pulsar_topic_name(topic)},
                     {"count", count}},
                    timeout);
  std::vector<pulsar_message> out;
  for (const auto& m : answer.at("messages").as_array()) {
    const auto& fields = m.as_object();
    out.push_back({json::value_to<std::string>(fields.at("key")),
                   json::value_to<std::map<std::string, std::string>>(fields.at("properties")),
                   payload_bytes(fields.at("payload")), fields.at("event_time").to_number<std::int64_t>()});
  }
  return out;
}

std::vector<std::string> pulsar_produce(const pulsar_broker& broker, const std::string& topic,
                                        const std::vector<pulsar_message>& messages,
                                        std::chrono::milliseconds timeout) {
  json::array list;
  for (const auto& m : messages) {
    json::object properties;
    for (const auto& [name, value] : m.properties)
      properties[name] = value;
    list.push_back(json::object{{"key", m.key},
                                {"properties", std::move(properties)},
                                {"payload", base64_text(m.payload)},
                                {"event_time", m.event_time}});
  }
  auto answer = ask("produce",
                    {{"service_url", broker.service_url()},
                     {"topic", pulsar_topic_name(topic)},
                     {"messages", std::move(list)}},
                    timeout);
  return json::value_to<std::vector<std::string>>(answer.at("message_ids"));
}

}  // namespace eventrouter::testing
