#include "actors/reload_history.hpp"

namespace eventrouter {

std::string to_string(reload_result::outcome o) {
  switch (o) {
    case reload_result::outcome::ok: return "ok";
    case reload_result::outcome::invalid: return "invalid";
    case reload_result::outcome::failed: return "failed";
  }
  return "unknown";
}

void reload_history::record(reload_record r) {
  std::lock_guard lock(mutex_);
  if (records_.size() == capacity)
    records_.pop_front();
  records_.push_back(std::move(r));
}

std::vector<reload_record> reload_history::latest() const {
  std::lock_guard lock(mutex_);
  return {records_.rbegin(), records_.rend()};
}

}  // namespace eventrouter
