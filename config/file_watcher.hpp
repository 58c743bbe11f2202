#pragma once
// Tells when the configuration file changed: calls `changed` on a thread of its own once the
// file was written and then left alone for `debounce` (an editor's several writes, or a
// deployment tool's, make one reload).
//
// It watches the file and its folder (inotify), so it sees a file written in place, a new
// file renamed over it (most editors), and a Kubernetes ConfigMap volume swapping its
// `..data` symlink. A bind mount of the single file (docker) sees writes to that file only:
// an edit that replaces the file on the host needs SIGHUP.

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace eventrouter::config {

class file_watcher {
 public:
  // Throws std::system_error when inotify cannot watch the file's folder.
  file_watcher(std::string path, std::chrono::milliseconds debounce, std::function<void()> changed);
  ~file_watcher();
  file_watcher(const file_watcher&) = delete;
  file_watcher& operator=(const file_watcher&) = delete;

 private:
  void run();
  void watch_file();

  std::string path_;
  std::string name_;  // the file's name within its folder
  std::chrono::milliseconds debounce_;
  std::function<void()> changed_;
  int inotify_ = -1;
  int stop_ = -1;  // an eventfd the destructor writes to end the thread
  int file_watch_ = -1;
  std::thread thread_;
};

}  // namespace eventrouter::config
