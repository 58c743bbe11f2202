#include "metrics/histogram.hpp"
#include "metrics/registry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace eventrouter::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr double inf = std::numeric_limits<double>::infinity();

std::shared_ptr<const std::vector<double>> bounds(std::vector<double> v) {
  return std::make_shared<const std::vector<double>>(std::move(v));
}

std::vector<double> upper_bounds(const prometheus::ClientMetric::Histogram& h) {
  std::vector<double> out;
  for (const auto& b : h.bucket)
    out.push_back(b.upper_bound);
  return out;
}

std::vector<std::uint64_t> cumulative_counts(const prometheus::ClientMetric::Histogram& h) {
  std::vector<std::uint64_t> out;
  for (const auto& b : h.bucket)
    out.push_back(b.cumulative_count);
  return out;
}

// Runs `work` on `threads` threads started together, so that they really overlap; joins them.
template <class Work>
void run_together(int threads, Work work) {
  std::atomic<int> ready{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      ready.fetch_add(1);
      while (ready.load() < threads) {
      }
      work();
    });
  for (auto& w : workers)
    w.join();
}

// --- histogram ------------------------------------------------------------------------------

TEST(histogram, a_batch_adds_up_to_the_same_as_each_observation_alone) {
  histogram one_by_one(bounds({1, 2, 5})), batched(bounds({1, 2, 5}));
  const std::vector<double> values{0.5, 1, 1.5, 2, 2, 4, 9, 0.25};
  {
    histogram::batch b(batched);
    for (double v : values) {
      b.observe(v);
      one_by_one.observe(v);
    }
    EXPECT_EQ(batched.snapshot().sample_count, 0u) << "nothing shows before the batch ends";
  }
  auto expected = one_by_one.snapshot(), got = batched.snapshot();
  EXPECT_EQ(got.sample_count, expected.sample_count);
  EXPECT_DOUBLE_EQ(got.sample_sum, expected.sample_sum);
  ASSERT_EQ(got.bucket.size(), expected.bucket.size());
  for (std::size_t i = 0; i < got.bucket.size(); ++i)
    EXPECT_EQ(got.bucket[i].cumulative_count, expected.bucket[i].cumulative_count) << "bucket " << i;
}

TEST(histogram, a_new_histogram_has_every_bucket_and_plus_inf_all_empty) {
  histogram h(bounds({1, 2, 5}));
  auto s = h.snapshot();
  EXPECT_EQ(upper_bounds(s), (std::vector<double>{1, 2, 5, inf}));
  EXPECT_EQ(cumulative_counts(s), (std::vector<std::uint64_t>{0, 0, 0, 0}));
  EXPECT_EQ(s.sample_count, 0u);
  EXPECT_EQ(s.sample_sum, 0.0);
}

TEST(histogram, a_value_equal_to_a_bound_lands_in_that_bound_s_bucket) {
  histogram h(bounds({1, 2, 5}));
  h.observe(2);
  EXPECT_EQ(cumulative_counts(h.snapshot()), (std::vector<std::uint64_t>{0, 1, 1, 1}));
}

TEST(histogram, a_value_just_above_a_bound_lands_in_the_next_bucket) {
  histogram h(bounds({1, 2, 5}));
  h.observe(std::nextafter(2.0, 3.0));
  EXPECT_EQ(cumulative_counts(h.snapshot()), (std::vector<std::uint64_t>{0, 0, 1, 1}));
}

TEST(histogram, values_below_the_first_bound_land_in_the_first_bucket) {
  histogram h(bounds({1, 2, 5}));
  h.observe(0);
  h.observe(-3);
  h.observe(0.5);
  EXPECT_EQ(cumulative_counts(h.snapshot()), (std::vector<std::uint64_t>{3, 3, 3, 3}));
}

TEST(histogram, values_above_the_last_bound_count_only_in_plus_inf) {
  histogram h(bounds({1, 2, 5}));
  h.observe(5.5);
  h.observe(1e12);
  auto s = h.snapshot();
  EXPECT_EQ(cumulative_counts(s), (std::vector<std::uint64_t>{0, 0, 0, 2}));
  EXPECT_EQ(s.sample_count, 2u);
}

