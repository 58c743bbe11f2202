#include "seed_corpus.hpp"

#include "config/loader.hpp"
#include "json_files.hpp"

#include <filesystem>
#include <stdexcept>

namespace eventrouter::testing {

namespace json = boost::json;
namespace fs = std::filesystem;

json::value parse_config(const std::string& text) {
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  return json::parse(text, {}, options);
}

void pin_listen(json::value& config) {
  auto* root = config.if_object();
  if (root == nullptr)
    return;
  auto* http = root->if_contains("http");
  if (http == nullptr)
    http = &((*root)["http"] = json::object{});
  if (auto* object = http->if_object())
    (*object)["listen"] = "127.0.0.1:0";
}

std::vector<corpus_entry> read_seed_corpus(const live_environment& env) {
  std::vector<fs::path> files;
  for (const auto* folder : {EVENTROUTER_SOURCE_DIR "/tests/property/corpus",  // written for this test
                             EVENTROUTER_SOURCE_DIR "/config/examples"})
    for (auto& file : json_files_in(folder))
      files.push_back(std::move(file));
  std::vector<corpus_entry> out;
  for (const auto& file : files) {
    auto config = parse_config(env.fill(read_text(file)));
    pin_listen(config);
    auto loaded = config::parse_settings(json::serialize(config));
    if (!loaded.value)
      throw std::runtime_error(file.string() + " is not valid: " + config::to_string(loaded.problems.front()));
    bool on_kafka = loaded.value->kafka.has_value();
    out.push_back({file.filename().string(), std::move(config), std::move(*loaded.value), on_kafka});
  }
  return out;
}

}  // namespace eventrouter::testing
