#include "fault_report.hpp"

#include "headless_chromium.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

namespace eventrouter::testing {

namespace {

std::string duration(const std::optional<std::chrono::milliseconds>& d) {
  if (!d)
    return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", static_cast<double>(d->count()) / 1000);
  return text;
}

std::string row(const fault_result& r) {
  char text[256];
  std::snprintf(text, sizeof text, "%-44s %7d %8d %7d %9d %5d %10d %10s %10s", r.name.c_str(), r.posted, r.accepted,
                r.refused, r.delivered, r.lost, r.duplicates, duration(r.recovered).c_str(),
                duration(r.caught_up).c_str());
  return text;
}

std::string header() {
  char text[256];
  std::snprintf(text, sizeof text, "%-44s %7s %8s %7s %9s %5s %10s %10s %10s", "case", "posted", "accepted",
                "refused", "delivered", "lost", "duplicates", "recovered", "caught up");
  return text;
}

class report_table : public ::testing::Environment {
 public:
  void add(const fault_result& result) {
    std::lock_guard lock{mutex_};
    rows_.push_back(row(result));
  }

  void TearDown() override {
    std::ostringstream table;
    table << "\nFault cases (recovered: from the end of the fault to the next delivery; caught up: until\n"
             "every event accepted before that end was delivered)\n"
          << header() << "\n";
    for (const auto& r : rows_)
      table << r << "\n";
    std::cout << table.str() << std::flush;
    std::ofstream(test_output_file("fault-results.txt")) << table.str();
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> rows_;
};

// gtest owns and deletes the environments it is given.
report_table* const table = static_cast<report_table*>(::testing::AddGlobalTestEnvironment(new report_table));

}  // namespace

void report(const fault_result& result) {
  table->add(result);
  std::cout << "[ fault    ] " << header() << "\n[ fault    ] " << row(result) << std::endl;
}

}  // namespace eventrouter::testing
