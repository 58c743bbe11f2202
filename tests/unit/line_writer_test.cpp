#include "actors/line_writer.hpp"

#include "eventually.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fcntl.h>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace eventrouter {
namespace {

using testing::eventually;

// Inside the scopes that hold a writer, EXPECT rather than ASSERT: the writer's destructor waits
// for the pipe to be read, which an early return would skip.

// A pipe whose write end is a stdio stream for the writer, and which nobody reads until read_all().
class stalled_pipe {
 public:
  stalled_pipe() {
    int fds[2];
    if (::pipe(fds) != 0)
      throw std::runtime_error("pipe failed");
    read_fd_ = fds[0];
    ::fcntl(fds[1], F_SETPIPE_SZ, 4096);  // the smallest pipe: quick to fill
    // Full before the writer writes anything: its first line blocks in fwrite.
    ::fcntl(fds[1], F_SETFL, O_NONBLOCK);
    while (::write(fds[1], "-", 1) == 1) {
    }
    ::fcntl(fds[1], F_SETFL, 0);
    out_ = ::fdopen(fds[1], "w");
  }
  ~stalled_pipe() {
    if (reader_.joinable())
      reader_.join();
    ::close(read_fd_);
  }

  std::FILE* out() const { return out_; }

  // Reads on a thread of its own until the write end is closed.
  void read_all() {
    reader_ = std::thread([this] {
      char buf[4096];
      ssize_t n = 0;
      while ((n = ::read(read_fd_, buf, sizeof buf)) > 0) {
        std::lock_guard lock(mutex_);
        read_.append(buf, static_cast<std::size_t>(n));
      }
    });
  }
  void close_write_end() { std::fclose(out_); }

  // What was read after the filler.
  std::string lines() {
    std::lock_guard lock(mutex_);
    auto start = read_.find_first_not_of('-');
    return start == std::string::npos ? "" : read_.substr(start);
  }

 private:
  int read_fd_ = -1;
  std::FILE* out_ = nullptr;
  std::thread reader_;
  std::mutex mutex_;
  std::string read_;
};

// Counts a channel's callbacks, and the errors among them.
struct tally {
  std::atomic<int> written{0};
  std::atomic<int> failed{0};
  line_writer::written callback() {
    return [this](std::optional<std::string> error) { ++(error ? failed : written); };
  }
};

TEST(line_writer, confirms_each_line_only_once_it_is_written_in_order) {
  stalled_pipe pipe;
  tally seen;
  {
    line_writer writer(pipe.out(), 1 << 20);
    line_writer::channel channel(writer);
    for (auto line : {"one\n", "two\n", "three\n"})
      EXPECT_TRUE(channel.write(line, seen.callback()));
    // The pipe is full: nothing is written, so nothing is confirmed, and write() did not wait.
    EXPECT_EQ(seen.written, 0);
    pipe.read_all();
    EXPECT_TRUE(eventually([&] { return seen.written == 3; }));
  }
  pipe.close_write_end();
  EXPECT_EQ(seen.failed, 0);
  EXPECT_TRUE(eventually([&] { return pipe.lines() == "one\ntwo\nthree\n"; })) << pipe.lines();
}

TEST(line_writer, refuses_lines_past_its_limit_at_once_and_takes_them_again_once_the_reader_catches_up) {
  stalled_pipe pipe;
  tally seen;
  const std::string line(99, 'x');
  std::string accepted;
  {
    line_writer writer(pipe.out(), 1000);
    line_writer::channel channel(writer);
    int refused = 0;
    for (int i = 0; i < 100 && refused == 0; ++i) {
      if (channel.write(line + "\n", seen.callback()))
        accepted += line + "\n";
      else
        ++refused;
    }
    EXPECT_EQ(refused, 1);
    // The line being written and what waits behind it, within the limit.
    EXPECT_LE(accepted.size(), 1000u + line.size() + 1);
    EXPECT_EQ(seen.written, 0);
    pipe.read_all();
    EXPECT_TRUE(eventually([&] { return seen.written == static_cast<int>(accepted.size() / (line.size() + 1)); }));
    EXPECT_TRUE(channel.write("last\n", seen.callback()));
    accepted += "last\n";
  }
  pipe.close_write_end();
  EXPECT_EQ(seen.failed, 0);
  EXPECT_TRUE(eventually([&] { return pipe.lines() == accepted; })) << pipe.lines().size() << " bytes read";
}

TEST(line_writer, calls_no_callback_of_a_closed_channel) {
  stalled_pipe pipe;
  tally closed, open;
  {
    line_writer writer(pipe.out(), 1 << 20);
    {
      line_writer::channel channel(writer);
      EXPECT_TRUE(channel.write("from the closed channel\n", closed.callback()));
      EXPECT_TRUE(channel.write("from the closed channel\n", closed.callback()));
    }
    line_writer::channel after(writer);
    EXPECT_TRUE(after.write("after it\n", open.callback()));
    pipe.read_all();
    // Lines are written in order: once the last one is confirmed, the closed channel's were written.
    EXPECT_TRUE(eventually([&] { return open.written == 1; }));
  }
  pipe.close_write_end();
  EXPECT_EQ(closed.written + closed.failed, 0);
  EXPECT_TRUE(eventually([&] { return pipe.lines() == "from the closed channel\nfrom the closed channel\nafter it\n"; }))
    << pipe.lines();
}

}  // namespace
}  // namespace eventrouter
