#include "verdict.hpp"

#include "service_process.hpp"

#include <algorithm>

namespace eventrouter::testing {

std::vector<std::string> problems_in(const std::string& stderr_text, const std::string& file) {
  const auto marker = file + ": ";
  std::vector<std::string> out;
  std::size_t at = stderr_text.rfind(marker, 0) == 0 ? 0 : stderr_text.find("\n" + marker);
  while (at != std::string::npos) {
    auto start = at + (stderr_text[at] == '\n' ? 1 : 0) + marker.size();
    auto next = stderr_text.find("\n" + marker, start);
    auto end = next == std::string::npos ? stderr_text.size() : next;
    auto text = stderr_text.substr(start, end - start);
    if (next == std::string::npos && !text.empty() && text.back() == '\n')
      text.pop_back();
    out.push_back(std::move(text));
    at = next;
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string listed(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems)
    out += "    " + p + "\n";
  return out.empty() ? "    (none)\n" : out;
}

verdict check_config(const std::string& file) {
  auto done = run_to_end(EVENTROUTER_BINARY, {"check-config", file}, std::chrono::seconds(60));
  return {done.exit_code, problems_in(done.err, file), done.out + done.err};
}

}  // namespace eventrouter::testing
