#pragma once
// The table of every fault case's result, printed when the run ends (and written to
// <build>/Testing/fault-results.txt), so a run's figures can be read and compared at once.

#include "fault_tally.hpp"

namespace eventrouter::testing {

// Adds a row; prints it at once too, in case the run does not reach its end.
void report(const fault_result& result);

}  // namespace eventrouter::testing
