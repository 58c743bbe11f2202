#pragma once
// The fast half of the agreement check, run on every configuration check-config accepts: the
// service built in this process from it (a start), and a service of a valid configuration moved
// to it (a reload), with a real caf::actor_system, as tests/unit builds services. Either must
// succeed, and every configured consumer must then run — not fail, not restart — for a while.

#include "config/settings.hpp"
#include "metrics/registry.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace eventrouter::testing {

class in_process_check {
 public:
  // How long every consumer must keep running after a start or a reload.
  static constexpr std::chrono::milliseconds watched{200};

  in_process_check();
  ~in_process_check();

  // What went wrong starting `next`, and reloading a service of `base` to it; empty when nothing did.
  std::vector<std::string> disagreements(const config::settings& next, const config::settings& base);

  // A service's actors outliving its construction when that threw are not awaited at the end.
  bool any_start_threw() const { return start_threw_; }

 private:
  metrics::registry metrics_;  // outlives the actor system, whose actors count into it
  caf::actor_system_config caf_config_;
  caf::actor_system sys_;
  bool start_threw_ = false;
};

}  // namespace eventrouter::testing
