// Fuzz target: a binary-mode request (ce-* headers, the body is the data). The input is the
// headers, one "name: value" a line, then an empty line, then the body: the shape of the
// request itself. Names are matched regardless of case, as HTTP does; the first of a repeated
// header counts.

#include "event_round_trip.hpp"
#include "fuzz_check.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace eventrouter;
  auto input = fuzz::text_of(data, size);
  auto end_of_headers = input.find("\n\n");
  auto head = input.substr(0, end_of_headers);
  auto body = end_of_headers == std::string_view::npos ? std::string_view{} : input.substr(end_of_headers + 2);

  std::map<std::string, std::string_view> headers;
  while (!head.empty()) {
    auto line = head.substr(0, head.find('\n'));
    head.remove_prefix(std::min(head.size(), line.size() + 1));
    auto colon = line.find(':');
    if (colon != std::string_view::npos)
      headers.emplace(lower(trimmed(line.substr(0, colon))), trimmed(line.substr(colon + 1)));
  }
  auto lookup = [&headers](std::string_view name) -> std::optional<std::string_view> {
    auto found = headers.find(std::string(name));
    return found == headers.end() ? std::nullopt : std::optional(found->second);
  };
  fuzz::require_parse_invariants(parse_binary(lookup, body));
  return 0;
}
