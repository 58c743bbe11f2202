#include "actors/config_manager.hpp"

#include "actors/failure.hpp"
#include "actors/service_log.hpp"
#include "config/loader.hpp"

#include <chrono>

namespace eventrouter {

namespace {

struct config_manager_state {
  std::string path;
  service* svc = nullptr;
  metrics::counter ok;
  metrics::counter invalid;
  metrics::counter failed;
  metrics::gauge generation;
  metrics::gauge last_success;

  void loaded(std::uint64_t serving) const { show_loaded(generation, last_success, serving); }

  static void show_loaded(const metrics::gauge& generation, const metrics::gauge& last_success,
                          std::uint64_t serving) {
    generation.set(static_cast<double>(serving));
    last_success.set(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  }
};

using config_manager_actor = caf::stateful_actor<config_manager_state>*;

// Records the reload's result, then logs it: once the line is in the log, /v1/reloads has it too.
reload_result settle(config_manager_actor self, const std::string& trigger, reload_result result, log_level level,
                     const std::string& message) {
  self->state.svc->reloads().record({trigger, std::chrono::system_clock::now(), result});
  if (result.kind.empty())
    log_line(level, "reload (" + trigger + ") " + message);
  else
    log_line(level, "reload (" + trigger + ") " + message, {{"kind", result.kind}});
  return result;
}

reload_result reload(config_manager_actor self, const std::string& trigger) {
  auto& st = self->state;
  auto serving = st.svc->routing_now()->generation;
  auto loaded = config::load_settings_file(st.path);
  if (!loaded.value) {
    st.invalid.add();
    reload_result out{reload_result::outcome::invalid, serving, {}, {}};
    for (const auto& p : loaded.problems)
      out.errors.push_back(config::to_string(p));
    std::string lines;
    for (const auto& e : out.errors)
      lines += "\n  " + st.path + ": " + e;
    auto message = "refused: " + std::to_string(out.errors.size()) + " problem(s) in " + st.path +
                   "; still serving generation " + std::to_string(serving) + lines;
    return settle(self, trigger, std::move(out), log_level::error, message);
  }
  auto changes = st.svc->apply(*loaded.value);
  if (!changes) {
    st.failed.add();
    const auto& why = changes.error();
    // Nothing changed, unless an actor died half-way (and the service stops: see service::died).
    serving = st.svc->routing_now()->generation;
    auto message = "failed: " + describe(why) + "; serving generation " + std::to_string(serving);
    return settle(self, trigger,
                  {reload_result::outcome::failed, serving, {describe(why)}, {}, to_string(kind_of(why))},
                  log_level::error, message);
  }
  st.ok.add();
  st.loaded(changes->generation);
  auto summary = changes->summary();
  auto level = changes->restart_only.empty() ? log_level::info : log_level::warn;
  auto message = "applied generation " + std::to_string(changes->generation) + ": " + summary;
  return settle(self, trigger, {reload_result::outcome::ok, changes->generation, {}, std::move(summary)}, level,
                message);
}

caf::behavior config_manager(config_manager_actor self, std::string path, service* svc, metrics::registry* m) {
  exit_on_exception(self, "the config manager");
  auto& st = self->state;
  st.path = std::move(path);
  st.svc = svc;
  st.ok = m->reloads("ok");
  st.invalid = m->reloads("invalid");
  st.failed = m->reloads("failed");
  st.generation = m->config_generation();
  st.last_success = m->last_reload_success();
  return {
    [=](reload_atom, const std::string& trigger) { return reload(self, trigger); },
  };
}

}  // namespace

caf::actor spawn_config_manager(caf::actor_system& sys, std::string path, service& svc, metrics::registry& metrics) {
  // The file the service started with was good. Recorded here, before the actor's thread runs,
  // so that /v1/reloads and /metrics show the start-up as soon as the service answers.
  auto serving = svc.routing_now()->generation;
  config_manager_state::show_loaded(metrics.config_generation(), metrics.last_reload_success(), serving);
  svc.reloads().record({"start-up", std::chrono::system_clock::now(),
                        {reload_result::outcome::ok, serving, {}, "the configuration the service started with"}});
  return sys.spawn<caf::detached>(config_manager, std::move(path), &svc, &metrics);
}

}  // namespace eventrouter
