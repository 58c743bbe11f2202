#pragma once
// A Prometheus histogram whose observe() is lock-free: one relaxed atomic increment of the
// bucket and one atomic add to the sum. (prometheus-cpp 1.0's Histogram takes a mutex per
// observation, which the hot path must not.) A scrape may see a sum a few observations
// ahead of the counts; Prometheus's rate() and histogram_quantile() do not mind.

#include <prometheus/metric_family.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace eventrouter::metrics {

class histogram {
 public:
  // `bounds`: the buckets' upper bounds, ascending; +Inf is implied.
  explicit histogram(std::shared_ptr<const std::vector<double>> bounds);

  void observe(double value) noexcept;

  // Observations gathered in a local array and added with one atomic operation per bucket
  // used: for a batch whose observations mostly fall in a few buckets.
  class batch {
   public:
    explicit batch(histogram& h) : h_(h), counts_(h.bounds_->size() + 1, 0) {}
    batch(const batch&) = delete;
    batch& operator=(const batch&) = delete;
    ~batch() { h_.add(counts_, sum_); }
    void observe(double value) noexcept {
      counts_[h_.bucket_of(value)]++;
      sum_ += value;
    }

   private:
    histogram& h_;
    std::vector<std::uint64_t> counts_;
    double sum_ = 0;
  };

  // Cumulative bucket counts, as the exposition format wants them.
  prometheus::ClientMetric::Histogram snapshot() const;

 private:
  std::size_t bucket_of(double value) const noexcept;
  void add(const std::vector<std::uint64_t>& counts, double sum) noexcept;

  std::shared_ptr<const std::vector<double>> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_->size() + 1, the last for +Inf
  std::atomic<double> sum_{0};
};

// Histograms of one name, one per value of a single label. Adding a series takes a lock (at
// set-up); observing does not.
class histogram_family {
 public:
  histogram_family(std::string name, std::string help, std::string label, std::vector<double> bounds);

  histogram& add(const std::string& label_value);
  prometheus::MetricFamily collect() const;

 private:
  std::string name_;
  std::string help_;
  std::string label_;
  std::shared_ptr<const std::vector<double>> bounds_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<histogram>> series_;
};

// Seconds, from half a millisecond (a memory publish) to a minute (an event that waited in a
// topic through a sink outage).
std::vector<double> latency_buckets();

}  // namespace eventrouter::metrics
