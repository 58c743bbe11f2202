// check-config and run agree (issue 16): every configuration check-config accepts starts, serves
// and is applied by a reload; every one it refuses is refused by run and by a reload, naming the
// same problems, while the running generation keeps serving.
//
// First the regression files (tests/property/regressions), then the seed corpus as it is and the
// broken files of tests/bad_input/config, then configurations the generator mutates from the
// corpus, until EVENTROUTER_PROPERTY_COUNT of them (default 1000) or EVENTROUTER_PROPERTY_SECONDS
// (default 60) — the time bounds the run, so a slower build (ASan) checks fewer. The seed is
// EVENTROUTER_PROPERTY_SEED or random, and printed: the same seed and binary replay a run.
// Every disagreement is printed with its configuration and kept as a regression file.

#include "bad_input/corpus.hpp"
#include "binary_check.hpp"
#include "config/loader.hpp"
#include "in_process_check.hpp"
#include "live_environment.hpp"
#include "mutations.hpp"
#include "regression_file.hpp"
#include "seed_corpus.hpp"
#include "service_under_test.hpp"
#include "verdict.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <random>

namespace eventrouter::testing {
namespace {

namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

std::uint64_t from_environment(const char* name, std::uint64_t otherwise) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::stoull(value) : otherwise;
}

// Whether a mutation touched what only the binary reads — the HTTP server's settings, the admin
// endpoint's, the file watcher's, the drain's — which a service built in-process never uses.
bool read_by_the_binary_only(const mutated_config& variant) {
  static const std::vector<json_step> sections{std::string("http"), std::string("admin"), std::string("reload"),
                                               std::string("shutdown_timeout_ms")};
  return std::any_of(variant.mutations.begin(), variant.mutations.end(), [](const mutation& m) {
    return std::find(sections.begin(), sections.end(), m.path.front()) != sections.end();
  });
}

// What one configuration came to.
struct judged {
  verdict check;
  std::vector<std::string> disagreements;
};

class agreement : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = std::make_unique<live_environment>();
    in_process = std::make_unique<in_process_check>();
    corpus = read_seed_corpus(*env);
  }
  static void TearDownTestSuite() {
    in_process.reset();
    env.reset();
  }

  // The corpus entry a reload to a variant of `entry` starts from: itself, unless it needs Kafka.
  static const corpus_entry& reload_base(const corpus_entry& entry) {
    return entry.on_kafka ? corpus_entry_named("memory.json") : entry;
  }

  static const corpus_entry& corpus_entry_named(const std::string& name) {
    for (const auto& e : corpus)
      if (e.name == name)
        return e;
    throw std::runtime_error("no corpus file " + name);
  }

  // Checks `text` with check-config, then run and a reload, in-process always and with the real
  // binary when `with_binary`.
  static judged judge(const std::string& text, const corpus_entry& base, bool with_binary) {
    auto file = write_temp("property-check.json", text);
    judged out{check_config(file), {}};
    auto add = [&](std::vector<std::string> more) {
      out.disagreements.insert(out.disagreements.end(), more.begin(), more.end());
    };
    if (out.check.refused()) {
      add(run_refuses(file, out.check));
    } else if (!out.check.accepted()) {
      add({"check-config neither accepted nor refused it (exit " + std::to_string(out.check.exit_code) + "):\n" +
           out.check.output});
      return out;
    } else if (auto loaded = config::load_settings_file(file); !loaded.value) {
      add({"check-config accepted it; the loader in this process refused it"});
      return out;
    } else if (loaded.value->kafka) {
      return out;  // no broker: check-config's word is all there is
    } else {
      ++live_checked;
      add(in_process->disagreements(*loaded.value, base.settings));
      if (with_binary)
        add(run_serves(text));
    }
    if (with_binary) {
      add(reload_agrees(text, json::serialize(base.config), out.check));
      env->empty_redis();
    }
    return out;
  }

  static void report(const std::string& title, const std::string& text, const judged& j) {
    std::cout << "\n=== DISAGREEMENT: " << title << "\n--- configuration:\n"
              << env->unfill(text) << "\n--- check-config " << (j.check.accepted() ? "accepted it" : "refused it:\n")
              << (j.check.accepted() ? "\n" : listed(j.check.problems)) << "--- instead:\n";
    for (const auto& d : j.disagreements)
      std::cout << "  * " << d << "\n";
  }

  static inline std::unique_ptr<live_environment> env;
  static inline std::unique_ptr<in_process_check> in_process;
  static inline std::vector<corpus_entry> corpus;
  static inline int live_checked = 0;
};

