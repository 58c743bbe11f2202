#pragma once
// Headless Chromium (Debian's chromium package) for tests of the status page: loads a URL in a
// private, throwaway profile, lets the page's scripts run, and returns the DOM or writes a
// screenshot. Every run has a wall-clock deadline.

#include <chrono>
#include <filesystem>
#include <string>

namespace eventrouter::testing {

// The chromium binary on PATH (Debian's chromium, or chromium-browser as other distributions
// name it); throws std::runtime_error saying how to install it when there is none.
std::string chromium_binary();

struct headless_options {
  // Page time the scripts get before the result is taken: Chromium runs timers in virtual time,
  // fast, and stops it while a fetch is pending, so polls complete.
  std::chrono::milliseconds virtual_time{5000};
  std::chrono::milliseconds timeout{60000};  // the whole run, in real time
};

// The DOM of `url` once its scripts ran, as HTML. Throws std::runtime_error, with Chromium's
// stderr, when it fails or misses the deadline.
std::string dump_dom(const std::string& url, const headless_options& options = {});

// Writes a PNG of `url` in a 1280x900 window to `png`; throws as dump_dom does.
void screenshot(const std::string& url, const std::filesystem::path& png, const headless_options& options = {});

// Where a test leaves what a person looks at afterwards: <build folder>/Testing/<name>.
std::filesystem::path test_output_file(const std::string& name);

}  // namespace eventrouter::testing
