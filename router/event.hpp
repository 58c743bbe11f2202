#pragma once
// The event: one immutable CloudEvent as the Open edX event bus carries it. Created once at
// ingest (or when a consumer decodes a message) and then shared by pointer, so fanning an
// event out to many topics copies nothing.

#include <boost/json/value.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace eventrouter {

// An event's payload: a JSON value whose copies own their memory. Ingest parses the events of a
// request into one monotonic memory resource they share (router/cloudevents.cpp), which is not
// thread-safe. Reading or moving such a value allocates nothing from it, but a plain copy of a
// boost::json::value allocates from the resource of the value it copies — on the copying thread,
// while consumers on other threads copy the same request's events (dead-letter copies). Copies
// made here get the default resource instead.
class event_payload : public boost::json::value {
 public:
  using boost::json::value::value;
  event_payload() = default;
  event_payload(boost::json::value&& v) noexcept : boost::json::value(std::move(v)) {}
  event_payload(const event_payload& other) : boost::json::value(other, boost::json::storage_ptr()) {}
  event_payload(event_payload&&) noexcept = default;
  event_payload& operator=(const event_payload& other) {
    boost::json::value::operator=(boost::json::value(other, boost::json::storage_ptr()));
    return *this;
  }
  event_payload& operator=(event_payload&&) noexcept = default;
  // Anything a boost::json::value takes (a value, an object, a string...), as the value would.
  template <class T>
    requires(!std::is_same_v<std::remove_cvref_t<T>, event_payload>)
  event_payload& operator=(T&& v) {
    boost::json::value::operator=(std::forward<T>(v));
    return *this;
  }
};

struct event {
  std::string id;               // unique id, a UUID in practice
  std::string type;             // the routing key: org.openedx.<subdomain>.<subject>.<action>.v<n>
  std::string source;           // producing service, e.g. openedx/cms/web
  std::string time;             // RFC 3339, UTC
  std::string specversion = "1.0";
  std::string minorversion = "0";
  std::string sourcehost;
  std::string sourcelib;
  std::string datacontenttype = "application/json";
  event_payload data;           // the payload; always a JSON object once ingested
  // CloudEvents extension attributes carried along: extra Redis fields and Kafka headers, and
  // what a dead-letter topic adds (dlq_reason, dlq_attempts, ...). Names are lower case.
  std::vector<std::pair<std::string, std::string>> extensions;
  // `time` parsed, once, where the event is made (ingest validates it anyway), so that
  // consumers measuring end-to-end latency do not parse it again. Unset when `time` is not an
  // RFC 3339 time, as an event read from a broker may carry.
  std::optional<std::chrono::system_clock::time_point> occurred;
};

using event_ptr = std::shared_ptr<const event>;

// Name/value pairs as extensions, Redis stream fields and Kafka headers come: the value of the
// last pair named `name` (the last of repeated ones wins, as the decoders read them), or "".
// For what a log line can say of an entry that cannot be decoded.
inline std::string_view value_named(const std::vector<std::pair<std::string, std::string>>& pairs,
                                    std::string_view name) {
  for (auto it = pairs.rbegin(); it != pairs.rend(); ++it)
    if (it->first == name)
      return it->second;
  return {};
}

// What a route to a topic in openedx format wrote for an event when it routed it: the data as
// Avro with the event type's schema, the key as Avro with the key field's, both with Confluent's
// framing on Kafka. Made where the event is routed, because data that does not fit the schema
// is the producer's error, answered before anything is published.
struct encoded_event {
  std::string value;
  std::string key;
};

// An event bound for one topic, with the key its route extracted (empty: the route has no key).
struct keyed_event {
  event_ptr ev;
  std::string key;
  std::shared_ptr<const encoded_event> encoded = nullptr;  // topics in openedx format only
};

}  // namespace eventrouter
