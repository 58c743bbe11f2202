#include "actors/batch_builder.hpp"

namespace eventrouter {

std::vector<webhook_delivery> batch_builder::take() {
  text_bytes_ = 0;
  return std::exchange(open_, {});
}

}  // namespace eventrouter
