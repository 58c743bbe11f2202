#pragma once
// A configuration as a JSON tree the generator walks: a node is named by its path of member
// names and array indices, printed as the loader prints the place of a problem
// ($.consumers[0].sink.url, $.producer_config["a.b"]), so a mutation and the problem it causes
// read alike.

#include <boost/json.hpp>

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

namespace eventrouter::testing {

using json_step = std::variant<std::string, std::size_t>;
using json_path = std::vector<json_step>;

// $.a.b[0]["x.y"]: member names that are not identifiers go in brackets, as the loader writes them.
std::string to_string(const json_path& path);

// The same with every array index written [], so the paths of every consumer's url are one key.
std::string without_indices(const json_path& path);

// The node at `path`; nullptr when the tree has none there.
boost::json::value* node_at(boost::json::value& root, const json_path& path);

// Every node under the root, parents before their children (the root itself excluded).
std::vector<json_path> every_node(const boost::json::value& root);

}  // namespace eventrouter::testing
