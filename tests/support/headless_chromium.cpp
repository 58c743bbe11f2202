#include "headless_chromium.hpp"

#include "scratch_folder.hpp"
#include "service_process.hpp"

#include <atomic>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <unistd.h>

#ifndef EVENTROUTER_BUILD_DIR
#error "EVENTROUTER_BUILD_DIR must name the build folder (tests/CMakeLists.txt defines it)"
#endif

namespace eventrouter::testing {

namespace fs = std::filesystem;

namespace {

std::string on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    auto candidate = (dir.empty() ? fs::path(".") : fs::path(dir)) / name;
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
  }
  return {};
}

// Runs Chromium on `url` with `action` (--dump-dom, --screenshot=FILE) and returns its stdout.
std::string run_headless(const std::string& url, const std::string& action, const headless_options& options) {
  // A profile of its own per run: runs in parallel do not share one, and ~/.config stays clean.
  static std::atomic<std::uint16_t> runs{0};
  auto profile = scratch_folder("eventrouter-chromium-", ++runs);
  service_process chromium(chromium_binary(),
                           {"--headless=new",
                            "--no-sandbox",  // tests run as root in CI, where Chromium's sandbox refuses to start
                            "--disable-gpu", "--disable-dev-shm-usage",  // containers: no GPU, a small /dev/shm
                            "--user-data-dir=" + profile.string(), "--no-first-run", "--no-default-browser-check",
                            "--disable-extensions",
                            "--virtual-time-budget=" + std::to_string(options.virtual_time.count()),
                            "--window-size=1280,900", action, url});
  auto status = chromium.wait_exit(options.timeout);
  remove_scratch_folder(profile);
  if (!status)
    throw std::runtime_error("chromium " + action + " " + url + " did not finish within " +
                             std::to_string(options.timeout.count()) + " ms:\n" + chromium.stderr_text());
  if (*status != 0)
    throw std::runtime_error("chromium " + action + " " + url + " exited with " + std::to_string(*status) + ":\n" +
                             chromium.stderr_text());
  std::string out;
  for (const auto& line : chromium.stdout_lines())
    out += line + "\n";
  return out;
}

}  // namespace

std::string chromium_binary() {
  for (const char* name : {"chromium", "chromium-browser"})
    if (auto found = on_path(name); !found.empty())
      return found;
  throw std::runtime_error("no chromium or chromium-browser on PATH: install Debian's chromium package "
                           "(scripts/install-deps does)");
}

std::string dump_dom(const std::string& url, const headless_options& options) {
  return run_headless(url, "--dump-dom", options);
}

void screenshot(const std::string& url, const fs::path& png, const headless_options& options) {
  run_headless(url, "--screenshot=" + png.string(), options);
}

fs::path test_output_file(const std::string& name) {
  auto dir = fs::path(EVENTROUTER_BUILD_DIR) / "Testing";
  fs::create_directories(dir);
  return dir / name;
}

}  // namespace eventrouter::testing
