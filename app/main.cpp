// eventrouter: the command line. `run` serves a configuration; `check-config` validates one.

#include "actors/config_manager.hpp"
#include "actors/http_api.hpp"
#include "actors/service.hpp"
#include "actors/service_log.hpp"
#include "actors/sink.hpp"
#include "config/file_watcher.hpp"
#include "config/loader.hpp"
#include "metrics/registry.hpp"
#include "dlq_replay.hpp"
#include "replay.hpp"
#include "router/rfc3339.hpp"
#include "transports/http_server.hpp"

#include <caf/all.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace eventrouter;

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;  // the service could not start or stop cleanly
constexpr int exit_usage = 2;    // bad command line or invalid configuration

constexpr std::string_view usage = R"(usage: eventrouter <command> [options]

commands:
  run --config FILE     serve the configuration in FILE until SIGTERM or SIGINT; reload it
                        on SIGHUP, when it changes (reload.watch_file), or POST /admin/reload
  check-config FILE     validate FILE; print every problem; exit 0 when it is valid
  replay --config FILE --consumer NAME (--from-time RFC3339 | --from-offset N)
                        move a Kafka consumer's group back and deliver from there to the end
                        with its sink, committing as it goes; exit 0 once caught up (stop the
                        service's consumer of that group first: members share partitions)
  dlq replay --config FILE --topic DEAD_LETTER_TOPIC --to TOPIC
                        move what a dead-letter topic holds back to a topic, without the dlq_*
                        attributes (redis: deleted from the stream; kafka: a group keeps the
                        position)
  --help                show this text
  --version             print the version

exit codes: 0 success, 1 the service failed, 2 bad usage or an invalid configuration

examples:
  eventrouter run --config config/examples/local.json
  eventrouter check-config /etc/eventrouter/config.json
  eventrouter replay --config prod.json --consumer search-indexer --from-time 2024-05-01T00:00:00Z
  eventrouter dlq replay --config prod.json --topic indexer-dlq --to content-authoring-xblock-lifecycle
)";

// Loads and validates; prints every problem to stderr.
std::optional<config::settings> load(const std::string& path) {
  auto result = config::load_settings_file(path);
  for (const auto& p : result.problems)
    std::cerr << path << ": " << config::to_string(p) << "\n";
  return std::move(result.value);
}

int check_config(const std::string& path) {
  auto settings = load(path);
  if (!settings)
    return exit_usage;
  std::cout << path << ": ok (" << settings->topics.size() << " topics, " << settings->routes.size()
            << " routes, " << settings->consumers.size() << " consumers)\n";
  return exit_ok;
}

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

int run(const std::string& path) {
  auto signals = block_control_signals();
  auto settings = load(path);
  if (!settings)
    return exit_usage;
  // Log sinks print one line per event; a reader of a pipe must see each line as it is made.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  metrics::registry metrics;  // outlives the actor system, whose actors count into it
  caf::actor_system_config caf_config;
  caf::actor_system sys{caf_config};
  std::unique_ptr<service> started;
  try {
    started = std::make_unique<service>(sys, *settings, metrics);
  } catch (const std::exception& e) {
    log_line(log_level::error, std::string("cannot start: ") + e.what());
    return exit_failure;
  }
  auto& svc = *started;
  auto manager = spawn_config_manager(sys, path, svc, metrics);
  // Watching before the service says it listens: an edit made once it is up is never missed.
  auto watcher = watch(path, settings->reload, manager);
  std::atomic<bool> ready{false};
  http::server server{{settings->http.host, settings->http.port, settings->http.max_body_bytes,
                       settings->http.threads},
                      make_http_api({sys, svc, metrics, settings->http, ready, manager})};
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
  log_line(log_level::info, std::string("received ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
                                "; draining");
  ready = false;
  watcher.reset();
  {
    // A reload under way finishes first: the configuration does not change during the drain.
    caf::scoped_actor self{sys};
    self->send_exit(manager, caf::exit_reason::user_shutdown);
    self->wait_for(manager);
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

// replay --config FILE --consumer NAME (--from-time T | --from-offset N), in any order.
int replay(const std::vector<std::string_view>& args) {
  std::map<std::string_view, std::string> options;
  for (std::size_t i = 1; i + 1 < args.size(); i += 2)
    options[args[i]] = std::string(args[i + 1]);
  bool well_formed = args.size() == 7 && options.count("--config") && options.count("--consumer") &&
                     (options.count("--from-time") != options.count("--from-offset"));
  if (!well_formed) {
    std::cerr << "eventrouter replay: expected --config FILE --consumer NAME and one of --from-time, --from-offset\n\n"
              << usage;
    return exit_usage;
  }
  replay_request request{options["--consumer"], std::nullopt, std::nullopt};
  if (options.count("--from-time")) {
    request.from_time = parse_rfc3339(options["--from-time"]);
    if (!request.from_time) {
      std::cerr << "eventrouter replay: --from-time '" << options["--from-time"]
                << "' is not an RFC 3339 time such as 2024-05-01T00:00:00Z\n";
      return exit_usage;
    }
  } else {
    try {
      std::size_t used = 0;
      request.from_offset = std::stoll(options["--from-offset"], &used);
      if (used != options["--from-offset"].size() || *request.from_offset < 0)
        throw std::invalid_argument("");
    } catch (const std::exception&) {
      std::cerr << "eventrouter replay: --from-offset '" << options["--from-offset"] << "' is not an offset (0 or more)\n";
      return exit_usage;
    }
  }
  auto settings = load(options["--config"]);
  if (!settings)
    return exit_usage;
  return run_replay(*settings, request);
}

// dlq replay --config FILE --topic DLQ --to TOPIC, in any order.
int dlq_replay(const std::vector<std::string_view>& args) {
  std::map<std::string_view, std::string> options;
  for (std::size_t i = 2; i + 1 < args.size(); i += 2)
    options[args[i]] = std::string(args[i + 1]);
  if (args.size() != 8 || !options.count("--config") || !options.count("--topic") || !options.count("--to")) {
    std::cerr << "eventrouter dlq replay: expected --config FILE --topic DEAD_LETTER_TOPIC --to TOPIC\n\n" << usage;
    return exit_usage;
  }
  auto settings = load(options["--config"]);
  if (!settings)
    return exit_usage;
  return run_dlq_replay(*settings, options["--topic"], options["--to"]);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << usage;
    return args.empty() ? exit_usage : exit_ok;
  }
  if (args[0] == "--version") {
    std::cout << "eventrouter " << EVENTROUTER_VERSION << "\n";
    return exit_ok;
  }
  if (args[0] == "check-config" && args.size() == 2)
    return check_config(std::string(args[1]));
  if (args[0] == "run" && args.size() == 3 && args[1] == "--config")
    return run(std::string(args[2]));
  if (args[0] == "replay")
    return replay(args);
  if (args[0] == "dlq" && args.size() > 1 && args[1] == "replay")
    return dlq_replay(args);
  std::cerr << "eventrouter: unknown command or wrong arguments: ";
  for (auto a : args)
    std::cerr << a << ' ';
  std::cerr << "\n\n" << usage;
  return exit_usage;
}
