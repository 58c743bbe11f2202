#pragma once

#include "actors/sink.hpp"

#include <cstdio>

namespace eventrouter {

// Prints each event as one JSON line: {"consumer":…,"topic":…,"key":…,"event":{…}}.
class log_sink final : public sink {
 public:
  explicit log_sink(std::FILE* out = stdout) : out_(out) {}
  delivery_result deliver(const delivery& d) override;

 private:
  std::FILE* out_;
};

}  // namespace eventrouter
