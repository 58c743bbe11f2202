#include "actors/service.hpp"

#include "actors/failure.hpp"
#include "actors/producer.hpp"
#include "actors/service_log.hpp"
#include "actors/watchdog.hpp"
#include "transports/kafka/schema_registry.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace eventrouter {

namespace {

// How long the router and the supervisor may take to take a new configuration in.
constexpr auto apply_timeout = std::chrono::seconds(10);

std::vector<const config::consumer_settings*> consumers_of(const config::settings& settings,
                                                           const std::string& full_topic) {
  std::vector<const config::consumer_settings*> out;
  for (const auto& c : settings.consumers)
    if (settings.topics.at(c.topic).full_name == full_topic)
      out.push_back(&c);
  return out;
}

// The (full topic, group) pairs of a configuration's consumers.
std::set<std::pair<std::string, std::string>> groups_of(const config::settings& s) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& c : s.consumers)
    out.emplace(s.topics.at(c.topic).full_name, c.group_id);
  return out;
}

template <class Reply, class... Ts>
caf::expected<Reply> ask(caf::actor_system& sys, const caf::actor& whom, const char* what, Ts&&... xs) {
  caf::scoped_actor self{sys};
  caf::expected<Reply> reply = failure(errc::other, std::string(what) + " did not answer");
  self->request(whom, apply_timeout, std::forward<Ts>(xs)...)
    .receive([&](Reply& r) { reply = std::move(r); },
             [&](caf::error& e) {
               reply = failure(kind_of(e), std::string(what) + " did not take the configuration: " + describe(e));
             });
  return reply;
}

// What a throwing part (a client's constructor, the registry) said — it names itself — as an
// error of `kind`.
template <class Build>
auto built_or(errc kind, Build build) -> caf::expected<decltype(build())> {
  try {
    return build();
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    return failure(kind, e.what());
  }
}

void append_list(std::string& out, const char* label, const std::vector<std::string>& items) {
  if (items.empty())
    return;
  out += out.empty() ? "" : "; ";
  out += label;
  out += ' ';
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : ", ") + items[i];
}

}  // namespace

std::string applied_changes::summary() const {
  std::string out;
  append_list(out, "routes added:", routes.added);
  append_list(out, "routes removed:", routes.removed);
  append_list(out, "routes changed:", routes.changed);
  append_list(out, "topics started:", topics_started);
  append_list(out, "topics stopped:", topics_stopped);
  append_list(out, "consumers started:", consumers.started);
  append_list(out, "consumers stopped:", consumers.stopped);
  append_list(out, "consumers restarted:", consumers.restarted);
  append_list(out, "not applied until a restart:", restart_only);
  return out.empty() ? "nothing changed" : out;
}

struct service::next_generation {
  std::map<config::transport_kind, link_ptr> links;  // of the transports the configuration sets up
  std::shared_ptr<const routing_table> table;
  std::map<std::string, running_topic> topics;  // by full name
  consumer_set consumers;
  // Keys of consumers that keep running, stored once the reload is applied.
  std::vector<std::pair<std::shared_ptr<current_keys>, std::shared_ptr<const topic_keys>>> keys;
};

service::service(caf::actor_system& sys, const config::settings& settings, metrics::registry& metrics,
                 sink_factory make_sink, death_notice on_death)
    : sys_(sys),
      metrics_(metrics),
      sink_override_(std::move(make_sink)),
      on_death_(std::move(on_death)),
      routing_(std::make_shared<const routing>(
        routing{0, std::make_shared<const routing_table>(config::settings{}), {}})),
      settings_(std::make_shared<const config::settings>()) {
  watchdog_ = spawn_watchdog(sys, [this](const std::string& name, const caf::error& reason) { died(name, reason); });
  router_ = spawn_router(sys, routing_, metrics);
  supervisor_ = spawn_consumer_supervisor(sys, {}, {}, metrics);
  producer_ = spawn_producer(sys, "http", router_, settings.http.max_in_flight_events, metrics);
  watch(router_, "the router");
  watch(supervisor_, "the consumer supervisor");
  watch(producer_, "the producer");
  auto applied = apply(settings);
  if (!applied) {
    stop_actors();  // a constructor that throws runs no destructor: the actors must end anyway
    throw std::runtime_error(describe(applied.error()));
  }
}

service::~service() { stop_actors(); }

