#pragma once
// Runs the real eventrouter binary as a child process for integration tests: its stdout and
// stderr are collected line by line, and tests wait for lines with a deadline.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace eventrouter::testing {

// Whether the child's stdout is read from its start, or held unread — a pipe nobody reads, which
// fills and then blocks the child's writes — until read_stdout().
enum class stdout_reading { at_once, held };

class service_process {
 public:
  // Starts `binary` with `args`; throws std::runtime_error if it cannot be started. With an
  // `input`, the child's stdin is a pipe that gets `input` and is then closed (a child that exits
  // before reading it all just loses the rest); without, the child shares this process's stdin.
  service_process(const std::string& binary, const std::vector<std::string>& args,
                  stdout_reading reading = stdout_reading::at_once,
                  std::optional<std::string> input = std::nullopt);
  ~service_process();  // SIGKILLs the process if it still runs

  service_process(const service_process&) = delete;
  service_process& operator=(const service_process&) = delete;

  // The first line of stdout/stderr (all lines so far included) that matches, or nullopt at the deadline.
  std::optional<std::string> wait_for_stdout(const std::function<bool(const std::string&)>& match,
                                             std::chrono::milliseconds timeout);
  std::optional<std::string> wait_for_stderr(const std::function<bool(const std::string&)>& match,
                                             std::chrono::milliseconds timeout);
  // Waits until at least `n` stdout lines match; returns them all (fewer at the deadline).
  std::vector<std::string> wait_for_stdout_count(const std::function<bool(const std::string&)>& match,
                                                 std::size_t n, std::chrono::milliseconds timeout);

  // Starts reading a held stdout (what the child wrote meanwhile included).
  void read_stdout();
  // Stops reading stderr after what the child wrote so far, so that its pipe fills and blocks the
  // child's writes, until read_stderr().
  void hold_stderr();
  void read_stderr();

  std::vector<std::string> stdout_lines() const;
  std::string stderr_text() const;

  void signal(int sig);
  // The exit status once the process ended within `timeout` (WEXITSTATUS, or 128+signal).
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

 private:
  struct stream {
    std::vector<std::string> lines;
    bool held = false;  // not read until released
    bool closed = false;
  };
  void read_lines(int fd, stream& into);
  std::vector<std::string> matching(const stream& s, const std::function<bool(const std::string&)>& match) const;

  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  stream out_;
  stream err_;
  std::thread out_reader_;
  std::thread err_reader_;
  std::thread in_writer_;  // with an input: a thread, so a child writing before it reads cannot block the test
};

// A command run to its end (killed after `timeout`: exit_code -1): its exit status and what it
// printed. `input`, if any, is its stdin.
struct finished_command {
  int exit_code;
  std::string out;
  std::string err;
};
finished_command run_to_end(const std::string& binary, const std::vector<std::string>& args,
                            std::chrono::milliseconds timeout = std::chrono::seconds(60),
                            std::optional<std::string> input = std::nullopt);

// What it printed, for a failure message.
inline std::string describe(const finished_command& r) { return "stdout:\n" + r.out + "stderr:\n" + r.err; }

// What a shell command prints on stdout (run to its end), for tools such as redis-cli and kcat.
std::string command_output(const std::string& command);

}  // namespace eventrouter::testing
