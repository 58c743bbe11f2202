#pragma once
// What the hot path holds to update a metric: a pointer to one series, looked up once at set-up.
// An update is one atomic operation (prometheus-cpp keeps each series in a std::atomic<double>),
// never a lock. A handle from a disabled registry is empty and an update is a predictable
// branch, which lets the benchmark measure what metrics cost.

#include "metrics/histogram.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

namespace eventrouter::metrics {

class counter {
 public:
  counter() = default;
  explicit counter(prometheus::Counter* series) : series_(series) {}
  void add(double n = 1) const {
    if (series_ != nullptr)
      series_->Increment(n);
  }

 private:
  prometheus::Counter* series_ = nullptr;
};

class gauge {
 public:
  gauge() = default;
  explicit gauge(prometheus::Gauge* series) : series_(series) {}
  void set(double v) const {
    if (series_ != nullptr)
      series_->Set(v);
  }
  void add(double n) const {
    if (series_ != nullptr)
      series_->Increment(n);
  }
  void sub(double n) const {
    if (series_ != nullptr)
      series_->Decrement(n);
  }

 private:
  prometheus::Gauge* series_ = nullptr;
};

class histogram_handle {
 public:
  histogram_handle() = default;
  explicit histogram_handle(histogram* series) : series_(series) {}
  void observe(double v) const {
    if (series_ != nullptr)
      series_->observe(v);
  }
  explicit operator bool() const { return series_ != nullptr; }
  histogram* series() const { return series_; }

 private:
  histogram* series_ = nullptr;
};

}  // namespace eventrouter::metrics
