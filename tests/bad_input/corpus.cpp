#include "corpus.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace eventrouter::testing {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

json::object read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  return json::parse(text.str(), {}, options).as_object();
}

std::vector<fs::path> files_in(const fs::path& folder) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.path().extension() == ".json")
      out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string hex_bytes(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i < hex.size();) {
    if (hex[i] == ' ') {
      ++i;
      continue;
    }
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

// A string, or an array of pieces: strings, {"repeat": pieces, "times": n} and {"hex": "ff 00"}.
std::string bytes_of(const json::value& v) {
  if (v.is_string())
    return std::string(v.get_string());
  std::string out;
  for (const auto& piece : v.as_array()) {
    if (piece.is_string()) {
      out += piece.get_string();
    } else if (const auto* hex = piece.as_object().if_contains("hex")) {
      out += hex_bytes(hex->as_string());
    } else {
      auto unit = bytes_of(piece.at("repeat"));
      for (auto n = piece.at("times").to_number<std::size_t>(); n > 0; --n)
        out += unit;
    }
  }
  return out;
}

// {"remove": [attribute...], "set": {attribute: value}} applied to the base event.
json::object patched_event(const json::value& patch, const std::string& id) {
  auto ev = base_event(id);
  if (const auto* remove = patch.as_object().if_contains("remove"))
    for (const auto& name : remove->as_array())
      ev.erase(name.as_string());
  if (const auto* set = patch.as_object().if_contains("set"))
    for (const auto& [name, value] : set->as_object())
      ev[name] = value;
  return ev;
}

// "batch": an array of patches, or {"copies": n} of the base event.
json::array batch_of(const json::value& spec, const std::string& id) {
  json::array out;
  if (const auto* copies = spec.is_object() ? spec.as_object().if_contains("copies") : nullptr) {
    for (auto n = copies->to_number<std::size_t>(), i = std::size_t{0}; i < n; ++i)
      out.push_back(base_event(id + "-" + std::to_string(i)));
    return out;
  }
  for (std::size_t i = 0; i < spec.as_array().size(); ++i)
    out.push_back(patched_event(spec.as_array()[i], id + "-" + std::to_string(i)));
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

raw_pace pace_of(const json::value* send) {
  raw_pace pace;
  if (send == nullptr)
    return pace;
  if (send->is_string()) {
    auto how = send->get_string();
    if (how == "half_close")
      pace.end = raw_pace::ending::half_close;
    else if (how == "close")
      pace.end = raw_pace::ending::close;
    else if (how != "whole")
      throw std::runtime_error("send is \"" + std::string(how) + "\"; expected whole, half_close or close");
    return pace;
  }
  const auto& o = send->as_object();
  if (const auto* n = o.if_contains("stall_after"))
    pace.stall_after = n->to_number<std::size_t>();
  if (const auto* n = o.if_contains("trickle_after")) {
    pace.sent_at_once = n->to_number<std::size_t>();
    pace.trickle_every = std::chrono::milliseconds(o.at("every_ms").to_number<int>());
  }
  return pace;
}

// The request line, the headers (with Host, a default Content-Type and Content-Length) and the
// body; the event a 202 must deliver, if the case has one.
void build_request(const json::object& c, const std::string& id, http_case& out) {
  if (const auto* raw = c.if_contains("raw")) {
    out.request = bytes_of(*raw);
    return;
  }
  std::string body;
  std::string default_type;
  std::optional<json::object> event;
  if (const auto* patch = c.if_contains("event")) {
    event = patched_event(*patch, id);
    body = json::serialize(*event);
    default_type = "application/cloudevents+json";
  } else if (const auto* batch = c.if_contains("batch")) {
    body = json::serialize(batch_of(*batch, id));
    default_type = "application/cloudevents-batch+json";
  } else if (const auto* text = c.if_contains("body")) {
    body = bytes_of(*text);
  }
  std::string head = std::string(c.contains("method") ? c.at("method").as_string() : "POST") + " " +
                     std::string(c.contains("path") ? c.at("path").as_string() : "/v1/events") + " HTTP/1.1\r\n" +
                     "Host: 127.0.0.1\r\n";
  bool has_type = false, has_length = false;
  std::optional<std::string> ce_id;
  if (const auto* headers = c.if_contains("headers")) {
    for (const auto& h : headers->as_array()) {
      auto name = bytes_of(h.as_array().at(0));
      auto value = bytes_of(h.as_array().at(1));
      has_type |= lower(name) == "content-type";
      has_length |= lower(name) == "content-length" || lower(name) == "transfer-encoding";
      if (lower(name) == "ce-id")
        ce_id = value;
      head += name + ": " + value + "\r\n";
    }
  }
  if (!has_type && !default_type.empty())
    head += "Content-Type: " + default_type + "\r\n";
  const auto* length = c.if_contains("content_length");
  if (!has_length && !(length && length->is_null()))
    head += "Content-Length: " + (length ? json::serialize(*length) : std::to_string(body.size())) + "\r\n";
  out.request = head + "\r\n" + body;
  if (out.status != 202)
    return;
  // A structured event, or in binary mode the ce-id header and the body as data.
  if (!event && !ce_id)
    event = json::parse(body).as_object();
  out.delivered = event ? json::object{{"id", event->at("id")}, {"data", event->at("data")}}
                        : json::object{{"id", *ce_id}, {"data", json::parse(body)}};
}

}  // namespace

json::object base_event(const std::string& id) {
  return {{"specversion", "1.0"},
          {"type", "org.openedx.content_authoring.xblock.published.v1"},
          {"id", id},
          {"source", "openedx/cms/web"},
          {"time", "2023-06-09T14:12:45.320819+00:00"},
          {"data", {{"xblock_info", {{"usage_key", "block-v1:edX+B+1+type@problem+block@" + id}, {"block_type", "problem"}}}}}};
}

std::vector<http_case> read_http_cases(const fs::path& folder) {
  std::vector<http_case> out;
  for (const auto& file : files_in(folder)) {
    auto manifest = read_file(file);
    auto category = file.stem().string();
    for (const auto& v : manifest.at("cases").as_array()) {
      const auto& c = v.as_object();
      http_case one;
      one.category = category;
      one.name = std::string(c.at("name").as_string());
      try {
        one.status = c.at("status").to_number<unsigned>();
        one.error = c.contains("error") ? std::string(c.at("error").as_string()) : "";
        one.pace = pace_of(c.if_contains("send"));
        build_request(c, "case-" + std::to_string(out.size()), one);
      } catch (const std::exception& e) {
        throw std::runtime_error(file.string() + ": case '" + one.name + "': " + e.what());
      }
      out.push_back(std::move(one));
    }
  }
  return out;
}

std::vector<config_case> read_config_cases(const fs::path& folder) {
  std::vector<config_case> out;
  for (const auto& file : files_in(folder)) {
    auto manifest = read_file(file);
    for (const auto& v : manifest.at("cases").as_array()) {
      const auto& c = v.as_object();
      config_case one{file.stem().string(), std::string(c.at("name").as_string()), std::nullopt, std::nullopt};
      if (!c.at("error").is_null())
        one.error = std::string(c.at("error").as_string());
      if (!c.at("file").is_null())
        one.text = bytes_of(c.at("file"));
      out.push_back(std::move(one));
    }
  }
  return out;
}

}  // namespace eventrouter::testing
