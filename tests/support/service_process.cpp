#include "service_process.hpp"

#include <array>
#include <cstdio>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

namespace eventrouter::testing {

service_process::service_process(const std::string& binary, const std::vector<std::string>& args,
                                 stdout_reading reading, std::optional<std::string> input) {
  out_.held = reading == stdout_reading::held;
  int out[2], err[2], in[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 || (input && pipe2(in, O_CLOEXEC) != 0))
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0)
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    if (input)
      dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    execvp(binary.c_str(), argv.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  out_reader_ = std::thread([this, fd = out[0]] { read_lines(fd, out_); });
  err_reader_ = std::thread([this, fd = err[0]] { read_lines(fd, err_); });
  if (input) {
    close(in[0]);
    in_writer_ = std::thread([fd = in[1], text = std::move(*input)] {
      // A child that exits before reading everything makes the write fail with EPIPE; SIGPIPE,
      // directed at this thread and blocked here, must not end the test process.
      sigset_t pipe_signal;
      sigemptyset(&pipe_signal);
      sigaddset(&pipe_signal, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
      for (std::size_t done = 0; done < text.size();) {
        auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
          continue;
        if (n <= 0)
          break;
        done += static_cast<std::size_t>(n);
      }
      close(fd);
    });
  }
}

service_process::~service_process() {
  read_stdout();  // so that the readers end
  read_stderr();
  if (!wait_exit(std::chrono::milliseconds(0))) {
    ::kill(pid_, SIGKILL);
    wait_exit(std::chrono::seconds(10));
  }
  out_reader_.join();
  err_reader_.join();
  if (in_writer_.joinable())
    in_writer_.join();
}

void service_process::read_lines(int fd, stream& into) {
  std::string partial;
  char buf[65536];
  for (;;) {
    {
      std::unique_lock lock{mutex_};
      changed_.wait(lock, [&] { return !into.held; });
    }
    auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    partial.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0;
    std::vector<std::string> complete;
    for (auto nl = partial.find('\n'); nl != std::string::npos; nl = partial.find('\n', start)) {
      complete.push_back(partial.substr(start, nl - start));
      start = nl + 1;
    }
    partial.erase(0, start);
    if (!complete.empty()) {
      std::lock_guard lock{mutex_};
      for (auto& l : complete)
        into.lines.push_back(std::move(l));
      changed_.notify_all();
    }
  }
  close(fd);
  std::lock_guard lock{mutex_};
  if (!partial.empty())
    into.lines.push_back(partial);
  into.closed = true;
  changed_.notify_all();
}

std::vector<std::string> service_process::matching(
  const stream& s, const std::function<bool(const std::string&)>& match) const {
  std::vector<std::string> out;
  for (const auto& l : s.lines)
    if (match(l))
      out.push_back(l);
  return out;
}

std::vector<std::string> service_process::wait_for_stdout_count(
  const std::function<bool(const std::string&)>& match, std::size_t n,
  std::chrono::milliseconds timeout) {
  std::unique_lock lock{mutex_};
  std::vector<std::string> found;
  changed_.wait_for(lock, timeout, [&] {
    found = matching(out_, match);
    return found.size() >= n || out_.closed;
  });
  return matching(out_, match);
}

std::optional<std::string> service_process::wait_for_stdout(
  const std::function<bool(const std::string&)>& match, std::chrono::milliseconds timeout) {
  auto found = wait_for_stdout_count(match, 1, timeout);
  if (found.empty())
    return std::nullopt;
  return found.front();
}

std::optional<std::string> service_process::wait_for_stderr(
  const std::function<bool(const std::string&)>& match, std::chrono::milliseconds timeout) {
  std::unique_lock lock{mutex_};
  std::optional<std::string> found;
  changed_.wait_for(lock, timeout, [&] {
    auto all = matching(err_, match);
    if (!all.empty())
      found = all.front();
    return found.has_value() || err_.closed;
  });
  return found;
}

void service_process::read_stdout() {
  std::lock_guard lock{mutex_};
  out_.held = false;
  changed_.notify_all();
}

void service_process::hold_stderr() {
  std::lock_guard lock{mutex_};
  err_.held = true;
}

void service_process::read_stderr() {
  std::lock_guard lock{mutex_};
  err_.held = false;
  changed_.notify_all();
}

std::vector<std::string> service_process::stdout_lines() const {
  std::lock_guard lock{mutex_};
  return out_.lines;
}

std::string service_process::stderr_text() const {
  std::lock_guard lock{mutex_};
  std::string text;
  for (const auto& l : err_.lines)
    text += l + "\n";
  return text;
}

// Once reaped, the pid may belong to another process: signal only a child not yet waited for.
void service_process::signal(int sig) {
  if (!exit_status_)
    ::kill(pid_, sig);
}

std::optional<int> service_process::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_status_)
    return exit_status_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    auto r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      // What it wrote last may still be in the pipes: a caller reading stderr right after the
      // exit must see it. Bounded, as a child of the process may hold the pipes open.
      std::unique_lock lock{mutex_};
      changed_.wait_for(lock, std::chrono::seconds(2), [&] { return out_.closed && err_.closed; });
      return exit_status_;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    // waitpid has no timeout; a child's exit is polled at a short interval until the deadline.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

finished_command run_to_end(const std::string& binary, const std::vector<std::string>& args,
                            std::chrono::milliseconds timeout, std::optional<std::string> input) {
  service_process p{binary, args, stdout_reading::at_once, std::move(input)};
  auto status = p.wait_exit(timeout);
  std::string out;
  for (const auto& line : p.stdout_lines())
    out += line + "\n";
  return {status.value_or(-1), out, p.stderr_text()};
}

std::string command_output(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    std::array<char, 4096> chunk;
    while (auto n = std::fread(chunk.data(), 1, chunk.size(), pipe))
      out.append(chunk.data(), n);
    ::pclose(pipe);
  }
  return out;
}

}  // namespace eventrouter::testing