TEST(histogram, counts_are_cumulative_and_count_and_sum_cover_every_observation) {
  histogram h(bounds({1, 2, 5}));
  for (double v : {0.5, 1.0, 1.5, 2.0, 2.0, 4.0, 5.0, 7.0})
    h.observe(v);
  auto s = h.snapshot();
  // <=1: 0.5 1 | <=2: +1.5 2 2 | <=5: +4 5 | +Inf: +7
  EXPECT_EQ(cumulative_counts(s), (std::vector<std::uint64_t>{2, 5, 7, 8}));
  EXPECT_EQ(s.sample_count, 8u);
  EXPECT_EQ(s.sample_sum, 23.0);
}

TEST(histogram, the_latency_buckets_ascend_from_half_a_millisecond_to_a_minute) {
  auto b = latency_buckets();
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(b.front(), 0.0005);
  EXPECT_EQ(b.back(), 60.0);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
  EXPECT_EQ(std::adjacent_find(b.begin(), b.end()), b.end()) << "a bound appears twice";
}

TEST(histogram, concurrent_observations_from_four_threads_lose_none) {
  constexpr int threads = 4;
  constexpr int per_thread = 100000;
  histogram h(bounds({1, 2, 3}));
  run_together(threads, [&] {
    for (int i = 0; i < per_thread; ++i)
      h.observe(static_cast<double>(i % 5));  // 0, 1, 2, 3, 4: integers, so the sum is exact
  });

  auto s = h.snapshot();
  constexpr std::uint64_t each_value = threads * per_thread / 5;
  EXPECT_EQ(s.sample_count, std::uint64_t{threads} * per_thread);
  EXPECT_EQ(s.sample_sum, static_cast<double>(each_value * (0 + 1 + 2 + 3 + 4)));
  EXPECT_EQ(cumulative_counts(s),
            (std::vector<std::uint64_t>{2 * each_value, 3 * each_value, 4 * each_value, 5 * each_value}));
}

TEST(histogram, concurrent_observations_into_one_bucket_lose_none) {
  // Every thread on the same counter: the most contention a bucket can see.
  constexpr int threads = 4;
  constexpr int per_thread = 100000;
  histogram h(bounds({1, 2, 3}));
  run_together(threads, [&] {
    for (int i = 0; i < per_thread; ++i)
      h.observe(2);
  });

  auto s = h.snapshot();
  constexpr std::uint64_t total = std::uint64_t{threads} * per_thread;
  EXPECT_EQ(cumulative_counts(s), (std::vector<std::uint64_t>{0, total, total, total}));
  EXPECT_EQ(s.sample_count, total);
  EXPECT_EQ(s.sample_sum, 2.0 * total);
}

// --- histogram_family -----------------------------------------------------------------------

TEST(histogram_family, collects_nothing_before_a_series_is_added) {
  histogram_family f("latency_seconds", "How long.", "consumer", {1, 2});
  auto family = f.collect();
  EXPECT_EQ(family.name, "latency_seconds");
  EXPECT_EQ(family.help, "How long.");
  EXPECT_EQ(family.type, prometheus::MetricType::Histogram);
  EXPECT_TRUE(family.metric.empty());
}

TEST(histogram_family, collects_one_series_per_label_value_with_its_own_observations) {
  histogram_family f("latency_seconds", "How long.", "consumer", {1, 2});
  f.add("alpha").observe(0.5);
  f.add("alpha").observe(3);
  f.add("beta").observe(2);

  auto family = f.collect();
  EXPECT_EQ(family.name, "latency_seconds");
  EXPECT_EQ(family.type, prometheus::MetricType::Histogram);
  ASSERT_EQ(family.metric.size(), 2u);
  std::map<std::string, prometheus::ClientMetric::Histogram> by_value;
  for (const auto& m : family.metric) {
    ASSERT_EQ(m.label.size(), 1u);
    EXPECT_EQ(m.label[0].name, "consumer");
    by_value[m.label[0].value] = m.histogram;
  }
  ASSERT_TRUE(by_value.count("alpha"));
  ASSERT_TRUE(by_value.count("beta"));
  EXPECT_EQ(upper_bounds(by_value["alpha"]), (std::vector<double>{1, 2, inf}));
  EXPECT_EQ(cumulative_counts(by_value["alpha"]), (std::vector<std::uint64_t>{1, 1, 2}));
  EXPECT_EQ(by_value["alpha"].sample_count, 2u);
  EXPECT_EQ(by_value["alpha"].sample_sum, 3.5);
  EXPECT_EQ(cumulative_counts(by_value["beta"]), (std::vector<std::uint64_t>{0, 1, 1}));
  EXPECT_EQ(by_value["beta"].sample_count, 1u);
  EXPECT_EQ(by_value["beta"].sample_sum, 2.0);
}

