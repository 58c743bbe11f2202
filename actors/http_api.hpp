#pragma once
// The HTTP endpoints: parses on the server's IO threads, hands events to the producer actor,
// and answers from the actors' replies. Nothing here blocks an IO thread on an actor.
//
//   GET  /               the status page: an HTML page that polls the /v1 endpoints below
//   POST /v1/events      CloudEvents: structured, batch or binary mode -> 202 | 400 | 413 | 415 | 503
//   GET  /healthz        200 while the process serves
//   GET  /readyz         200 while it accepts events and no consumer is failed; else 503 saying why
//   GET  /v1/routes      the routing table and its configuration generation
//   GET  /v1/consumers   each consumer's state and counters
//   GET  /v1/reloads     the last reloads (start-up included): trigger, result, generation, time
//   GET  /metrics        Prometheus text format
//   POST /admin/reload   reload the configuration file (Authorization: Bearer <token>) -> 200 | 401 | 403 | 422 | 500

#include "actors/service.hpp"
#include "config/settings.hpp"
#include "metrics/registry.hpp"
#include "transports/http_server.hpp"

#include <caf/all.hpp>

#include <atomic>

namespace eventrouter {

struct http_api_context {
  caf::actor_system& sys;
  service& svc;
  metrics::registry& metrics;
  config::http_settings http;
  std::atomic<bool>& ready;
  caf::actor config_manager;  // answers /admin/reload
};

http::handler make_http_api(http_api_context ctx);

}  // namespace eventrouter
