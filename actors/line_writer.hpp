#pragma once
// Writes lines to a stdio stream so that nobody who hands it a line waits for the reader at the
// other end: a line the stream takes at once (nothing queued, and it polls writable) is written
// by the caller; otherwise the writer's own thread writes it, so a stdout pipe nobody reads
// stalls that thread only, never an actor's scheduler thread. What waits is bounded (bytes of queued lines): past it a line is
// refused at once, and its writer tries again later; a line is never dropped.
//
// Each user writes through a channel of its own and is told of each of its lines, in order, once
// the line was written (or failed): before write() returns, or later on the writer's thread. A channel's owner that ends closes
// it: from then on nothing is called, so what its callbacks hold (an actor) never outlives it.
// The service's own log writes through one too, without being told: a log line it cannot queue
// is dropped and counted instead (actors/service_log).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace eventrouter {

class line_writer {
 public:
  // nullopt: written; otherwise why it was not.
  using written = std::function<void(std::optional<std::string> error)>;

  class channel {
   public:
    explicit channel(line_writer& writer);
    ~channel();  // once it returns, none of this channel's callbacks is running or will run
    channel(const channel&) = delete;
    channel& operator=(const channel&) = delete;

    // Queues `line` (which ends in '\n'); `done`, unless empty, is called once it was written.
    // False, and `done` is never called, when the writer already holds its limit of queued bytes.
    bool write(std::string line, written done);
    std::size_t max_queued_bytes() const { return writer_.max_queued_bytes_; }

   private:
    friend class line_writer;
    struct waiting {
      std::mutex mutex;  // held while a callback runs, so closing waits for it
      std::deque<written> callbacks;
    };
    line_writer& writer_;
    std::shared_ptr<waiting> waiting_;
  };

  // A line is always taken when nothing is queued, however long it is.
  line_writer(std::FILE* out, std::size_t max_queued_bytes);
  // Writes what is queued, then ends its thread: the caller makes sure the stream drains.
  ~line_writer();
  line_writer(const line_writer&) = delete;
  line_writer& operator=(const line_writer&) = delete;

  // The process's writer of stdout, made at first use and never destroyed: at exit its thread
  // may still be blocked on a stalled pipe, which must not hold the exit up.
  static line_writer& of_stdout();

  // Waits until every queued line is written, or `timeout` passed; false then.
  bool drain(std::chrono::milliseconds timeout);

 private:
  struct line {
    std::string text;
    std::shared_ptr<channel::waiting> from;
  };
  void run();
  bool takes_without_waiting(std::size_t bytes) const;
  std::optional<std::string> write_out(const std::string& text);

  std::FILE* out_;
  const std::size_t max_queued_bytes_;
  std::mutex mutex_;
  std::condition_variable changed_;  // a line queued, or stopping: for the writer's thread
  std::condition_variable drained_;  // nothing queued any more: for drain()
  std::deque<line> lines_;
  std::size_t queued_bytes_ = 0;
  bool stopping_ = false;
  std::thread thread_;  // last: it starts once the members it uses exist
};

}  // namespace eventrouter
