// The Prometheus text format read back (metrics/text_format), as `eventrouter top` reads a
// service's /metrics: samples with their labels and values, comments and what is not a sample
// passed over — and the registry's own output read back whole.

#include "metrics/registry.hpp"
#include "metrics/text_format.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace eventrouter::metrics {
namespace {

TEST(text_format, samples_with_labels_values_and_comments) {
  auto samples = parse_text(
    "# HELP eventrouter_consumer_lag Entries not acknowledged.\n"
    "# TYPE eventrouter_consumer_lag gauge\n"
    "eventrouter_consumer_lag{consumer=\"a\"} 12\n"
    "\n"
    "eventrouter_events_published_total{result=\"ok\",topic=\"dev-x\",transport=\"redis\"} 3.5e+03\n"
    "process_open_fds 7 1700000000000\n");
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0].name, "eventrouter_consumer_lag");
  EXPECT_EQ(samples[0].label("consumer"), "a");
  EXPECT_EQ(samples[0].value, 12);
  EXPECT_EQ(samples[1].label("topic"), "dev-x");
  EXPECT_EQ(samples[1].label("transport"), "redis");
  EXPECT_EQ(samples[1].label("absent"), "");
  EXPECT_EQ(samples[1].value, 3500);
  EXPECT_EQ(samples[2].name, "process_open_fds");
  EXPECT_TRUE(samples[2].labels.empty());
  EXPECT_EQ(samples[2].value, 7) << "the timestamp is not the value";
}

TEST(text_format, label_values_are_unescaped_and_special_values_read) {
  auto samples = parse_text("m{a=\"say \\\"hi\\\"\",b=\"back\\\\slash\",c=\"two\\nlines\",} NaN\n"
                            "m{le=\"+Inf\"} +Inf\r\n"
                            "m -Inf\n");
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0].label("a"), "say \"hi\"");
  EXPECT_EQ(samples[0].label("b"), "back\\slash");
  EXPECT_EQ(samples[0].label("c"), "two\nlines");
  EXPECT_TRUE(std::isnan(samples[0].value));
  EXPECT_EQ(samples[1].label("le"), "+Inf");
  EXPECT_TRUE(std::isinf(samples[1].value) && samples[1].value > 0);
  EXPECT_TRUE(std::isinf(samples[2].value) && samples[2].value < 0);
}

TEST(text_format, lines_that_are_not_samples_are_passed_over) {
  auto samples = parse_text("{a=\"x\"} 1\n"          // no name
                            "m{a=\"unterminated} 1\n"  // no closing quote
                            "m{a=x} 1\n"               // unquoted value
                            "m 12abc\n"                // not a number
                            "m\n"                      // no value
                            "ok 1\n");
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].name, "ok");
}

TEST(text_format, the_registry_exposition_reads_back) {
  registry r;
  r.published("dev-x", "memory", "ok").add(5);
  auto samples = parse_text(r.serialize());
  bool found = false;
  for (const auto& s : samples)
    if (s.name == "eventrouter_events_published_total" && s.label("topic") == "dev-x" && s.label("result") == "ok") {
      found = true;
      EXPECT_EQ(s.value, 5);
      EXPECT_EQ(s.label("transport"), "memory");
    }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace eventrouter::metrics
