#include "actors/line_writer.hpp"

#include <poll.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace eventrouter {

namespace {

// Enough for thousands of typical event lines: a reader that keeps up never sees a refusal.
constexpr std::size_t stdout_queue_bytes = 4 << 20;

}  // namespace

line_writer::channel::channel(line_writer& writer) : writer_(writer), waiting_(std::make_shared<waiting>()) {}

line_writer::channel::~channel() {
  std::lock_guard lock(waiting_->mutex);
  waiting_->callbacks.clear();
}

bool line_writer::channel::write(std::string line, written done) {
  std::unique_lock lock(writer_.mutex_);
  // The common case, a reader that keeps up: nothing queued or being written, and the stream
  // takes the line without waiting. Written here, on the caller's thread, and answered before
  // write() returns: no hand-over to the writer's thread and back for each line.
  if (writer_.queued_bytes_ == 0 && writer_.takes_without_waiting(line.size())) {
    auto error = writer_.write_out(line);
    lock.unlock();
    if (done)
      done(std::move(error));
    return true;
  }
  if (writer_.queued_bytes_ != 0 && writer_.queued_bytes_ + line.size() > writer_.max_queued_bytes_)
    return false;
  {
    // Queued before its line, under the writer's lock: the writer finds it when the line is written.
    std::lock_guard callbacks(waiting_->mutex);
    waiting_->callbacks.push_back(std::move(done));
  }
  writer_.queued_bytes_ += line.size();
  writer_.lines_.push_back({std::move(line), waiting_});
  writer_.changed_.notify_one();
  return true;
}

line_writer::line_writer(std::FILE* out, std::size_t max_queued_bytes)
    : out_(out), max_queued_bytes_(max_queued_bytes), thread_([this] { run(); }) {}

line_writer::~line_writer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_one();
  thread_.join();
}

line_writer& line_writer::of_stdout() {
  static auto* writer = new line_writer(stdout, stdout_queue_bytes);
  return *writer;
}

bool line_writer::drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return drained_.wait_for(lock, timeout, [&] { return queued_bytes_ == 0; });
}

void line_writer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || !lines_.empty(); });
    if (lines_.empty())
      return;  // stopping, and everything queued is written
    auto next = std::move(lines_.front());
    lines_.pop_front();
    lock.unlock();
    auto error = write_out(next.text);
    {
      // A closed channel has no callbacks left: its line was written for nobody.
      std::lock_guard callbacks(next.from->mutex);
      if (!next.from->callbacks.empty()) {
        if (next.from->callbacks.front())
          next.from->callbacks.front()(std::move(error));
        next.from->callbacks.pop_front();
      }
    }
    lock.lock();
    // Counted until written, so that a stalled stream holds no more than the limit.
    queued_bytes_ -= next.text.size();
    if (queued_bytes_ == 0)
      drained_.notify_all();
  }
}

// A pipe (or socket) that polls writable has room for PIPE_BUF bytes at least, which it takes
// whole; a file or /dev/null always polls writable. Stdio's buffer is empty between lines: each
// is flushed.
bool line_writer::takes_without_waiting(std::size_t bytes) const {
  if (bytes > PIPE_BUF)
    return false;
  pollfd stream{::fileno(out_), POLLOUT, 0};
  return ::poll(&stream, 1, 0) == 1 && (stream.revents & POLLOUT) != 0;
}

std::optional<std::string> line_writer::write_out(const std::string& text) {
  // One fwrite per line: stdio locks the stream per call, so lines never interleave with what
  // others write to it.
  if (std::fwrite(text.data(), 1, text.size(), out_) == text.size() && std::fflush(out_) == 0)
    return std::nullopt;
  std::string error = std::string("cannot write the log line: ") + std::strerror(errno);
  std::clearerr(out_);
  return error;
}

}  // namespace eventrouter
