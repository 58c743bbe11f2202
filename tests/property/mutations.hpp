#pragma once
// The generator: changes one to three values of a valid configuration, each picked by its path
// from a table of mutations per kind of value — numbers at and past their bounds, strings empty,
// huge, unicode or holding control characters and ${ENV} references, URLs with userinfo, without
// a host, with ports out of range, wrong JSON kinds, unknown, removed and renamed keys.
//
// The bounds of a number are learnt from check-config's own messages ("expected a whole number
// from 1 to 1000"): once a key's bounds are known, its mutations include min, max, min-1 and
// max+1, so the bounds the loader states are checked against what the service does with them.

#include "config_tree.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace eventrouter::testing {

struct mutation {
  json_path path;
  std::string what;  // the row of the table: "userinfo", "max+1", "10 kB string"...
};

struct mutated_config {
  boost::json::value config;
  std::vector<mutation> mutations;

  // "$.consumers[0].sink.url: userinfo" per mutation, for the printout.
  std::string describe() const;
  // The same without array indices: one name for a class of disagreements, a file name's stem.
  std::string class_name() const;
};

class mutator {
 public:
  explicit mutator(std::uint64_t seed) : random_(seed) {}

  mutated_config mutate(const boost::json::value& base);

  // Reads the bounds of whole numbers from problems as check-config prints them.
  void learn_bounds(const std::vector<std::string>& problems);

  // True with probability `p`, from the same seeded sequence as the mutations.
  bool chance(double p) { return std::bernoulli_distribution(p)(random_); }

 private:
  struct candidate {
    std::string what;
    boost::json::value replacement;  // unused by removals and renames
    enum class action { replace, remove, rename } act = action::replace;
  };

  std::vector<candidate> candidates_for(const json_path& path, const boost::json::value& node) const;
  void apply_one(boost::json::value& root, mutated_config& out);

  std::mt19937_64 random_;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> bounds_;  // by path without indices
};

}  // namespace eventrouter::testing
