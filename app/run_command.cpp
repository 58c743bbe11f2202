// `eventrouter run`: serves a configuration until SIGTERM or SIGINT, reloading it on SIGHUP, when
// the file changes, or on POST /admin/reload.

#include "commands.hpp"

#include "actors/config_manager.hpp"
#include "actors/failure.hpp"
#include "actors/http_api.hpp"
#include "actors/service.hpp"
#include "actors/service_log.hpp"
#include "config/file_watcher.hpp"
#include "metrics/registry.hpp"
#include "transports/http_server.hpp"
#include "usable_cpus.hpp"

#include <caf/all.hpp>

#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>

#include <sys/resource.h>
#include <unistd.h>

namespace eventrouter {

namespace {

using namespace cli;

// Blocks the shutdown and reload signals in this thread and, by inheritance, in every thread
// started after it, so that only sigwait in main receives them.
sigset_t block_control_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Reloads when the file changes; without inotify, SIGHUP and the admin call still do.
std::unique_ptr<config::file_watcher> watch(const std::string& path, const config::reload_settings& reload,
                                            caf::actor manager) {
  if (!reload.watch_file)
    return nullptr;
  try {
    return std::make_unique<config::file_watcher>(path, reload.debounce, [manager] {
      caf::anon_send(manager, reload_atom::value, std::string("file changed"));
    });
  } catch (const std::exception& e) {
    log_line(log_level::warn, std::string("not watching the configuration file: ") + e.what() +
                                "; reload with SIGHUP or POST /admin/reload");
    return nullptr;
  }
}

http::server_options server_options(const config::http_settings& http, metrics::registry& metrics) {
  return {http.host,
          http.port,
          http.max_body_bytes,
          http.threads,
          http.request_timeout,
          http.idle_timeout,
          http.max_header_bytes,
          http.max_connections,
          {metrics.http_refused("too_many_connections"), metrics.http_refused("header_too_large"),
           metrics.http_refused("body_too_large"), metrics.http_refused("timeout"), metrics.http_refused("malformed"),
           metrics.http_open_connections()}};
}

// Each connection takes a file descriptor, which broker connections and files share: a limit
// of connections past what the process may open would fail in accept, not with the 503.
void warn_if_connections_exceed_files(std::size_t max_connections) {
  constexpr rlim_t reserve = 64;  // for brokers, the configuration file, logs
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY ||
      max_connections + reserve <= files.rlim_cur)
    return;
  log_line(log_level::warn, "http.max_connections (" + std::to_string(max_connections) +
                              ") is near or past the open file limit (" + std::to_string(files.rlim_cur) +
                              "): raise it (ulimit -n) or lower http.max_connections");
}

int serve(const std::string& path) {
  auto signals = block_control_signals();
  auto settings = load(path);
  if (!settings)
    return exit_usage;
  // Log sinks print one line per event; a reader of a pipe must see each line as it is made.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  metrics::registry metrics;  // outlives the actor system, whose actors count into it
  caf::actor_system_config caf_config;
  add_error_category(caf_config);
  // One scheduler thread per CPU the process can use, not CAF's default of at least four: more
  // threads than CPUs only take turns on them, and each turn is events waiting.
  caf_config.set("scheduler.max-threads", std::size_t{usable_cpus()});
  caf::actor_system sys{caf_config};
  std::unique_ptr<service> started;
  try {
    // A long-lived actor's death ends the wait for signals below, as SIGTERM does.
    started = std::make_unique<service>(sys, *settings, metrics, sink_factory{},
                                        [](const std::string&) { kill(getpid(), SIGTERM); });
  } catch (const std::exception& e) {
    log_line(log_level::error, std::string("cannot start: ") + e.what());
    return exit_failure;
  }
  auto& svc = *started;
  auto manager = spawn_config_manager(sys, path, svc, metrics);
  svc.watch(manager, "the config manager");
  // Watching before the service says it listens: an edit made once it is up is never missed.
  auto watcher = watch(path, settings->reload, manager);
  std::atomic<bool> ready{false};
  http::server server{server_options(settings->http, metrics),
                      make_http_api({sys, svc, metrics, settings->http, ready, manager})};
  warn_if_connections_exceed_files(settings->http.max_connections);
  try {
    server.start();
  } catch (const std::exception& e) {
    log_line(log_level::error, std::string("cannot serve HTTP: ") + e.what());
    return exit_failure;
  }
  ready = true;
  log_line(log_level::info, "eventrouter listening on http://" + settings->http.host + ":" +
                                std::to_string(server.port()) + " with " + path);

  int signal = 0;
  while (sigwait(&signals, &signal) == 0 && signal == SIGHUP)
    caf::anon_send(manager, reload_atom::value, std::string("SIGHUP"));
  auto broken = svc.broken();
  if (!broken)
    log_line(log_level::info, std::string("received ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") + "; draining");
  ready = false;
  watcher.reset();
  {
    // A reload under way finishes first: the configuration does not change during the drain.
    caf::scoped_actor self{sys};
    self->send_exit(manager, caf::exit_reason::user_shutdown);
    self->wait_for(manager);
  }
  if (broken) {
    // Nothing to drain into: what the dead actor held is lost with this process, and what the
    // topics held is delivered again by the next one (Redis, Kafka) or lost (memory).
    server.stop();
    log_line(log_level::error, "stopping without a drain: " + *broken);
    return exit_failure;
  }
  server.stop_accepting();
  bool drained = svc.drain(settings->shutdown_timeout);
  server.stop();
  if (!drained) {
    log_line(log_level::error, "drain did not finish within shutdown_timeout_ms (" +
                                   std::to_string(settings->shutdown_timeout.count()) + " ms)");
    return exit_failure;
  }
  log_line(log_level::info, "drained; bye");
  return exit_ok;
}

// Sets the log's format and level from --log-format and --log-level; the problem, if any.
std::optional<std::string> configure_log(const options& o) {
  if (auto name = o.value("--log-format")) {
    auto format = log_format_named(*name);
    if (!format)
      return "--log-format is '" + *name + "'; expected json or text";
    set_log_format(*format);
  }
  if (auto name = o.value("--log-level")) {
    auto level = log_level_named(*name);
    if (!level)
      return "--log-level is '" + *name + "'; expected debug, info, warn or error";
    set_log_level(*level);
  }
  return std::nullopt;
}

int run_main(std::span<const std::string_view> args) {
  auto parsed = options::parse(args, {{"--config"}, {"--log-format"}, {"--log-level"}});
  if (auto* error = std::get_if<std::string>(&parsed))
    return usage_error(run_command, *error);
  auto& o = std::get<options>(parsed);
  if (!o.has("--config") || !o.positional().empty())
    return usage_error(run_command, "expected --config FILE");
  if (auto problem = configure_log(o))
    return usage_error(run_command, *problem);
  return serve(*o.value("--config"));
}

}  // namespace

