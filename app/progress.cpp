#include "progress.hpp"

#include <iostream>

namespace eventrouter {

void progress::print(std::optional<std::int64_t> left, bool final) {
  auto now = clock_type::now();
  if (!final && now - last_line_ < std::chrono::seconds(1))
    return;
  last_line_ = now;
  auto seconds = std::chrono::duration<double>(now - start_).count();
  auto rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  std::cerr << what_ << ": " << done << " " << done_word_ << ", " << malformed << " malformed, "
            << (left ? std::to_string(*left) : std::string("?")) << " left, " << static_cast<long long>(rate)
            << " events/s";
  if (left && rate > 0)
    std::cerr << ", about " << static_cast<long long>(static_cast<double>(*left) / rate) << " s to go";
  std::cerr << std::endl;
}

}  // namespace eventrouter
