#include "jvm_broker.hpp"

#include "scratch_folder.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

#ifndef EVENTROUTER_BUILD_DIR
#error "EVENTROUTER_BUILD_DIR must name the build folder (tests/CMakeLists.txt defines it)"
#endif

namespace eventrouter::testing {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr auto fetch_timeout = 280s;  // mvn on a machine whose ~/.m2 is empty, within ctest's 300 s
constexpr auto lock_timeout = 290s;   // another process's fetch, a little longer
constexpr auto stop_timeout = 30s;

// mvn colours its output even with -B; the escapes make failure messages hard to read.
std::string without_ansi_escapes(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      i += 2;
      while (i < text.size() && !std::isalpha(static_cast<unsigned char>(text[i])))
        ++i;
      continue;
    }
    out += text[i];
  }
  return out;
}

bool has_broker_jar(const fs::path& folder, const std::string& marker) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    auto name = entry.path().filename().string();
    if (name.size() > marker.size() && name.starts_with(marker) &&
        std::isdigit(static_cast<unsigned char>(name[marker.size()])) && name.ends_with(".jar"))
      return true;
  }
  return false;
}

// The cache holds what this pom names if it holds a copy of the pom (written last) and the broker.
bool up_to_date(const fs::path& folder, const std::string& pom_text, const std::string& marker) {
  return fs::exists(folder / "pom.xml") && read_text_file(folder / "pom.xml") == pom_text &&
         has_broker_jar(folder, marker);
}

// An exclusive lock on a file, shared with other processes (and with scripts/broker-jars, which
// takes the same lock with flock(1)); released when destroyed.
class file_lock {
 public:
  file_lock(const fs::path& path, std::chrono::milliseconds timeout) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw std::runtime_error("broker jars: cannot open " + path.string() + ": " + std::strerror(errno));
    auto deadline = std::chrono::steady_clock::now() + timeout;
    // flock has no timeout: another process's fetch is polled at a short interval until the deadline.
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        ::close(fd_);
        throw std::runtime_error("broker jars: flock " + path.string() + ": " + std::strerror(errno));
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        ::close(fd_);
        throw std::runtime_error("broker jars: timed out waiting for the lock " + path.string());
      }
      std::this_thread::sleep_for(100ms);
    }
  }
  ~file_lock() { ::close(fd_); }
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;

 private:
  int fd_ = -1;
};

fs::path cache_folder(const broker_jar_set& jars) {
  const char* env = std::getenv(jars.env);
  fs::path folder = env && *env ? fs::path(env) : fs::path(EVENTROUTER_BUILD_DIR) / (jars.name + "-jars");
  return fs::absolute(folder).lexically_normal();
}

fs::path fetch(const broker_jar_set& jars) {
  const fs::path folder = cache_folder(jars);
  const std::string pom_text = read_text_file(jars.pom);
  if (pom_text.empty())
    throw std::runtime_error("broker jars: cannot read " + jars.pom.string());
  if (up_to_date(folder, pom_text, jars.marker))
    return folder;

  fs::create_directories(folder.parent_path());
  file_lock lock(folder.string() + ".lock", lock_timeout);
  if (up_to_date(folder, pom_text, jars.marker))  // another process fetched them while this one waited
    return folder;

  // Into a private folder first, renamed into place when complete: a reader never sees half a cache.
  const fs::path staging = folder.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(staging);
  service_process mvn("mvn", {"-q", "-B", "-f", jars.pom.string(), "dependency:copy-dependencies",
                              "-DincludeScope=runtime", "-DoutputDirectory=" + staging.string()});
  auto status = mvn.wait_exit(fetch_timeout);
  if (status != 0) {
    if (!status)
      mvn.signal(SIGKILL);
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    throw std::runtime_error("broker jars: mvn could not fetch the " + jars.name + " broker's jars (" +
                             (status ? "exit status " + std::to_string(*status) : std::string("timed out")) +
                             "):\n" + last_lines(console_output(mvn), 40));
  }
  if (!has_broker_jar(staging, jars.marker))
    throw std::runtime_error("broker jars: mvn left no " + jars.marker + "*.jar in " + staging.string());
  write_text_file(staging / "pom.xml", pom_text);
  fs::remove_all(folder);
  fs::rename(staging, folder);
  return folder;
}

}  // namespace

