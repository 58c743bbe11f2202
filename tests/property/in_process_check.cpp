#include "in_process_check.hpp"

#include "actors/failure.hpp"
#include "actors/service.hpp"
#include "eventually.hpp"

#include <algorithm>
#include <optional>

namespace eventrouter::testing {

namespace {

using namespace std::chrono_literals;

// What is wrong with the consumers of `svc` now, against those `expected` configures; empty when
// every one is listed and running without a restart.
std::optional<std::string> consumers_wrong(caf::actor_system& sys, service& svc, const config::settings& expected) {
  caf::scoped_actor self{sys};
  std::optional<std::string> wrong;
  consumer_statuses statuses;
  self->request(svc.supervisor(), 2s, status_atom::value)
    .receive([&](const consumer_statuses& s) { statuses = s; },
             [&](caf::error& e) { wrong = "the consumer supervisor does not answer: " + describe(e); });
  if (wrong)
    return wrong;
  for (const auto& c : expected.consumers) {
    auto it = std::find_if(statuses.begin(), statuses.end(), [&](const auto& s) { return s.name == c.name; });
    if (it == statuses.end())
      return "consumer " + c.name + " is not running: the supervisor does not list it";
    if (it->state != "running" || it->restarts > 0)
      return "consumer " + c.name + " is " + it->state + " after " + std::to_string(it->restarts) +
             " restart(s): " + it->last_error;
  }
  return std::nullopt;
}

}  // namespace

in_process_check::in_process_check() : sys_{caf_config_} {}

in_process_check::~in_process_check() {
  // A constructor that threw left its router and supervisor behind, with nobody to stop them:
  // waiting for them would never end. The failure was reported when it happened.
  if (start_threw_)
    sys_.await_actors_before_shutdown(false);
}

std::vector<std::string> in_process_check::disagreements(const config::settings& next,
                                                         const config::settings& base) {
  std::vector<std::string> out;
  auto build = [&](const config::settings& s, const std::string& what) -> std::unique_ptr<service> {
    try {
      return std::make_unique<service>(sys_, s, metrics_);
    } catch (const std::exception& e) {
      start_threw_ = true;
      out.push_back(what + " threw: " + e.what());
      return nullptr;
    }
  };
  auto started = build(next, "starting it (in-process)");
  auto reloaded = build(base, "starting the base configuration (in-process)");
  if (reloaded) {
    try {
      reloaded->apply(next);
    } catch (const std::exception& e) {
      out.push_back(std::string("a reload to it (in-process) threw: ") + e.what());
      reloaded.reset();
    }
  }
  // Watched together: a consumer that fails soon after its start fails within this window.
  eventually(
    [&] {
      for (auto* svc : {started.get(), reloaded.get()}) {
        if (svc == nullptr)
          continue;
        if (auto wrong = consumers_wrong(sys_, *svc, next)) {
          auto when = svc == started.get() ? "after starting it (in-process): " : "after a reload to it (in-process): ";
          out.push_back(when + *wrong);
          return true;
        }
      }
      return false;
    },
    watched);
  return out;
}

}  // namespace eventrouter::testing