const command run_command{"run", "serve a configuration until SIGTERM or SIGINT", R"(usage: eventrouter run --config FILE [--log-format json|text] [--log-level debug|info|warn|error]

Serves the configuration in FILE: HTTP ingest, routing, topics and consumers. Reloads it on
SIGHUP, when the file changes (reload.watch_file), or on POST /admin/reload; an invalid file is
refused whole and the running configuration stays. SIGTERM or SIGINT drain: accepted events
reach their topics, consumers finish what their topics hold, then it exits.

The service logs on stderr (log sinks print events on stdout), one line per entry, with
passwords in URLs and Bearer/Basic credentials masked:
  --log-format json   (default) one JSON object per line: time, level, msg, and fields such as
                      consumer, event_id, event_type, topic and next (what happens next)
  --log-format text   for people: 2026-11-26T03:12:00.123Z WARN  msg key=value ...
  --log-level LEVEL   the lowest level written: debug, info (default), warn or error

exit codes: 0 drained and stopped; 1 it could not start (a broker client, the port, a schema
registry, a sink that refuses its settings), the drain ran out of shutdown_timeout_ms, or one of
its long-lived actors (router, producer, consumer supervisor, config manager) died; 2 bad usage
or an invalid configuration

examples:
  eventrouter run --config config/examples/local.json
  eventrouter run --config config/examples/local.json --log-format text --log-level warn
)",
                            run_main};

}  // namespace eventrouter