fs::path fetch_broker_jars(const broker_jar_set& jars) {
  static std::mutex mutex;
  static std::map<std::string, fs::path> fetched;  // by name: checked once per process
  std::lock_guard lock{mutex};
  auto found = fetched.find(jars.name);
  if (found == fetched.end())
    found = fetched.emplace(jars.name, fetch(jars)).first;
  return found->second;
}

std::string read_text_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush())
    throw std::runtime_error("cannot write " + path.string());
}

std::string last_lines(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n')
    --pos;
  for (std::size_t n = 0; n < lines && pos > 0; ++n) {
    auto nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) {
      pos = 0;
      break;
    }
    pos = nl;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

std::string console_output(const service_process& process) {
  std::string text;
  for (const auto& l : process.stdout_lines())
    text += l + "\n";
  return without_ansi_escapes(text + process.stderr_text());
}

void write_log4j2_properties(const fs::path& dir) {
  write_text_file(dir / "log4j2.properties",
                  "status = warn\n"
                  "appender.file.type = File\n"
                  "appender.file.name = file\n"
                  "appender.file.fileName = " + (dir / "broker.log").string() + "\n"
                  "appender.file.layout.type = PatternLayout\n"
                  "appender.file.layout.pattern = [%d] %p %m (%c)%n\n"
                  "rootLogger.level = info\n"
                  "rootLogger.appenderRef.file.ref = file\n");
}

jvm_broker::~jvm_broker() {
  try {
    stop_jvm();
  } catch (...) {
  }
  if (!dir_.empty())
    remove_scratch_folder(dir_);
}

bool jvm_broker::running() const { return process_ && !process_->wait_exit(0ms); }

std::string jvm_broker::log_tail(std::size_t lines) const {
  std::string text = last_lines(read_text_file(dir_ / "broker.log"), lines);
  if (process_) {
    auto console = console_output(*process_);
    if (!console.empty())
      text += "--- printed by the broker:\n" + last_lines(console, 20);
  }
  return text;
}

void jvm_broker::start_jvm(std::vector<std::string> args, const std::function<void()>& wait_until_ready) {
  if (process_)
    return;
  process_ = start_tied_server("java", std::move(args));
  try {
    wait_until_ready();
  } catch (const std::exception& e) {
    std::string message = e.what() + std::string("\n--- the last lines of the broker's log:\n") + log_tail();
    if (process_->wait_exit(0ms))
      process_.reset();  // its exit is in the message already
    else
      stop_jvm();
    throw std::runtime_error(message);
  }
}

void jvm_broker::stop_jvm() {
  if (!process_)
    return;
  if (auto status = process_->wait_exit(0ms)) {
    // Not stopped by this harness: say so, with the reason, before the folder goes away.
    std::fprintf(stderr, "%s: the broker in %s had exited by itself (status %d); its log ends:\n%s\n", who_.c_str(),
                 dir_.c_str(), *status, log_tail(40).c_str());
    process_.reset();
    return;
  }
  process_->signal(SIGTERM);
  if (!process_->wait_exit(stop_timeout))
    kill_jvm();
  process_.reset();
}

void jvm_broker::kill_jvm() {
  if (!process_)
    return;
  process_->signal(SIGKILL);
  process_->wait_exit(10s);
  process_.reset();
}

void jvm_broker::throw_if_exited() const {
  if (auto status = process_->wait_exit(0ms))
    throw std::runtime_error(who_ + ": the broker exited with status " + std::to_string(*status) +
                             " before it was ready");
}

void jvm_broker::start_on_free_ports(const std::function<void()>& start, const std::function<void()>& pick_ports) {
  for (int attempt = 1;; ++attempt) {
    try {
      start();
      return;
    } catch (const std::runtime_error& e) {
      if (attempt == 3 || std::string_view(e.what()).find("Address already in use") == std::string_view::npos)
        throw;
      pick_ports();
    }
  }
}

}  // namespace eventrouter::testing
