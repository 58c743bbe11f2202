#pragma once
// The configurations the generator starts from: tests/property/corpus/*.json (every section of
// the configuration, valid) and config/examples/*.json, each with this run's addresses filled in
// and listening on 127.0.0.1, port 0. Every one must pass check-config.

#include "config/settings.hpp"
#include "live_environment.hpp"

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace eventrouter::testing {

struct corpus_entry {
  std::string name;  // the file's name
  boost::json::value config;
  config::settings settings;  // as the loader reads it
  bool on_kafka = false;      // no broker here: check-config and run's refusals only
};

std::vector<corpus_entry> read_seed_corpus(const live_environment& env);

// JSON with comments and trailing commas, as the loader reads it; throws on anything else.
boost::json::value parse_config(const std::string& text);

// Sets http.listen to 127.0.0.1:0 where http is an object or absent: binding is the environment's
// business, and every configuration of a run must be able to listen at once.
void pin_listen(boost::json::value& config);

}  // namespace eventrouter::testing
