// A Redis stream entry read back into an event: what any writer of the stream may have put there.

#include "transports/redis/stream_entry.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace eventrouter {
namespace {

using fields = std::vector<std::pair<std::string, std::string>>;

std::string refusal(const fields& entry) {
  auto decoder = json_decoder();
  auto read = decode_stream_entry(entry, *decoder);
  return std::holds_alternative<std::string>(read) ? std::get<std::string>(read) : "<decoded>";
}

TEST(stream_entry, an_entry_reads_back_to_its_event) {
  event ev;
  ev.id = "e-1";
  ev.type = "t";
  ev.time = "2023-06-09T14:12:45.320819+00:00";
  ev.data = boost::json::object{{"n", 1}};
  ev.extensions = {{"dlq_reason", "sink failed"}};
  auto data = boost::json::serialize(ev.data);
  fields entry;
  for (const auto& [name, value] : stream_fields(ev, data))
    entry.emplace_back(name, value);
  auto decoder = json_decoder();
  auto read = decode_stream_entry(entry, *decoder);
  ASSERT_TRUE(std::holds_alternative<event_ptr>(read)) << std::get<std::string>(read);
  const auto& back = *std::get<event_ptr>(read);
  EXPECT_EQ(back.id, "e-1");
  EXPECT_EQ(back.data, ev.data);
  EXPECT_EQ(back.extensions, ev.extensions);
  EXPECT_TRUE(back.occurred.has_value());
}

// Found by tests/fuzz (stream_entry): a field that is not UTF-8 went on to sinks, which got
// JSON that is not valid.
TEST(stream_entry, a_field_that_is_not_utf8_is_refused_naming_it) {
  EXPECT_EQ(refusal({{"type", "t"}, {"id", "1"}, {"sourcehost", "edx.devstac\xfd\xff"}, {"event_data", "{}"}}),
            "field 'sourcehost' is not UTF-8");
  EXPECT_EQ(refusal({{"type", "t"}, {"id", "1"}, {"trace\xc0", "x"}, {"event_data", "{}"}}), "a field name is not UTF-8");
}

// The openedx format writes event_data as Avro: bytes, for the decoder alone to judge.
TEST(stream_entry, event_data_that_is_not_utf8_goes_to_the_decoder) {
  struct bytes_decoder : payload_decoder {
    std::variant<boost::json::value, decode_error> data(std::string_view bytes, std::string_view) override {
      return boost::json::object{{"size", bytes.size()}};
    }
  } decoder;
  auto read = decode_stream_entry({{"type", "t"}, {"id", "1"}, {"event_data", std::string("\x02\xff\x00", 3)}}, decoder);
  ASSERT_TRUE(std::holds_alternative<event_ptr>(read)) << std::get<std::string>(read);
  EXPECT_EQ(std::get<event_ptr>(read)->data, (boost::json::object{{"size", 3}}));
}

// Found by tests/fuzz (stream_entry): a field named like an attribute ("data") was carried as an
// extension, and a sink got the event's JSON with "data" twice.
TEST(stream_entry, only_fields_named_as_extensions_are_carried_the_last_of_a_name_winning) {
  fields entry{{"type", "t"}, {"id", "1"}, {"event_data", "{\"n\": 1}"}, {"data", "shadow"},
               {"specversion", "0.3"}, {"X-Trace", "a"}, {"", "b"}, {"dlq_reason", "first"}, {"dlq_reason", "last"}};
  auto decoder = json_decoder();
  auto read = decode_stream_entry(entry, *decoder);
  ASSERT_TRUE(std::holds_alternative<event_ptr>(read)) << std::get<std::string>(read);
  const auto& ev = *std::get<event_ptr>(read);
  using extensions = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(ev.extensions, (extensions{{"dlq_reason", "last"}}));
  EXPECT_EQ(ev.data, boost::json::parse("{\"n\": 1}"));
}

TEST(stream_entry, an_entry_without_id_type_or_data_is_refused_naming_the_field) {
  EXPECT_EQ(refusal({{"id", "1"}, {"event_data", "{}"}}), "field 'type' is missing or empty");
  EXPECT_EQ(refusal({{"type", "t"}, {"event_data", "{}"}}), "field 'id' is missing or empty");
  EXPECT_EQ(refusal({{"type", "t"}, {"id", "1"}}), "field 'event_data' is missing");
}

}  // namespace
}  // namespace eventrouter
