#pragma once

#include "actors/sink.hpp"

#include <cstdio>

namespace eventrouter {

// Prints each event as one JSON line: {"consumer":…,"topic":…,"key":…,"event":{…}}.
class log_sink final : public immediate_sink {
 public:
  explicit log_sink(std::FILE* out = stdout) : out_(out) {}
  delivery_result deliver_now(const delivery& d) override;

 private:
  std::FILE* out_;
};

}  // namespace eventrouter
