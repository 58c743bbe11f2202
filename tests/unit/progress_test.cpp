#include "progress.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

using namespace eventrouter;
using testing::HasSubstr;
using testing::Not;

TEST(progress, into_a_log_each_line_is_plain_and_says_done_of_total_rate_and_time_to_go) {
  std::ostringstream out;
  progress shown("replay", "delivered", out, false);
  shown.done = 1200;
  shown.print(300);
  shown.done = 1300;
  shown.print(200);  // within the interval: not shown
  shown.done = 1500;
  shown.print(0, true);
  auto text = out.str();
  EXPECT_THAT(text, HasSubstr("replay: 1200/1500 delivered, 0 malformed, "));
  EXPECT_THAT(text, HasSubstr(" s to go\n"));
  EXPECT_THAT(text, Not(HasSubstr("1300")));
  EXPECT_THAT(text, HasSubstr("replay: 1500/1500 delivered, 0 malformed, "));
  EXPECT_THAT(text, Not(HasSubstr("\r")));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

TEST(progress, on_a_terminal_the_line_is_redrawn_in_place_and_the_last_one_stays) {
  std::ostringstream out;
  progress shown("dlq replay", "moved", out, true);
  shown.done = 10;
  shown.malformed = 1;
  shown.print(std::nullopt);
  shown.done = 20;
  shown.print(std::nullopt, true);
  auto text = out.str();
  EXPECT_EQ(text.substr(0, 4), "\r\033[K");
  EXPECT_THAT(text, HasSubstr("dlq replay: 10 moved, 1 malformed, "));
  EXPECT_THAT(text, HasSubstr("\r\033[Kdlq replay: 20 moved, 1 malformed, "));
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}
