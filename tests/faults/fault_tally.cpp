#include "fault_tally.hpp"

#include "eventually.hpp"
#include "fault_report.hpp"

#include <gtest/gtest.h>

#include <iostream>
#include <map>

namespace eventrouter::testing {

namespace {

using clock = load_producer::clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

// When the sink took each event (a 2xx answer), every time it did.
std::map<std::string, std::vector<clock::time_point>> sink_deliveries(const webhook_server& sink) {
  std::map<std::string, std::vector<clock::time_point>> by_id;
  for (const auto& call : sink.history())
    if (call.answer >= 200 && call.answer < 300)
      by_id[std::string(call.request.header("ce-id").value_or(""))].push_back(call.arrival);
  return by_id;
}

std::vector<std::string> undelivered(const load_producer& load, const webhook_server& sink) {
  auto delivered = sink_deliveries(sink);
  std::vector<std::string> missing;
  for (const auto& [id, when] : load.accepted())
    if (!delivered.count(id))
      missing.push_back(id);
  return missing;
}

milliseconds since(clock::time_point from, clock::time_point to) {
  return to > from ? duration_cast<milliseconds>(to - from) : milliseconds(0);
}

void time_recovery(fault_result& result, const load_producer& load,
                   const std::map<std::string, std::vector<clock::time_point>>& delivered, clock::time_point end) {
  std::optional<clock::time_point> next;
  for (const auto& [id, times] : delivered)
    for (auto t : times)
      if (t >= end && (!next || t < *next))
        next = t;
  if (next)
    result.recovered = since(end, *next);
  clock::time_point last = end;
  for (const auto& [id, accepted_at] : load.accepted()) {
    auto it = delivered.find(id);
    if (accepted_at < end && it != delivered.end())
      last = std::max(last, it->second.front());
  }
  result.caught_up = since(end, last);
}

}  // namespace

fault_result settle(const std::string& name, load_producer& load, const webhook_server& sink,
                    std::optional<clock::time_point> fault_end, milliseconds timeout) {
  load.await_done();
  fault_result result;
  result.name = name;
  eventually([&] { return (result.missing = undelivered(load, sink)).empty(); }, timeout);
  auto delivered = sink_deliveries(sink);
  result.posted = load.posted();
  result.accepted = static_cast<int>(load.accepted().size());
  result.refused = load.refused();
  result.lost = static_cast<int>(result.missing.size());
  for (const auto& [id, times] : delivered) {
    result.delivered++;
    result.duplicates += static_cast<int>(times.size()) - 1;
  }
  if (fault_end)
    time_recovery(result, load, delivered, *fault_end);
  report(result);
  return result;
}

void expect_no_loss(const fault_result& result, const load_producer& load) {
  for (const auto& [why, n] : load.refusals())
    std::cout << "[ refused  ] " << n << " x " << why << "\n";
  EXPECT_EQ(result.accepted, load.events()) << "the producer could not get every event accepted before its deadline";
  std::string some;
  for (std::size_t i = 0; i < std::min<std::size_t>(result.missing.size(), 20); ++i)
    some += " " + result.missing[i];
  EXPECT_EQ(result.lost, 0) << "accepted and never delivered:" << some;
}

}  // namespace eventrouter::testing
