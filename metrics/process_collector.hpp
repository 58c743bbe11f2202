#pragma once
// The process_* metrics every official Prometheus client exposes (CPU time, memory, file
// descriptors, start time), read from /proc when a scrape asks, so they need no updating
// between scrapes. Linux only.

#include <prometheus/metric_family.h>

#include <vector>

namespace eventrouter::metrics {

// Names, types, units and help texts as the Go and Python clients give them, so dashboards and
// alerts written for those work unchanged. A metric whose source cannot be read is left out
// rather than reported as 0 (a 0 would look like a real value); nothing throws but bad_alloc.
std::vector<prometheus::MetricFamily> collect_process_metrics();

}  // namespace eventrouter::metrics