TEST_F(agreement, every_configuration_ever_caught_still_agrees) {
  auto cases = read_regressions(regressions_folder);
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    auto text = env->fill(c.config_text);
    auto j = judge(text, reload_base(corpus_entry_named(c.base)), true);
    if (c.expect != "either" && (c.expect == "accepted") != j.check.accepted())
      j.disagreements.push_back("check-config was expected to have " + c.expect + " it");
    if (!j.disagreements.empty())
      report(c.name + " (" + c.note + ")", text, j);
    EXPECT_TRUE(j.disagreements.empty()) << c.name << ": " << c.note;
  }
}

TEST_F(agreement, the_seed_corpus_and_the_broken_files_agree) {
  for (const auto& entry : corpus) {
    auto text = json::serialize(entry.config);
    auto j = judge(text, reload_base(entry), true);
    EXPECT_TRUE(j.check.accepted()) << entry.name << " is in the corpus of valid configurations:\n"
                                    << listed(j.check.problems);
    if (!j.disagreements.empty())
      report(entry.name, text, j);
    EXPECT_TRUE(j.disagreements.empty()) << entry.name;
  }
  for (const auto& c : read_config_cases(EVENTROUTER_SOURCE_DIR "/tests/bad_input/config")) {
    if (!c.text)
      continue;  // a file that does not exist: nothing to write
    auto j = judge(*c.text, corpus_entry_named("memory.json"), false);
    if (!j.disagreements.empty())
      report("tests/bad_input/config " + c.category + ": " + c.name, *c.text, j);
    EXPECT_TRUE(j.disagreements.empty()) << c.category << ": " << c.name;
  }
}

TEST_F(agreement, mutated_configurations_agree) {
  const auto seed = from_environment("EVENTROUTER_PROPERTY_SEED", std::random_device{}());
  const auto count = from_environment("EVENTROUTER_PROPERTY_COUNT", 1000);
  const auto budget = std::chrono::seconds(from_environment("EVENTROUTER_PROPERTY_SECONDS", 60));
  std::cout << "seed " << seed << " (replay: EVENTROUTER_PROPERTY_SEED=" << seed << "), at most " << count
            << " configurations or " << budget.count() << " s" << std::endl;
  // The real binary's run and reload take a second or two: a sample of the other configurations.
  constexpr double binary_share = 0.1;

  std::vector<json::value> bases;
  for (const auto& entry : corpus)
    bases.push_back(entry.config);
  mutator generator(seed, std::move(bases));
  std::cout << generator.planned() << " variants planned" << std::endl;
  std::map<std::string, int> caught;  // class of disagreement -> configurations in it
  std::uint64_t checked = 0, accepted = 0, with_binary = 0;
  live_checked = 0;
  const auto start = clock_type::now();
  while (checked < count && clock_type::now() - start < budget) {
    auto variant = generator.next();
    if (!variant)
      break;
    const auto& entry = corpus[variant->base];
    pin_listen(variant->config);
    auto text = json::serialize(variant->config);
    bool binary = read_by_the_binary_only(*variant) || generator.chance(binary_share);
    auto j = judge(text, reload_base(entry), binary);
    if (variant->must_be_refused() && j.check.accepted())
      j.disagreements.push_back("check-config accepted a value issue 16 (item 5) says the loader refuses: " +
                                variant->describe());
    generator.learn_bounds(j.check.problems);
    ++checked;
    accepted += j.check.accepted() ? 1 : 0;
    with_binary += binary ? 1 : 0;
    if (j.disagreements.empty())
      continue;
    auto class_name = entry.name + " " + variant->class_name();
    if (caught[class_name]++ > 0)
      continue;  // printed and kept once per class
    report(class_name + " [" + variant->describe() + "]", text, j);
    auto first_line = j.disagreements.front().substr(0, j.disagreements.front().find('\n'));
    auto said = std::string("check-config ") + (j.check.accepted() ? "accepted" : "refused") + " it; ";
    auto note = first_line.starts_with("check-config") ? first_line : said + first_line;
    auto expect = variant->must_be_refused() ? "refused" : "either";
    regression_case kept{file_stem_for(class_name), note, expect, reload_base(entry).name, env->unfill(text)};
    if (keep_regression(regressions_folder, kept))
      std::cout << "  kept as tests/property/regressions/" << file_stem_for(class_name) << ".json\n";
  }
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(clock_type::now() - start).count();
  std::cout << "\nchecked " << checked << " configurations in " << seconds << " s (seed " << seed << "): " << accepted
            << " accepted (" << live_checked << " started in-process, the others on Kafka), " << checked - accepted
            << " refused; " << with_binary << " also with the real binary's run and reload\n";
  for (const auto& [name, n] : caught)
    std::cout << "  disagreement: " << name << " (" << n << " configurations)\n";
  EXPECT_TRUE(caught.empty()) << caught.size() << " classes of disagreement; seed " << seed;
  // Fewer means the harness, not the service, is broken: a bounded run still checks this many.
  EXPECT_GE(checked, 50u);
}

}  // namespace
}  // namespace eventrouter::testing
