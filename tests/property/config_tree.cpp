#include "config_tree.hpp"

#include <algorithm>
#include <cctype>

namespace eventrouter::testing {

namespace json = boost::json;

namespace {

bool is_identifier(const std::string& key) {
  return !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0])) &&
         std::all_of(key.begin(), key.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string path_text(const json_path& path, bool with_indices) {
  std::string out = "$";
  for (const auto& step : path) {
    if (const auto* index = std::get_if<std::size_t>(&step))
      out += with_indices ? "[" + std::to_string(*index) + "]" : "[]";
    else if (const auto& key = std::get<std::string>(step); is_identifier(key))
      out += "." + key;
    else
      out += "[" + json::serialize(json::string(key)) + "]";
  }
  return out;
}

void collect(const json::value& node, json_path& here, std::vector<json_path>& out) {
  if (const auto* object = node.if_object()) {
    for (const auto& [key, child] : *object) {
      here.emplace_back(std::string(key));
      out.push_back(here);
      collect(child, here, out);
      here.pop_back();
    }
  } else if (const auto* array = node.if_array()) {
    for (std::size_t i = 0; i < array->size(); ++i) {
      here.emplace_back(i);
      out.push_back(here);
      collect((*array)[i], here, out);
      here.pop_back();
    }
  }
}

}  // namespace

std::string to_string(const json_path& path) { return path_text(path, true); }

std::string without_indices(const json_path& path) { return path_text(path, false); }

json::value* node_at(json::value& root, const json_path& path) {
  json::value* node = &root;
  for (const auto& step : path) {
    if (const auto* index = std::get_if<std::size_t>(&step)) {
      auto* array = node->if_array();
      if (array == nullptr || *index >= array->size())
        return nullptr;
      node = &(*array)[*index];
    } else {
      auto* object = node->if_object();
      node = object == nullptr ? nullptr : object->if_contains(std::get<std::string>(step));
      if (node == nullptr)
        return nullptr;
    }
  }
  return node;
}

std::vector<json_path> every_node(const json::value& root) {
  std::vector<json_path> out;
  json_path here;
  collect(root, here, out);
  return out;
}

}  // namespace eventrouter::testing
