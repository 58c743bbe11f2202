#pragma once
// The bad-input corpus as data: tests/bad_input/http/*.json (requests to the HTTP server) and
// tests/bad_input/config/*.json (broken configuration files), read into cases. README.md in
// this folder describes the format; this is its one reader.

#include "raw_http.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace eventrouter::testing {

// One request and the answer it must get.
struct http_case {
  std::string category;  // the file's name
  std::string name;
  std::string request;  // the bytes sent, request line to body
  raw_pace pace;
  unsigned status = 0;  // 0: the connection is closed without an answer
  std::string error;    // a substring of the answer's body
  // An accepted case's event (status 202): it must be delivered, its data exactly as sent.
  std::optional<boost::json::object> delivered;
};

// One configuration file and the problem check-config and a reload must name; or, with no error,
// a file check-config accepts (a value once refused, or once accepted and then fatal).
struct config_case {
  std::string category;
  std::string name;
  std::optional<std::string> text;   // none: the file does not exist
  std::optional<std::string> error;  // none: accepted
};

// Every case of every file in `folder`, in file order; the n-th case's event has id case-<n>.
// Throws std::runtime_error naming the file and the case when one is malformed.
std::vector<http_case> read_http_cases(const std::filesystem::path& folder);
std::vector<config_case> read_config_cases(const std::filesystem::path& folder);

// The event every `event` and `batch` case starts from: valid, of type xblock.published.
boost::json::object base_event(const std::string& id);

}  // namespace eventrouter::testing
