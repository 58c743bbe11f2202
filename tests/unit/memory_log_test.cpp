#include "transports/memory/memory_log.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace eventrouter {
namespace {

std::vector<keyed_event> batch_of(std::size_t n, const std::string& prefix = "e") {
  std::vector<keyed_event> out;
  for (std::size_t i = 0; i < n; ++i) {
    auto ev = std::make_shared<event>();
    ev->id = prefix + std::to_string(i);
    out.push_back({ev, "k" + std::to_string(i)});
  }
  return out;
}

std::vector<std::string> ids(const std::vector<memory_log::entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries)
    out.push_back(e.item.ev->id);
  return out;
}

std::vector<std::uint64_t> offsets(const std::vector<memory_log::entry>& entries) {
  std::vector<std::uint64_t> out;
  for (const auto& e : entries)
    out.push_back(e.offset);
  return out;
}

TEST(memory_log, two_groups_each_receive_every_entry) {
  memory_log log{100};
  log.join("a", "a1");
  log.join("b", "b1");
  log.append(batch_of(3));
  EXPECT_EQ(ids(log.poll("a", "a1", 10)), (std::vector<std::string>{"e0", "e1", "e2"}));
  EXPECT_EQ(ids(log.poll("b", "b1", 10)), (std::vector<std::string>{"e0", "e1", "e2"}));
}

TEST(memory_log, consumers_of_one_group_share_entries) {
  memory_log log{100};
  log.join("g", "c1");
  log.join("g", "c2");
  log.append(batch_of(4));
  auto first = log.poll("g", "c1", 2);
  auto second = log.poll("g", "c2", 10);
  EXPECT_EQ(ids(first), (std::vector<std::string>{"e0", "e1"}));
  EXPECT_EQ(ids(second), (std::vector<std::string>{"e2", "e3"}));
  EXPECT_TRUE(log.poll("g", "c1", 10).empty());
}

TEST(memory_log, nacked_entries_are_delivered_again_first) {
  memory_log log{100};
  log.join("g", "c");
  log.append(batch_of(3));
  auto polled = log.poll("g", "c", 2);
  log.nack("g", {polled[1].offset});
  log.ack("g", {polled[0].offset});
  EXPECT_EQ(ids(log.poll("g", "c", 10)), (std::vector<std::string>{"e1", "e2"}));
}

TEST(memory_log, a_rejoining_consumer_gets_back_what_it_never_acknowledged) {
  memory_log log{100};
  log.join("g", "c");
  log.append(batch_of(2));
  auto polled = log.poll("g", "c", 10);
  ASSERT_EQ(polled.size(), 2u);
  EXPECT_TRUE(log.poll("g", "c", 10).empty());
  log.join("g", "c");  // as after a crash and restart
  EXPECT_EQ(ids(log.poll("g", "c", 10)), (std::vector<std::string>{"e0", "e1"}));
}

TEST(memory_log, lag_counts_everything_not_acknowledged) {
  memory_log log{100};
  log.join("g", "c");
  log.append(batch_of(5));
  EXPECT_EQ(log.lag("g"), 5u);
  auto polled = log.poll("g", "c", 3);
  EXPECT_EQ(log.lag("g"), 5u);
  log.ack("g", offsets(polled));
  EXPECT_EQ(log.lag("g"), 2u);
}

TEST(memory_log, acknowledged_entries_are_trimmed) {
  memory_log log{100};
  log.join("g", "c");
  log.append(batch_of(5));
  log.ack("g", offsets(log.poll("g", "c", 5)));
  EXPECT_EQ(log.size(), 0u);
  EXPECT_EQ(log.end_offset(), 5u);
}

TEST(memory_log, a_full_log_refuses_rather_than_dropping_unacknowledged_entries) {
  memory_log log{4};
  log.join("g", "c");
  ASSERT_TRUE(log.append(batch_of(3)));
  EXPECT_FALSE(log.append(batch_of(2)));  // whole batch refused, nothing half-appended
  EXPECT_EQ(log.size(), 3u);
  log.ack("g", offsets(log.poll("g", "c", 1)));
  EXPECT_TRUE(log.append(batch_of(2)));
}

TEST(memory_log, without_groups_the_oldest_entries_make_room) {
  memory_log log{3};
  log.append(batch_of(3, "old"));
  ASSERT_TRUE(log.append(batch_of(2, "new")));
  EXPECT_EQ(log.size(), 3u);
  log.join("g", "c");
  EXPECT_EQ(ids(log.poll("g", "c", 10)), (std::vector<std::string>{"old2", "new0", "new1"}));
}

TEST(memory_log, a_new_group_starts_at_the_oldest_retained_entry) {
  memory_log log{100};
  log.join("early", "c");
  log.append(batch_of(2));
  log.join("late", "c");
  EXPECT_EQ(log.poll("late", "c", 10).size(), 2u);
}

}  // namespace
}  // namespace eventrouter
