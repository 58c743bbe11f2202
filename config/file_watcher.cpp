#include "config/file_watcher.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <system_error>

namespace eventrouter::config {

namespace {

constexpr std::uint32_t folder_events = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY;
constexpr std::uint32_t file_events = IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB;

[[noreturn]] void fail(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

}  // namespace

file_watcher::file_watcher(std::string path, std::chrono::milliseconds debounce, std::function<void()> changed)
    : path_(std::move(path)), debounce_(debounce), changed_(std::move(changed)) {
  std::filesystem::path p(path_);
  name_ = p.filename().string();
  auto folder = p.has_parent_path() ? p.parent_path().string() : std::string(".");
  inotify_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_ < 0)
    fail("inotify_init1");
  stop_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (stop_ < 0 || inotify_add_watch(inotify_, folder.c_str(), folder_events) < 0) {
    auto saved = errno;
    close(inotify_);
    if (stop_ >= 0)
      close(stop_);
    errno = saved;
    fail("watching " + folder);
  }
  watch_file();
  thread_ = std::thread([this] { run(); });
}

file_watcher::~file_watcher() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto written = write(stop_, &one, sizeof one);
  thread_.join();
  close(inotify_);
  close(stop_);
}

// Watched by inode as well: a bind-mounted file's folder does not hear of writes made outside
// the container. A file renamed over the old one is a new inode, watched again when seen.
void file_watcher::watch_file() {
  file_watch_ = inotify_add_watch(inotify_, path_.c_str(), file_events);
}

void file_watcher::run() {
  using clock = std::chrono::steady_clock;
  constexpr auto idle = clock::time_point::max();
  auto due = idle;  // while a change waits for the quiet to end: when it ends
  alignas(inotify_event) std::array<char, 8192> buffer;
  for (;;) {
    std::array<pollfd, 2> fds{{{inotify_, POLLIN, 0}, {stop_, POLLIN, 0}}};
    int timeout = -1;
    if (due != idle)
      timeout = static_cast<int>(std::max<long long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(due - clock::now()).count() + 1));
    if (poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR)
      return;
    if (fds[1].revents != 0)
      return;
    if (fds[0].revents & POLLIN) {
      bool seen = false;
      for (;;) {
        auto n = read(inotify_, buffer.data(), buffer.size());
        if (n <= 0)
          break;
        for (ssize_t at = 0; at < n;) {
          const auto* ev = reinterpret_cast<const inotify_event*>(buffer.data() + at);
          std::string_view name = ev->len > 0 ? std::string_view(ev->name) : std::string_view();
          if (ev->wd == file_watch_ || name == name_ || name == "..data")
            seen = true;
          at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        }
      }
      if (seen) {
        watch_file();
        due = clock::now() + debounce_;
      }
    }
    if (due != idle && clock::now() >= due) {
      due = idle;
      changed_();
    }
  }
}

}  // namespace eventrouter::config
