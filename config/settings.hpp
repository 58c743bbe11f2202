#pragma once
// The configuration model: plain data, read and validated by config/loader and the readers of
// each section (config/sections.hpp). Every default here is the default an operator gets when
// the key is absent; README.md documents each one.

#include "config/url.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace eventrouter::config {

enum class transport_kind { memory, redis, kafka, pulsar };
enum class topic_format { json, openedx };
enum class sink_kind { log, http, topic, route };

// Events a consumer reads ahead of its slowest unacknowledged one unless `window` says otherwise.
// A Redis -> Kafka bridge waits about 20 ms for Kafka's acknowledgement (linger.ms 5, acks=all):
// 1000 events kept it waiting on that (49 k events/s), 2000 do not (72 k); more bought nothing.
inline constexpr std::size_t default_window = 2000;

// Events a sink has under way at once unless `sink.concurrency` says otherwise. An http sink
// holds a kept-alive connection per event under way: 64, as many as a receiver behind a common
// web server takes without tuning; batched, 1000 events are ten default batches. The others hold
// nothing per event (a log line; a share of one batch to a topic or the router): a whole default
// window, so what a consumer polled moves in as few requests as it can.
constexpr std::size_t default_concurrency(sink_kind kind, bool batched = false) {
  if (kind == sink_kind::http)
    return batched ? 1000 : 64;
  return default_window;
}

struct http_settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::size_t max_body_bytes = 1 << 20;      // larger bodies get 413
  std::size_t max_batch_events = 1000;       // larger batches get 413
  std::size_t max_in_flight_events = 10000;  // past this, ingest answers 503
  unsigned threads = 2;                      // Asio threads serving HTTP
  // The HTTP server's own limits, on every endpoint (README.md explains each default).
  std::size_t max_header_bytes = 16 << 10;             // larger request heads get 431
  std::chrono::milliseconds request_timeout{10000};    // headers and body; slower gets 408
  std::chrono::milliseconds idle_timeout{60000};       // keep-alive connection between requests
  std::size_t max_connections = 512;                   // past it, a new connection gets 503

  bool operator==(const http_settings&) const = default;
};

struct memory_settings {
  // Entries a memory topic keeps. Entries every group has acknowledged are trimmed first; a
  // topic full of unacknowledged entries refuses new ones (503) rather than dropping any.
  std::size_t max_len = 100000;

  bool operator==(const memory_settings&) const = default;
};

// transports.redis: one Redis server (or proxy) holding every redis topic as a stream.
struct redis_settings {
  std::string url;  // redis://[user:password@]host[:port][/db], as configured
  std::string host;
  std::uint16_t port = 6379;
  std::string user;      // empty: AUTH with the password alone (or no AUTH)
  std::string password;  // empty: no AUTH
  unsigned db = 0;
  std::size_t stream_max_len = 10000;                      // XADD MAXLEN ~ (approximate trim)
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{5000};         // one command or one pipelined batch
  std::chrono::milliseconds reconnect_backoff_min{100};    // first wait after a lost connection
  std::chrono::milliseconds reconnect_backoff_max{5000};   // the wait doubles up to this

  bool operator==(const redis_settings&) const = default;
};

// transports.kafka: one Kafka cluster, one idempotent producer per process, one librdkafka
// consumer per configured consumer.
struct kafka_settings {
  std::string bootstrap_servers;
  // librdkafka properties for producer and consumers alike (compression, security, linger...),
  // checked by librdkafka itself at load time.
  std::map<std::string, std::string> properties;
  // Topics in openedx format: the Confluent-compatible schema registry their schemas are
  // registered with (http://host:port[/path]), and its basic auth as user:password, which is
  // best given as ${ENV_VAR}. Empty: none.
  url schema_registry_url;
  std::string schema_registry_basic_auth;
  std::chrono::milliseconds schema_registry_timeout{5000};  // one registry request

  bool operator==(const kafka_settings&) const = default;
};

// transports.pulsar: one Pulsar cluster, reached through the WebSocket API of its brokers (or
// proxy) for producing and consuming, and the admin REST API on the same port for a
// subscription's backlog and for moving its cursor (replay).
struct pulsar_settings {
  url service_url;                    // http://host[:port] of the web service (8080 by default)
  std::string tenant = "public";
  std::string pulsar_namespace = "default";  // "namespace" in the file
  // The environment variable holding the token Pulsar's token authentication checks; empty:
  // no token. The token itself is read at load (and reload) and never shown.
  std::string token_env;
  std::string token;
  // TCP and the WebSocket handshake, in which the broker looks the topic up (and, just started,
  // loads its namespace: seconds); the native client's connection timeout.
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds send_timeout{30000};        // a message not acknowledged by then failed
  std::chrono::milliseconds reconnect_backoff_min{100};  // first wait after a lost connection
  std::chrono::milliseconds reconnect_backoff_max{5000};  // the wait doubles up to this
  // Messages of one topic sent and not yet acknowledged, at most; more wait for room.
  std::size_t max_pending_messages = 1000;
  // A message a consumer gave back (a negative acknowledgement) comes again after this long.
  std::chrono::milliseconds negative_ack_redelivery_delay{1000};

  bool operator==(const pulsar_settings&) const = default;
};

struct topic_settings {
  std::string name;       // as in the file, without the prefix
  std::string full_name;  // <topic_prefix>-<name>, or name when there is no prefix
  transport_kind transport = transport_kind::memory;
  topic_format format = topic_format::json;

  bool operator==(const topic_settings&) const = default;
};

