#include "metrics/histogram.hpp"

#include <algorithm>
#include <limits>

namespace eventrouter::metrics {

histogram::histogram(std::shared_ptr<const std::vector<double>> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<std::uint64_t>[bounds_->size() + 1]) {
  for (std::size_t i = 0; i <= bounds_->size(); ++i)
    counts_[i].store(0, std::memory_order_relaxed);
}

// Prometheus buckets are "less than or equal": the first bound not below the value.
std::size_t histogram::bucket_of(double value) const noexcept {
  return static_cast<std::size_t>(std::lower_bound(bounds_->begin(), bounds_->end(), value) - bounds_->begin());
}

void histogram::observe(double value) noexcept {
  counts_[bucket_of(value)].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

void histogram::add(const std::vector<std::uint64_t>& counts, double sum) noexcept {
  bool any = false;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0)
      continue;
    counts_[i].fetch_add(counts[i], std::memory_order_relaxed);
    any = true;
  }
  if (any)
    sum_.fetch_add(sum, std::memory_order_relaxed);
}

prometheus::ClientMetric::Histogram histogram::snapshot() const {
  prometheus::ClientMetric::Histogram out;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_->size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out.bucket.push_back({cumulative, (*bounds_)[i]});
  }
  cumulative += counts_[bounds_->size()].load(std::memory_order_relaxed);
  out.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
  out.sample_count = cumulative;
  out.sample_sum = sum_.load(std::memory_order_relaxed);
  return out;
}

histogram_family::histogram_family(std::string name, std::string help, std::string label,
                                   std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_(std::move(label)),
      bounds_(std::make_shared<const std::vector<double>>(std::move(bounds))) {}

histogram& histogram_family::add(const std::string& label_value) {
  std::lock_guard lock(mutex_);
  auto& slot = series_[label_value];
  if (!slot)
    slot = std::make_unique<histogram>(bounds_);
  return *slot;
}

prometheus::MetricFamily histogram_family::collect() const {
  prometheus::MetricFamily family{name_, help_, prometheus::MetricType::Histogram, {}};
  std::lock_guard lock(mutex_);
  for (const auto& [value, series] : series_) {
    prometheus::ClientMetric metric;
    metric.label.push_back({label_, value});
    metric.histogram = series->snapshot();
    family.metric.push_back(std::move(metric));
  }
  return family;
}

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

}  // namespace eventrouter::metrics