void service::stop_actors() {
  {
    // No report of the deaths below, nor after this object is gone.
    caf::scoped_actor self{sys_};
    self->send_exit(watchdog_, caf::exit_reason::user_shutdown);
    self->wait_for(watchdog_);
  }
  caf::anon_send_exit(producer_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(supervisor_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(router_, caf::exit_reason::user_shutdown);
  for (const auto& [name, t] : topics_)
    caf::anon_send_exit(t.actor, caf::exit_reason::user_shutdown);
}

routing_ptr service::routing_now() const {
  std::lock_guard lock(published_mutex_);
  return routing_;
}

std::shared_ptr<const config::settings> service::settings_now() const {
  std::lock_guard lock(published_mutex_);
  return settings_;
}

// A topic keeps its actor (and a memory topic its entries) unless how it is written changed: its
// transport, its format, or the transport's settings (which replace the transport's link).
bool service::reusable(const running_topic& running, const config::topic_settings& wanted,
                       const next_generation& gen) const {
  if (running.settings.transport != wanted.transport || running.settings.format != wanted.format)
    return false;
  auto before = links_.find(wanted.transport);
  return before != links_.end() && gen.links.at(wanted.transport) == before->second;
}

void service::watch(const caf::actor& actor, std::string name) {
  caf::anon_send(watchdog_, watch_atom::value, actor, std::move(name));
}

std::optional<std::string> service::broken() const {
  if (!dead_.load(std::memory_order_acquire))  // every ingest asks: no lock while all is well
    return std::nullopt;
  std::lock_guard lock(published_mutex_);
  return broken_;
}

// The actors' in-memory state (batches in flight, memory topics, consumers' progress) cannot be
// trusted after such a death, so the service does not restart the actor: it stops being ready
// and its owner ends the process, for its orchestrator to start a clean one.
void service::died(const std::string& name, const caf::error& reason) {
  auto why = name + " died: " + describe(reason);
  {
    std::lock_guard lock(published_mutex_);
    if (broken_)
      return;  // the first death is the one to report
    broken_ = why;
    dead_.store(true, std::memory_order_release);
  }
  log_line(log_level::error, why + "; the service is not ready and stops",
           {{"kind", to_string(kind_of(reason))}, {"next", "exit 1, for the orchestrator to restart the process"}});
  if (on_death_)
    on_death_(why);
}

// Topics, the routing table and a Kafka producer for `next`; nothing running is touched. New
// topic actors are spawned here but nothing publishes to them until the router moves.
caf::expected<service::next_generation> service::prepare(const config::settings& next, applied_changes& changes) {
  const auto& before = *settings_;
  next_generation gen;
  bool reloading = routing_->generation > 0;  // not the start-up
  for (auto kind : transport_kinds()) {
    auto running = links_.find(kind);
    auto link = link_transport(kind, {sys_, metrics_, before, next, running == links_.end() ? nullptr : running->second,
                                      reloading});
    if (!link)
      return link.error();
    if (*link)
      gen.links.emplace(kind, std::move(*link));
  }

  // Routes to Kafka topics in openedx format learn their schema ids here, not on the hot path.
  auto table = built_or(errc::broker_error, [&] {
    schema_id_lookup registry_ids;
    if (next.kafka && !next.kafka->schema_registry_url.empty()) {
      auto registry = std::make_shared<kafka::schema_registry>(*next.kafka);
      registry_ids = [registry](const std::string& subject, const std::string& schema) {
        return registry->register_schema(subject, schema);
      };
    }
    return std::make_shared<const routing_table>(next, registry_ids);
  });
  if (!table)
    return table.error();
  gen.table = std::move(*table);

  for (const auto& [name, wanted] : next.topics) {
    auto it = topics_.find(wanted.full_name);
    if (it != topics_.end() && reusable(it->second, wanted, gen)) {
      gen.topics.emplace(wanted.full_name, running_topic{wanted, it->second.actor});
      continue;
    }
    auto actor = gen.links.at(wanted.transport)->start_topic(next, wanted, consumers_of(next, wanted.full_name));
    gen.topics.emplace(wanted.full_name, running_topic{wanted, std::move(actor)});
    changes.topics_started.push_back(wanted.full_name);
  }
  if (auto consumers = build_consumers(next, gen, reloading); !consumers) {
    for (const auto& full_name : changes.topics_started)
      caf::anon_send(gen.topics.at(full_name).actor, stop_atom::value);
    return consumers.error();
  }
  return gen;
}

// The consumer set of `next`, with the sink of every new or changed consumer built once here
// and handed to its first incarnation: a sink that refuses its settings fails a reload before
// anything changed, and a successful build is not repeated (nor can it differ) later. At
// start-up there is nothing to keep serving instead: such a consumer is left to its supervisor,
// which shows it failed with the reason while the others run.
caf::expected<void> service::build_consumers(const config::settings& next, next_generation& gen, bool reloading) {
  auto actor_of = [&](const std::string& name) { return gen.topics.at(next.topics.at(name).full_name).actor; };
  gen.consumers.make_sink = sink_override_;
  if (!gen.consumers.make_sink) {
    std::unordered_map<std::string, topic_actor> by_name;
    for (const auto& [name, topic] : next.topics)
      by_name.emplace(name, actor_of(name));
    gen.consumers.make_sink = configured_sinks(std::move(by_name), router_);
  }
  std::string refused;
  errc kind = errc::not_built;
  for (const auto& c : next.consumers) {
    const auto& topic = next.topics.at(c.topic);
    supervised_consumer spec{c,
                             topic.full_name,
                             gen.links.at(topic.transport)->source_for(next, c, topic, actor_of(c.topic)),
                             c.dead_letter_topic.empty() ? topic_actor{} : actor_of(c.dead_letter_topic),
                             {actor_of(c.topic)}};
    auto keys = std::make_shared<const topic_keys>(*gen.table, topic.full_name, c.event_key_field);
    if (c.sink.type == config::sink_kind::topic)
      spec.depends_on.push_back(actor_of(c.sink.topic));
    auto running = consumers_.find(c.name);
    if (running != consumers_.end() && spec.same_as(running->second)) {
      spec.keys = running->second.keys;
      gen.keys.emplace_back(spec.keys, std::move(keys));
    } else {
      spec.keys = std::make_shared<current_keys>(std::move(keys));
      auto built = gen.consumers.make_sink(c);
      if (!built && reloading) {
        kind = kind_of(built.error());
        refused += (refused.empty() ? "" : "; ") + describe(built.error());
        continue;
      }
      if (built)
        spec.first_sink = std::move(*built);
    }
    gen.consumers.consumers.push_back(std::move(spec));
  }
  if (!refused.empty())
    return failure(kind, refused);
  return {};
}

caf::expected<applied_changes> service::apply(const config::settings& next) {
  const auto& before = *settings_;
  applied_changes changes;
  changes.routes = config::diff_routes(before, next);
  if (routing_->generation > 0)
    changes.restart_only = config::restart_only_changes(before, next);

  // First what can fail: nothing running has changed if it does.
  auto prepared = prepare(next, changes);
  if (!prepared)
    return prepared.error();
  auto& gen = *prepared;

  std::vector<topic_actor> topic_actors;
  for (const auto& full_name : gen.table->topics())
    topic_actors.push_back(gen.topics.at(full_name).actor);
  auto next_routing =
    std::make_shared<const routing>(routing{routing_->generation + 1, gen.table, std::move(topic_actors)});
  auto generation = ask<std::uint64_t>(sys_, router_, "the router", reload_atom::value, next_routing);
  if (!generation) {  // the router is gone (the watchdog reports it): the topics started serve nobody
    for (const auto& full_name : changes.topics_started)
      caf::anon_send(gen.topics.at(full_name).actor, stop_atom::value);
    return generation.error();
  }
  changes.generation = *generation;
  // The router routes by `next` from here on, and the supervisor's reload cannot fail for
  // the configuration's sake: a consumer it cannot start is a failed consumer.
  auto consumers = std::make_shared<const consumer_set>(gen.consumers);
  auto moved = ask<consumer_changes>(sys_, supervisor_, "the consumer supervisor", reload_atom::value,
                                     consumer_set_ptr{consumers});
  if (moved)
    changes.consumers = std::move(*moved);
  for (auto& [running, keys] : gen.keys)
    running->set(std::move(keys));

  // Groups no consumer reads any more: their topics' transports may let go of what they keep.
  auto groups_now = groups_of(next);
  for (const auto& group : groups_of(before)) {
    auto it = gen.topics.find(group.first);
    if (!groups_now.count(group) && it != gen.topics.end())
      gen.links.at(it->second.settings.transport)->group_left(it->second.actor, group.second);
  }
  // The router publishes to them no more: they stop after what they were sent before.
  for (const auto& [full_name, running] : topics_) {
    auto it = gen.topics.find(full_name);
    if (it != gen.topics.end() && it->second.actor == running.actor)
      continue;
    caf::anon_send(running.actor, stop_atom::value);
    changes.topics_stopped.push_back(full_name);
  }

  topics_ = std::move(gen.topics);
  links_ = std::move(gen.links);
  consumers_.clear();
  for (auto spec : gen.consumers.consumers) {
    spec.first_sink = nullptr;  // the supervisor holds it until the first incarnation takes it
    consumers_.emplace(spec.settings.name, std::move(spec));
  }
  std::lock_guard lock(published_mutex_);
  routing_ = std::move(next_routing);
  settings_ = std::make_shared<const config::settings>(next);
  if (!moved)  // an actor's death or a timeout, not the configuration: the watchdog has the rest
    return moved.error();
  return changes;
}

bool service::drain(std::chrono::milliseconds budget) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + budget;
  auto remaining = [&] {
    return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()),
                    std::chrono::milliseconds(1));
  };
  caf::scoped_actor self{sys_};
  bool drained = false;
  // First every accepted batch reaches its topics, then consumers empty the topics.
  for (const auto* stage : {&producer_, &supervisor_}) {
    drained = false;
    self->request(*stage, remaining(), drain_atom::value)
      .receive([&](bool) { drained = true; }, [&](caf::error&) {});
    if (!drained)
      return false;
  }
  return true;
}

}  // namespace eventrouter