// One entry of producer_config: event type -> topic, as in Open edX EVENT_BUS_PRODUCER_CONFIG.
struct route {
  std::string event_type;
  std::string topic;            // name as in the file; look it up in settings::topics
  std::string event_key_field;  // period-separated path into data, e.g. xblock_info.usage_key
  bool enabled = true;

  bool operator==(const route&) const = default;
};

// http sinks: CloudEvents batch mode (application/cloudevents-batch+json), several events per
// POST. README.md explains each default.
struct batch_settings {
  std::size_t max_events = 100;                 // events in one POST
  std::size_t max_bytes = 1 << 20;              // body of one POST, unless one event alone is larger
  std::chrono::milliseconds max_wait{5};        // a batch not full waits this long for more events

  bool operator==(const batch_settings&) const = default;
};

struct sink_settings {
  sink_kind type = sink_kind::log;
  // http: POST each event in CloudEvents binary mode; 2xx is success. Credentials in the URL
  // are sent as Basic authorization.
  config::url url;                                          // http://[user:password@]host[:port]/path
  std::chrono::milliseconds timeout{10000};                 // per request, connecting included
  std::vector<std::pair<std::string, std::string>> headers;  // added to every request
  std::optional<batch_settings> batch;                      // unset: one event per POST, binary mode
  // topic: publish each event to this topic (name as in the file), on any transport.
  std::string topic;
  // Any sink: events under way at once (at most the consumer's window), and whether events of one
  // key wait for each other (their order kept) — the default — or not.
  std::size_t concurrency = default_concurrency(sink_kind::log);
  bool ordered = true;

  bool operator==(const sink_settings&) const = default;
};

// Tries of one event before it is dead-lettered (or, without a dead-letter topic, given back).
struct retry_settings {
  unsigned max_attempts = 3;
  std::chrono::milliseconds backoff_min{100};   // wait before the second try
  std::chrono::milliseconds backoff_max{10000};  // the wait doubles up to this, with jitter

  bool operator==(const retry_settings&) const = default;
};

struct consumer_settings {
  std::string name;
  std::string topic;  // name as in the file
  std::string group_id;
  sink_settings sink;
  retry_settings retry;
  std::string dead_letter_topic;  // name as in the file; empty: no dead-lettering
  unsigned consecutive_errors_limit = 5;
  std::size_t batch_size = 500;                                 // events per poll, at most
  // Events read and not yet acknowledged, at most: the consumer polls ahead while it delivers, as
  // long as the window has room. Bounds its memory and what a crash delivers again.
  std::size_t window = default_window;
  // The key of an event read without one (a Redis stream's entries carry none) whose type no
  // route to its topic gives a key: a period-separated path into its data. Empty: none.
  std::string event_key_field;
  std::chrono::milliseconds poll_timeout{500};                  // how long an empty poll waits
  std::chrono::milliseconds restart_backoff_min{100};           // first restart delay
  std::chrono::milliseconds restart_backoff_max{30000};         // delay doubles up to this
  unsigned max_restarts = 10;                                   // more restarts than this within
  std::chrono::milliseconds restart_window{60000};              // this window mark it failed
  // Where a group with no position yet starts: at the topic's beginning (true), or with what
  // is written from the service's start on (false). Unset: false on Redis, true on Kafka, so
  // that a Kafka group that has not committed yet never skips what was written before.
  std::optional<bool> from_beginning;
  // Redis topics only.
  std::chrono::milliseconds claim_idle{60000};  // take over entries pending this long (XAUTOCLAIM)
  std::string last_read_id;                     // a new group starts after this stream id

  bool operator==(const consumer_settings&) const = default;
};

// schemas: the Avro schema of each event type, which topics in openedx format write with.
struct schema_settings {
  // Holds <event type>.avsc for each event type, as scripts/openedx-schemas writes them. A
  // relative path is taken from the configuration file's folder.
  std::string directory;
  // Every schema found there, by event type: the file's text, which Avro C has accepted.
  std::map<std::string, std::string> by_type;

  bool operator==(const schema_settings&) const = default;
};

// admin: the token-protected endpoints (POST /admin/reload).
struct admin_settings {
  // The environment variable holding the bearer token. Unset or empty: admin endpoints answer
  // 403, so the token never has to be written into the file.
  std::string token_env = "EVENTROUTER_ADMIN_TOKEN";

  bool operator==(const admin_settings&) const = default;
};

// reload: picking up an edited file by itself. SIGHUP and POST /admin/reload always work.
struct reload_settings {
  bool watch_file = true;                   // reload when the file changes (inotify)
  std::chrono::milliseconds debounce{500};  // quiet after the last change before reloading

  bool operator==(const reload_settings&) const = default;
};

struct settings {
  std::string topic_prefix;
  transport_kind default_transport = transport_kind::memory;
  http_settings http;
  memory_settings memory;
  std::optional<redis_settings> redis;  // set when transports.redis is configured
  std::optional<kafka_settings> kafka;  // set when transports.kafka is configured
  std::optional<pulsar_settings> pulsar;  // set when transports.pulsar is configured
  std::chrono::milliseconds shutdown_timeout{10000};  // drain budget on SIGTERM
  admin_settings admin;
  reload_settings reload;
  schema_settings schemas;
  std::map<std::string, topic_settings> topics;       // by name as in the file
  std::vector<route> routes;
  std::vector<consumer_settings> consumers;

  bool operator==(const settings&) const = default;
};

std::string to_string(transport_kind);
std::string to_string(topic_format);
std::string to_string(sink_kind);

}  // namespace eventrouter::config
