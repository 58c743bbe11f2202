// The commands that work on a configuration without serving it: check-config, replay and
// dlq replay.

#include "commands.hpp"

#include "dlq_replay.hpp"
#include "replay.hpp"
#include "router/rfc3339.hpp"

#include <iostream>

namespace eventrouter {

namespace {

using namespace cli;

int check_config_main(std::span<const std::string_view> args) {
  if (args.size() != 1 || args[0].starts_with("--"))
    return usage_error(check_config_command, "expected one FILE");
  std::string path(args[0]);
  auto settings = load(path);
  if (!settings)
    return exit_usage;
  std::cout << path << ": ok (" << settings->topics.size() << " topics, " << settings->routes.size()
            << " routes, " << settings->consumers.size() << " consumers)\n";
  return exit_ok;
}

int replay_main(std::span<const std::string_view> args) {
  auto parsed = options::parse(args, {{"--config"}, {"--consumer"}, {"--from-time"}, {"--from-offset"}});
  if (auto* error = std::get_if<std::string>(&parsed))
    return usage_error(replay_command, *error);
  auto& o = std::get<options>(parsed);
  if (!o.has("--config") || !o.has("--consumer") || o.has("--from-time") == o.has("--from-offset") ||
      !o.positional().empty())
    return usage_error(replay_command, "expected --config FILE --consumer NAME and one of --from-time, --from-offset");
  replay_request request{*o.value("--consumer"), std::nullopt, std::nullopt};
  if (auto time = o.value("--from-time")) {
    request.from_time = parse_rfc3339(*time);
    if (!request.from_time)
      return usage_error(replay_command, "--from-time '" + *time + "' is not an RFC 3339 time such as 2024-05-01T00:00:00Z");
  } else {
    auto offset = *o.value("--from-offset");
    try {
      std::size_t used = 0;
      request.from_offset = std::stoll(offset, &used);
      if (used != offset.size() || *request.from_offset < 0)
        throw std::invalid_argument(offset);
    } catch (const std::exception&) {
      return usage_error(replay_command, "--from-offset '" + offset + "' is not an offset (0 or more)");
    }
  }
  auto settings = load(*o.value("--config"));
  if (!settings)
    return exit_usage;
  return run_replay(*settings, request);
}

int dlq_replay_main(std::span<const std::string_view> args) {
  auto parsed = options::parse(args, {{"--config"}, {"--topic"}, {"--to"}});
  if (auto* error = std::get_if<std::string>(&parsed))
    return usage_error(dlq_replay_command, *error);
  auto& o = std::get<options>(parsed);
  if (!o.has("--config") || !o.has("--topic") || !o.has("--to") || !o.positional().empty())
    return usage_error(dlq_replay_command, "expected --config FILE --topic DEAD_LETTER_TOPIC --to TOPIC");
  auto settings = load(*o.value("--config"));
  if (!settings)
    return exit_usage;
  return run_dlq_replay(*settings, *o.value("--topic"), *o.value("--to"));
}

}  // namespace

const command check_config_command{"check-config", "validate a configuration file, listing every problem",
                                   R"(usage: eventrouter check-config FILE

Validates FILE as `run` would load it (schemas included) and prints every problem with its JSON
path, what is wrong and what is expected; prints a one-line summary when it is valid.

exit codes: 0 valid; 2 invalid or bad usage

example:
  eventrouter check-config /etc/eventrouter/config.json
)",
                                   check_config_main};

const command replay_command{"replay", "deliver a Kafka or Pulsar consumer's topic again from a time or an offset",
                             R"(usage: eventrouter replay --config FILE --consumer NAME (--from-time RFC3339 | --from-offset N)

Moves the Kafka consumer group of consumer NAME back to a time or an offset on every partition
and delivers from there to the end with the consumer's sink, committing as it goes; exits once
caught up. Stop the service's consumer of that group first: members share partitions. Pulsar:
moves the group's subscription cursor to a time, or to the N-th message the topic holds (0 the
oldest), and reads it with an exclusive consumer, which the broker refuses while the service's
consumers of the group are connected.

exit codes: 0 caught up; 1 the sink kept failing or the broker failed; 2 bad usage or configuration

example:
  eventrouter replay --config prod.json --consumer search-indexer --from-time 2024-05-01T00:00:00Z
)",
                             replay_main};

const command dlq_replay_command{"dlq replay", "move a dead-letter topic's events back to a topic",
                                 R"(usage: eventrouter dlq replay --config FILE --topic DEAD_LETTER_TOPIC --to TOPIC

Moves what a dead-letter topic holds back to a topic, without the dlq_* attributes. Redis: each
entry is deleted from the dead-letter stream once the target confirmed it. Kafka: the group
eventrouter-dlq-replay keeps the position, so a later run moves only what came since. Pulsar: the
subscription eventrouter-dlq-replay does the same.

exit codes: 0 done; 1 a broker failed (what was moved stays moved); 2 bad usage or configuration

example:
  eventrouter dlq replay --config prod.json --topic indexer-dlq --to content-authoring-xblock-lifecycle
)",
                                 dlq_replay_main};

}  // namespace eventrouter
