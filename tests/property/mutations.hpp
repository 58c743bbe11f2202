#pragma once
// The generator: changes values of valid configurations, each picked by its path from a table of
// mutations per kind of value — numbers at and past their bounds, strings empty, huge, unicode or
// holding control characters and ${ENV} references, URLs with userinfo, without a host, with
// ports out of range or other schemes, wrong JSON kinds, unknown, removed and renamed keys.
//
// Every row of the table at every node of every corpus configuration is planned up front and
// shuffled by the seed: a run makes as many distinct variants as its time allows and none twice,
// so rare rows (a URL's userinfo) are reached as surely as common ones. One variant in four gets
// one or two random rows more, for what only a combination breaks.
//
// The bounds of a number are learnt from check-config's own messages ("expected a whole number
// from 1 to 1000"): once a key's bounds are known, min, max, min-1 and max+1 are planned next
// for it, so the bounds the loader states are checked against what the service does with them.

#include "config_tree.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace eventrouter::testing {

struct mutation {
  json_path path;
  std::string what;  // the row of the table: "userinfo", "max+1", "10 kB string"...
  // A value issue 16 (item 5) says the loader refuses: a port out of range or a URL without a
  // host; CR, LF, NUL or another control character in a URL, a header or a topic name.
  bool refused_by_issue = false;
};

struct mutated_config {
  std::size_t base = 0;  // index of the corpus configuration it was made from
  boost::json::value config;
  std::vector<mutation> mutations;

  // "$.consumers[0].sink.url: userinfo" per mutation, for the printout.
  std::string describe() const;
  // The same without array indices: one name for a class of disagreements, a file name's stem.
  std::string class_name() const;
  // Only a lone mutation: another may have removed what the first one broke.
  bool must_be_refused() const { return mutations.size() == 1 && mutations.front().refused_by_issue; }
};

class mutator {
 public:
  mutator(std::uint64_t seed, std::vector<boost::json::value> corpus);

  // The next variant; nullopt once every planned one was made.
  std::optional<mutated_config> next();

  // Reads the bounds of whole numbers from problems as check-config prints them.
  void learn_bounds(const std::vector<std::string>& problems);

  // True with probability `p`, from the same seeded sequence as the mutations.
  bool chance(double p) { return std::bernoulli_distribution(p)(random_); }

  std::size_t planned() const { return plan_.size(); }

 private:
  struct row {
    std::string what;
    boost::json::value replacement;  // the new value, or a renamed key's new name
    enum class action { replace, remove, rename } act = action::replace;
    bool refused_by_issue = false;
  };
  struct planned_row {
    std::size_t base;
    json_path path;
    std::string what;
  };

  std::vector<row> rows_for(const json_path& path, const boost::json::value& node) const;
  void apply(boost::json::value& root, const json_path& path, const row& r) const;
  void apply_random(mutated_config& variant);

  std::mt19937_64 random_;
  std::vector<boost::json::value> corpus_;
  std::vector<planned_row> plan_;  // made from the back
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> bounds_;  // by path without indices
};

}  // namespace eventrouter::testing