TEST(histogram_family, adding_the_same_label_value_returns_the_same_series) {
  histogram_family f("latency_seconds", "How long.", "consumer", {1});
  auto& first = f.add("alpha");
  auto& other = f.add("beta");
  auto& again = f.add("alpha");
  EXPECT_EQ(&first, &again);
  EXPECT_NE(&first, &other);
  EXPECT_EQ(f.collect().metric.size(), 2u);
}

// --- histograms in the registry's text exposition -------------------------------------------

TEST(histogram_exposition, a_registry_histogram_appears_as_buckets_sum_and_count) {
  registry r;
  auto h = r.publish_duration("memory");
  ASSERT_TRUE(h);
  // Binary-exact values, so the sum prints exactly; 0.25 is itself a bound.
  h.observe(0.25);
  h.observe(0.25);
  h.observe(2);

  auto text = r.serialize();
  const std::string name = "eventrouter_publish_duration_seconds";
  EXPECT_THAT(text, HasSubstr("# TYPE " + name + " histogram\n"));
  EXPECT_THAT(text, HasSubstr(name + "_bucket{transport=\"memory\",le=\"0.1\"} 0\n"));
  EXPECT_THAT(text, HasSubstr(name + "_bucket{transport=\"memory\",le=\"0.25\"} 2\n"));
  EXPECT_THAT(text, HasSubstr(name + "_bucket{transport=\"memory\",le=\"0.5\"} 2\n"));
  EXPECT_THAT(text, HasSubstr(name + "_bucket{transport=\"memory\",le=\"2.5\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(name + "_bucket{transport=\"memory\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(name + "_sum{transport=\"memory\"} 2.5\n"));
  EXPECT_THAT(text, HasSubstr(name + "_count{transport=\"memory\"} 3\n"));
}

TEST(histogram_exposition, each_label_value_is_its_own_series_in_the_text) {
  registry r;
  r.end_to_end_latency("lifecycle-log").observe(1);
  r.end_to_end_latency("audit").observe(1);
  r.end_to_end_latency("audit").observe(1);

  auto text = r.serialize();
  const std::string name = "eventrouter_end_to_end_latency_seconds";
  EXPECT_THAT(text, HasSubstr(name + "_count{consumer=\"lifecycle-log\"} 1\n"));
  EXPECT_THAT(text, HasSubstr(name + "_count{consumer=\"audit\"} 2\n"));
  EXPECT_THAT(text, HasSubstr(name + "_bucket{consumer=\"audit\",le=\"1\"} 2\n"));
  EXPECT_THAT(text, HasSubstr(name + "_bucket{consumer=\"audit\",le=\"0.5\"} 0\n"));
}

TEST(histogram_exposition, a_disabled_registry_serializes_to_nothing_and_its_handles_do_nothing) {
  registry r(registry::mode::disabled);
  auto h = r.publish_duration("memory");
  EXPECT_FALSE(h);
  EXPECT_FALSE(r.end_to_end_latency("c"));
  // None of these may crash or record anything.
  h.observe(1);
  r.end_to_end_latency("c").observe(2);
  r.received("http").add();
  r.routed("e.v1", "t").add(5);
  r.in_flight().set(3);
  r.in_flight().add(1);
  r.in_flight().sub(1);
  r.consumer_state("c", "running").set(1);
  r.reloads("ok").add();
  r.config_generation().set(2);

  EXPECT_EQ(r.serialize(), "");
}

TEST(histogram_exposition, an_enabled_registry_exposes_what_its_handles_record) {
  // The counterpart of the disabled case: the same updates do show up when enabled.
  registry r;
  r.received("http").add();
  r.in_flight().set(3);
  auto text = r.serialize();
  EXPECT_THAT(text, HasSubstr("eventrouter_events_received_total{source=\"http\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("eventrouter_in_flight_events 3\n"));
  EXPECT_THAT(text, Not(HasSubstr("eventrouter_publish_duration_seconds_count")))
      << "no series was added to the histogram, so it has none to show";
}

}  // namespace
}  // namespace eventrouter::metrics
