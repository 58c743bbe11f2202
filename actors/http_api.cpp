#include "actors/http_api.hpp"

#include "actors/config_manager.hpp"
#include "actors/failure.hpp"
#include "actors/status_page.hpp"
#include "config/secrets.hpp"
#include "router/cloudevents.hpp"
#include "router/rfc3339.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>

namespace eventrouter {

namespace json = boost::json;

namespace {

constexpr auto status_timeout = std::chrono::seconds(5);
// A reload waits for consumers to finish what they have under way.
constexpr auto reload_timeout = std::chrono::seconds(60);

// Text that came from elsewhere — a broker's or a sink's error, a configuration problem — as the
// endpoints show it: with any secret it quotes masked (the status page shows these too).
json::string shown(std::string_view text) {
  return json::string(config::may_hold_secrets(text) ? config::mask_secrets(text) : std::string(text));
}

http::response json_response(unsigned status, const json::value& body) {
  return {status, "application/json", json::serialize(body) + "\n", {}};
}

http::response error_response(unsigned status, std::string error, const std::vector<std::string>& details = {}) {
  json::object body{{"error", std::move(error)}};
  if (!details.empty()) {
    json::array list;
    for (const auto& d : details)
      list.push_back(json::string(d));
    body["details"] = std::move(list);
  }
  return json_response(status, body);
}

// The media type without parameters, lower case: "application/json; charset=utf-8" -> "application/json".
std::string media_type(std::optional<std::string_view> content_type) {
  std::string out(content_type.value_or("").substr(0, content_type.value_or("").find(';')));
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

http::response answer_for(const route_outcome& outcome, std::size_t events) {
  switch (outcome.result) {
    case route_outcome::status::accepted:
      return {202, "application/json",
              "{\"accepted\":" + std::to_string(events) + ",\"deliveries\":" + std::to_string(outcome.deliveries) +
                ",\"generation\":" + std::to_string(outcome.generation) + "}\n",
              {}};
    case route_outcome::status::rejected:
      return error_response(400, outcome.errors.size() == 1 ? outcome.errors.front()
                                                            : std::to_string(outcome.errors.size()) +
                                                                " events cannot be routed; nothing was published",
                            outcome.errors);
    case route_outcome::status::unavailable: {
      auto res = error_response(503, outcome.errors.empty() ? "unavailable" : outcome.errors.front(), outcome.errors);
      res.headers.emplace_back("Retry-After", "1");
      return res;
    }
  }
  return error_response(500, "unknown routing outcome");
}

json::object to_json(const consumer_status& c) {
  return {{"name", c.name},
          {"topic", c.topic},
          {"group", c.group},
          {"state", c.state},
          {"delivered", c.delivered},
          {"failed", c.failed},
          {"consecutive_errors", c.consecutive_errors},
          {"restarts", c.restarts},
          {"malformed", c.malformed},
          {"last_error", shown(c.last_error)},
          {"lag", c.lag ? json::value(*c.lag) : json::value(nullptr)}};
}

// One HTTP request that needs an actor's answer: a short-lived actor asks, responds, and
// ends, so no IO thread waits. (The question is an argument, not a capture: CAF 0.17
// dereferences a null argument tuple when a function actor has none.)
using question = std::function<void(caf::event_based_actor*)>;
void ask_once(caf::event_based_actor* self, const question& ask) {
  exit_on_exception(self, "the answer to an HTTP request");
  ask(self);
}

// Asks the supervisor for the consumers' states and answers with `answer`.
template <class Answer>
question consumer_status_question(caf::actor supervisor, http::responder respond, Answer answer) {
  return [=](caf::event_based_actor* self) {
    self->request(supervisor, status_timeout, status_atom::value)
      .then([respond, answer](const consumer_statuses& list) { respond(answer(list)); },
            [respond](caf::error& e) { respond(error_response(503, "consumer status unavailable: " + describe(e))); });
  };
}

http::response consumers_answer(std::uint64_t generation, const consumer_statuses& list) {
  json::array out;
  for (const auto& c : list)
    out.push_back(to_json(c));
  return json_response(200, {{"generation", generation}, {"consumers", std::move(out)}});
}

// What POST /admin/reload answers and GET /v1/reloads lists: the result, the generation serving,
// and what changed (ok) or every problem (invalid, failed).
json::object to_json(const reload_result& r) {
  json::object out{{"result", to_string(r.result)}, {"generation", r.generation}};
  if (r.result == reload_result::outcome::ok) {
    out["changes"] = shown(r.changes);
    return out;
  }
  json::array details;
  for (const auto& e : r.errors)
    details.push_back(shown(e));
  out["details"] = std::move(details);
  if (!r.kind.empty())
    out["kind"] = r.kind;
  return out;
}

http::response reload_answer(const reload_result& r) {
  auto body = to_json(r);
  if (r.result == reload_result::outcome::ok)
    return json_response(200, body);
  body["error"] = r.result == reload_result::outcome::invalid
                    ? "the configuration file is invalid; still serving generation " + std::to_string(r.generation)
                    : "the reload failed; serving generation " + std::to_string(r.generation);
  return json_response(r.result == reload_result::outcome::invalid ? 422 : 500, body);
}

http::response reloads_answer(std::uint64_t generation, const std::vector<reload_record>& records) {
  json::array out;
  for (const auto& r : records) {
    json::object entry{{"trigger", r.trigger}, {"time", format_rfc3339(r.finished)}};
    for (auto& field : to_json(r.result))
      entry.emplace(field.key(), std::move(field.value()));
    out.push_back(std::move(entry));
  }
  return json_response(200, {{"generation", generation}, {"reloads", std::move(out)}});
}

// A ce-* header given more than once: which one would be a guess, and a second ce-id is what
// a CR LF smuggled into a client's header value looks like.
std::optional<std::string> repeated_ce_header(const http::request& req) {
  std::map<std::string_view, int> seen;
  for (const auto& [name, value] : req.headers)
    if (name.starts_with("ce-") && ++seen[name] == 2) {
      auto times = std::count_if(req.headers.begin(), req.headers.end(), [&](const auto& h) { return h.first == name; });
      return "header '" + name + "' appears " + std::to_string(times) + " times; expected once";
    }
  return std::nullopt;
}

// Compares in a time that depends on the given token's length only, so that a guess learns
// nothing from how long its refusal took.
bool same_secret(std::string_view given, std::string_view secret) {
  unsigned char diff = given.size() == secret.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ (i < secret.size() ? secret[i] : 0));
  return diff == 0;
}

// Ready while accepting events and no consumer is failed (restarted past max_restarts).
http::response readiness_answer(const consumer_statuses& list) {
  std::vector<std::string> failed;
  for (const auto& c : list)
    if (c.state == "failed")
      failed.push_back("consumer '" + c.name + "' failed: " + std::string(shown(c.last_error)));
  if (failed.empty())
    return json_response(200, {{"status", "ready"}});
  return error_response(503, "not ready: " + std::to_string(failed.size()) + " consumer(s) failed", failed);
}

class http_api {
 public:
  explicit http_api(http_api_context ctx)
      : ctx_(ctx),
        malformed_(ctx.metrics.rejected("malformed")),
        too_large_(ctx.metrics.rejected("too_large")),
        unsupported_(ctx.metrics.rejected("unsupported_media_type")) {}

