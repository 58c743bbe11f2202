// Fuzz target: a configuration file's text, as check-config, start-up and every reload read it,
// with ${ENV} references to a few variables set here. Relative folders start at
// tests/fuzz/schemas, so "schemas": {"directory": "."} loads real Open edX schemas. A file is
// valid or refused with problems, each naming where (a JSON path) and what, in readable text; a
// valid one holds only webhook URLs and headers its clients can write to the wire.

#include "config/loader.hpp"
#include "config/wire_text.hpp"
#include "fuzz_check.hpp"
#include "fuzz_schemas.hpp"
#include "avro/utf8.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("FUZZ_REDIS_URL", "redis://localhost:6379/0", 1);
  setenv("FUZZ_BROKERS", "localhost:9092", 1);
  setenv("FUZZ_TOKEN", "s3cret", 1);
  setenv("FUZZ_EMPTY", "", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace eventrouter;
  auto result = config::parse_settings(fuzz::text_of(data, size), fuzz::schema_folder());
  fuzz::require(result.value.has_value() == result.problems.empty(), "settings come exactly when nothing is wrong");
  for (const auto& problem : result.problems) {
    auto text = config::to_string(problem);
    fuzz::require(problem.path.starts_with("$"), "a problem names a JSON path", text);
    fuzz::require(!problem.message.empty() && is_utf8(text), "a problem says what is wrong, in UTF-8", text);
  }
  if (!result.value)
    return 0;
  for (const auto& consumer : result.value->consumers) {
    if (consumer.sink.type != config::sink_kind::http)
      continue;
    const auto& url = consumer.sink.url;
    fuzz::require(!url.empty() && url.port != 0 && !config::find_control_character(url.path),
                  "an accepted webhook URL has a host, a port and a path that fit on a request line", url.display());
    for (const auto& [name, value] : consumer.sink.headers)
      fuzz::require(config::is_http_token(name) && !config::find_control_character(value),
                    "an accepted header fits on one header line", name);
  }
  return 0;
}
