#include "config/file_watcher.hpp"

#include "eventually.hpp"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <thread>

namespace eventrouter::config {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using eventrouter::testing::eventually;

constexpr std::chrono::milliseconds debounce = 50ms;

// True when `condition` held at every poll for `duration`: for the few things that must NOT
// happen, where waiting a bounded time is the assertion itself.
template <class Condition>
bool stays(Condition condition, std::chrono::milliseconds duration) {
  return !eventually([&] { return !condition(); }, duration);
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  ASSERT_TRUE(out) << "cannot write " << path;
}

class file_watcher_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "eventrouter-file-watcher-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << "mkdtemp failed";
    folder_ = pattern;
    config_ = folder_ / "eventrouter.json";
    write_file(config_, R"({ "topics": {} })");
  }

  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(folder_, ignored);
  }

  std::unique_ptr<file_watcher> watch(std::chrono::milliseconds d = debounce) {
    return std::make_unique<file_watcher>(config_.string(), d, [calls = calls_] { calls->fetch_add(1); });
  }

  int calls() const { return calls_->load(); }

  fs::path folder_;
  fs::path config_;
  // Shared with the callback, so a watcher outliving a failed test touches nothing freed.
  std::shared_ptr<std::atomic<int>> calls_ = std::make_shared<std::atomic<int>>(0);
};

TEST_F(file_watcher_test, nothing_is_reported_while_the_file_is_left_alone) {
  auto watcher = watch();
  EXPECT_TRUE(stays([&] { return calls() == 0; }, 4 * debounce));
}

TEST_F(file_watcher_test, a_file_written_in_place_is_reported_once_after_the_debounce) {
  auto watcher = watch();
  write_file(config_, R"({ "topics": { "a": {} } })");
  ASSERT_TRUE(eventually([&] { return calls() >= 1; }, 5s)) << "no callback for a write in place";
  EXPECT_TRUE(stays([&] { return calls() == 1; }, 3 * debounce)) << "calls: " << calls();
}

TEST_F(file_watcher_test, five_writes_in_quick_succession_make_one_callback) {
  auto watcher = watch();
  for (int i = 0; i < 5; ++i)
    write_file(config_, R"({ "topics": { "t)" + std::to_string(i) + R"(": {} } })");
  ASSERT_TRUE(eventually([&] { return calls() >= 1; }, 5s)) << "no callback for five writes";
  EXPECT_TRUE(stays([&] { return calls() == 1; }, 3 * debounce)) << "calls: " << calls();
}

TEST_F(file_watcher_test, a_change_after_the_debounce_ended_is_reported_again) {
  auto watcher = watch();
  write_file(config_, R"({ "topics": { "a": {} } })");
  ASSERT_TRUE(eventually([&] { return calls() == 1; }, 5s));
  write_file(config_, R"({ "topics": { "b": {} } })");
  ASSERT_TRUE(eventually([&] { return calls() >= 2; }, 5s)) << "the second change was not reported";
  EXPECT_TRUE(stays([&] { return calls() == 2; }, 3 * debounce)) << "calls: " << calls();
}

TEST_F(file_watcher_test, a_new_file_renamed_over_the_watched_one_is_reported) {
  auto watcher = watch();
  auto tmp = folder_ / "eventrouter.json.tmp";
  write_file(tmp, R"({ "topics": { "renamed": {} } })");
  fs::rename(tmp, config_);
  ASSERT_TRUE(eventually([&] { return calls() >= 1; }, 5s)) << "no callback for a rename over the file";
  EXPECT_TRUE(stays([&] { return calls() == 1; }, 3 * debounce)) << "calls: " << calls();
}

TEST_F(file_watcher_test, the_file_renamed_into_place_is_watched_for_later_writes) {
  auto watcher = watch();
  auto tmp = folder_ / "eventrouter.json.tmp";
  write_file(tmp, R"({ "topics": { "renamed": {} } })");
  fs::rename(tmp, config_);
  ASSERT_TRUE(eventually([&] { return calls() == 1; }, 5s));
  write_file(config_, R"({ "topics": { "edited": {} } })");
  EXPECT_TRUE(eventually([&] { return calls() == 2; }, 5s)) << "calls: " << calls();
}

TEST_F(file_watcher_test, a_change_to_another_file_in_the_folder_is_not_reported) {
  auto watcher = watch();
  write_file(folder_ / "other.json", R"({ "unrelated": true })");
  write_file(folder_ / "eventrouter.json.bak", R"({ "topics": {} })");
  EXPECT_TRUE(stays([&] { return calls() == 0; }, 4 * debounce)) << "calls: " << calls();
}

TEST_F(file_watcher_test, watching_a_file_in_a_missing_folder_throws_system_error) {
  auto missing = folder_ / "no-such-folder" / "eventrouter.json";
  EXPECT_THROW(file_watcher(missing.string(), debounce, [] {}), std::system_error);
}

// The destructor runs on a thread of its own, so a hang fails the test instead of blocking it.
bool destroyed_within(std::unique_ptr<file_watcher> watcher, std::chrono::milliseconds limit) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread([w = std::move(watcher), done]() mutable {
    w.reset();
    done->store(true);
  }).detach();
  return eventually([&] { return done->load(); }, limit);
}

TEST_F(file_watcher_test, destroying_an_idle_watcher_returns_promptly) {
  auto watcher = watch();
  EXPECT_TRUE(destroyed_within(std::move(watcher), 2s)) << "the destructor hangs";
}

TEST_F(file_watcher_test, destroying_a_watcher_with_a_change_pending_returns_promptly_without_a_callback) {
  auto watcher = watch(std::chrono::minutes(1));  // the change stays pending for the whole test
  write_file(config_, R"({ "topics": { "a": {} } })");
  EXPECT_TRUE(destroyed_within(std::move(watcher), 2s)) << "the destructor waits for the debounce";
  EXPECT_EQ(calls(), 0);
}

}  // namespace
}  // namespace eventrouter::config