  void operator()(http::request&& req, http::responder respond);

 private:
  using serve_fn = void (http_api::*)(const http::request&, http::responder&);
  struct endpoint {
    std::string_view path;
    std::string_view method;
    serve_fn serve;
  };
  static const endpoint endpoints[];

  // Never cached: an operator reloading the page after an upgrade gets the new one.
  void status_page(const http::request&, http::responder& respond) {
    respond({200,
             "text/html; charset=utf-8",
             std::string(status_page_html),
             {{"Cache-Control", "no-store"},
              {"Content-Security-Policy", std::string(status_page_csp)},
              {"X-Content-Type-Options", "nosniff"}}});
  }

  void health(const http::request&, http::responder& respond) { respond(json_response(200, {{"status", "ok"}})); }

  void routes(const http::request&, http::responder& respond) {
    auto routing = ctx_.svc.routing_now();
    auto body = routing->table->to_json();
    body["generation"] = routing->generation;
    respond(json_response(200, body));
  }

  void metrics(const http::request&, http::responder& respond) {
    respond({200, "text/plain; version=0.0.4; charset=utf-8", ctx_.metrics.serialize(), {}});
  }

  void ready(const http::request&, http::responder& respond) {
    if (!ctx_.ready.load(std::memory_order_relaxed))
      return respond(error_response(503, "not ready: starting or draining"));
    if (auto why = ctx_.svc.broken())
      return respond(error_response(503, "not ready: " + *why));
    ctx_.sys.spawn(ask_once, consumer_status_question(ctx_.svc.supervisor(), std::move(respond), readiness_answer));
  }

  // `type` is one of the three media types post_events accepts.
  parse_result parse(const http::request& req, const std::string& type) const {
    if (type == "application/cloudevents+json")
      return parse_structured(req.body);
    if (type == "application/cloudevents-batch+json")
      return parse_batch(req.body, ctx_.http.max_batch_events);
    return parse_binary([&req](std::string_view name) { return req.header(name); }, req.body);
  }

