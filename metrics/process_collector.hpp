#pragma once
// The process_* metrics every official Prometheus client exposes (CPU time, memory, file
// descriptors, start time), read from /proc when a scrape asks, so they need no updating
// between scrapes. Linux only. Also the figures of the process rather than of one service:
// lines of its own log that stderr did not take.

#include <prometheus/metric_family.h>

#include <cstdint>
#include <vector>

namespace eventrouter::metrics {

// Names, types, units and help texts as the Go and Python clients give them, so dashboards and
// alerts written for those work unchanged. A metric whose source cannot be read is left out
// rather than reported as 0 (a 0 would look like a real value); nothing throws but bad_alloc.
std::vector<prometheus::MetricFamily> collect_process_metrics();

// A line of the service's log dropped because stderr was not taking lines
// (eventrouter_log_lines_dropped_total). Any thread; one relaxed atomic increment.
void count_dropped_log_line();

}  // namespace eventrouter::metrics
