// The http sink's batches: no more events than max_events, no more body bytes than max_bytes
// (brackets and commas counted), every event in exactly one batch and in the order given, and
// an event larger than max_bytes alone in a batch of its own.

#include "actors/batch_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace eventrouter {
namespace {

// The texts of each batch the builder sent, and of the one left open, in order.
struct built {
  std::vector<std::vector<std::string>> sent;
  std::vector<std::string> open;
};

built batches_of(const config::batch_settings& limits, const std::vector<std::string>& texts) {
  batch_builder builder(limits);
  built out;
  auto texts_of = [](const std::vector<webhook_delivery>& batch) {
    std::vector<std::string> t;
    for (const auto& d : batch)
      t.push_back(d.text);
    return t;
  };
  for (const auto& text : texts)
    builder.add({text, [](delivery_result) {}}, [&](std::vector<webhook_delivery> b) { out.sent.push_back(texts_of(b)); });
  out.open = texts_of(builder.take());
  EXPECT_TRUE(builder.empty());
  return out;
}

std::size_t body_bytes(const std::vector<std::string>& batch) {
  std::size_t n = 0;
  for (const auto& t : batch)
    n += t.size();
  return http::webhook_request_writer::batch_body_bytes(batch.size(), n);
}

TEST(batch_builder, a_batch_closes_when_it_holds_max_events) {
  auto b = batches_of({3, 1 << 20, {}}, {"1", "2", "3", "4", "5", "6", "7"});
  EXPECT_EQ(b.sent, (std::vector<std::vector<std::string>>{{"1", "2", "3"}, {"4", "5", "6"}}));
  EXPECT_EQ(b.open, std::vector<std::string>{"7"});
}

TEST(batch_builder, an_event_that_would_pass_max_bytes_starts_the_next_batch) {
  // Bodies: [aaaa,bbbb] is 11 bytes; with ,cccc it would be 16.
  auto b = batches_of({100, 12, {}}, {"aaaa", "bbbb", "cccc", "dd"});
  EXPECT_EQ(b.sent, (std::vector<std::vector<std::string>>{{"aaaa", "bbbb"}}));
  EXPECT_EQ(b.open, (std::vector<std::string>{"cccc", "dd"}));
  EXPECT_EQ(body_bytes(b.open), 9u);
}

TEST(batch_builder, a_batch_that_reaches_max_bytes_exactly_goes_at_once) {
  auto b = batches_of({100, 11, {}}, {"aaaa", "bbbb", "c"});
  EXPECT_EQ(b.sent, (std::vector<std::vector<std::string>>{{"aaaa", "bbbb"}}));
  EXPECT_EQ(b.open, std::vector<std::string>{"c"});
}

TEST(batch_builder, an_event_larger_than_max_bytes_goes_alone) {
  auto b = batches_of({100, 8, {}}, {"a", "huge-event", "b"});
  EXPECT_EQ(b.sent, (std::vector<std::vector<std::string>>{{"a"}, {"huge-event"}}));
  EXPECT_EQ(b.open, std::vector<std::string>{"b"});
}

TEST(batch_builder, every_event_lands_in_exactly_one_batch_within_both_limits_in_order) {
  std::vector<std::string> texts;
  for (int i = 0; i < 500; ++i)
    texts.push_back(std::string(1 + (i * 37) % 90, 'x') + std::to_string(i));
  const config::batch_settings limits{7, 300, {}};
  auto b = batches_of(limits, texts);
  b.sent.push_back(b.open);
  std::vector<std::string> seen;
  for (const auto& batch : b.sent) {
    ASSERT_FALSE(batch.empty());
    EXPECT_LE(batch.size(), limits.max_events);
    EXPECT_LE(body_bytes(batch), limits.max_bytes);
    seen.insert(seen.end(), batch.begin(), batch.end());
  }
  EXPECT_EQ(seen, texts);
}

}  // namespace
}  // namespace eventrouter