  void post_events(const http::request& req, http::responder& respond) {
    // A 202 promises delivery, which a dead router or supervisor cannot keep.
    if (auto why = ctx_.svc.broken()) {
      auto res = error_response(503, "unavailable: " + *why);
      res.headers.emplace_back("Retry-After", "1");
      return respond(std::move(res));
    }
    auto type = media_type(req.header("content-type"));
    // Binary mode may leave the content type out (datacontenttype is optional): ce-specversion
    // says it is an event.
    bool binary_without_type = type.empty() && req.header("ce-specversion");
    if (type != "application/cloudevents+json" && type != "application/cloudevents-batch+json" &&
        type != "application/json" && !binary_without_type) {
      unsupported_.add();
      respond(error_response(415, "content type '" + type +
                                    "' is not supported; expected application/cloudevents+json, "
                                    "application/cloudevents-batch+json, or application/json with ce-* headers"));
      return;
    }
    bool binary = type == "application/json" || binary_without_type;
    if (auto repeated = binary ? repeated_ce_header(req) : std::nullopt) {
      malformed_.add();
      return respond(error_response(400, *repeated));
    }
    auto parsed = parse(req, type);
    if (auto* error = std::get_if<parse_error>(&parsed)) {
      bool too_large = error->reason == parse_error::kind::too_large;
      (too_large ? too_large_ : malformed_).add();
      respond(error_response(too_large ? 413 : 400, error->message));
      return;
    }
    auto batch = std::make_shared<const std::vector<event_ptr>>(std::move(std::get<std::vector<event_ptr>>(parsed)));
    ingest_reply reply = [respond = std::move(respond), events = batch->size()](const route_outcome& outcome) {
      respond(answer_for(outcome, events));
    };
    caf::anon_send(ctx_.svc.producer(), ingest_atom::value, event_batch{std::move(batch)}, std::move(reply));
  }

  void consumers(const http::request&, http::responder& respond) {
    auto generation = ctx_.svc.routing_now()->generation;
    ctx_.sys.spawn(ask_once, consumer_status_question(ctx_.svc.supervisor(), std::move(respond),
                                                      [generation](const consumer_statuses& list) {
                                                        return consumers_answer(generation, list);
                                                      }));
  }

  void reloads(const http::request&, http::responder& respond) {
    respond(reloads_answer(ctx_.svc.routing_now()->generation, ctx_.svc.reloads().latest()));
  }

  // The token is read from the environment variable the configuration names, at each call:
  // rotating it needs the variable changed and a restart, never a file holding it.
  void admin_reload(const http::request& req, http::responder& respond) {
    auto env = ctx_.svc.settings_now()->admin.token_env;
    const char* token = std::getenv(env.c_str());
    if (token == nullptr || *token == '\0')
      return respond(error_response(403, "admin endpoints are disabled: the environment variable " + env +
                                           " (admin.token_env) holds no token"));
    auto given = req.header("authorization").value_or("");
    constexpr std::string_view scheme = "Bearer ";
    if (given.size() <= scheme.size() || given.substr(0, scheme.size()) != scheme ||
        !same_secret(given.substr(scheme.size()), token)) {
      auto res = error_response(401, "missing or wrong bearer token (Authorization: Bearer <token>)");
      res.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"eventrouter\"");
      return respond(std::move(res));
    }
    ctx_.sys.spawn(ask_once, question([manager = ctx_.config_manager, respond](caf::event_based_actor* self) {
                     self->request(manager, reload_timeout, reload_atom::value, std::string("POST /admin/reload"))
                       .then([respond](const reload_result& r) { respond(reload_answer(r)); },
                             [respond](caf::error& e) { respond(error_response(503, "reload unavailable: " + describe(e))); });
                   }));
  }

  http_api_context ctx_;
  metrics::counter malformed_;
  metrics::counter too_large_;
  metrics::counter unsupported_;
};

const http_api::endpoint http_api::endpoints[] = {
  {"/v1/events", "POST", &http_api::post_events},     {"/", "GET", &http_api::status_page},
  {"/healthz", "GET", &http_api::health},             {"/readyz", "GET", &http_api::ready},
  {"/v1/routes", "GET", &http_api::routes},           {"/v1/consumers", "GET", &http_api::consumers},
  {"/v1/reloads", "GET", &http_api::reloads},         {"/metrics", "GET", &http_api::metrics},
  {"/admin/reload", "POST", &http_api::admin_reload},
};

void http_api::operator()(http::request&& req, http::responder respond) {
  for (const auto& e : endpoints) {
    if (e.path != req.path)
      continue;
    if (req.method != e.method && !(e.method == "GET" && req.method == "HEAD")) {
      auto res = error_response(405, req.method + " is not allowed on " + req.path + "; use " + std::string(e.method));
      res.headers.emplace_back("Allow", std::string(e.method));
      return respond(std::move(res));
    }
    return (this->*e.serve)(req, respond);
  }
  respond(error_response(404, "no endpoint " + req.path + "; see / (the status page), /v1/events, /v1/routes, "
                                                         "/v1/consumers, /v1/reloads, /metrics"));
}

}  // namespace

http::handler make_http_api(http_api_context ctx) {
  auto api = std::make_shared<http_api>(ctx);
  return [api](http::request&& req, http::responder respond) { (*api)(std::move(req), std::move(respond)); };
}

}  // namespace eventrouter
