// The Avro codec alone: JSON data to Avro binary and back for Open edX-like schemas, bytes that
// match the spec's encoding by hand, every refusal naming the field path, and hostile or cut
// bytes refused without a crash.

#include "avro/avro_codec.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace eventrouter {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// As openedx-events generates it for org.openedx.content_authoring.xblock.published.v1.
constexpr auto xblock_schema = R"({
  "name": "CloudEvent", "type": "record",
  "doc": "Avro Event Format for CloudEvents created with openedx_events/schema",
  "namespace": "org.openedx.content_authoring.xblock.published.v1",
  "fields": [{"name": "xblock_info", "type": {"name": "XBlockData", "type": "record", "fields": [
    {"name": "usage_key", "type": "string"},
    {"name": "block_type", "type": "string"},
    {"name": "version", "type": ["null", "string"], "default": null}]}}]})";

// The other kinds a data field can be.
constexpr auto grades_schema = R"({
  "name": "CloudEvent", "type": "record", "namespace": "org.openedx.learning.grade.changed.v1",
  "fields": [
    {"name": "count", "type": "int"},
    {"name": "total", "type": "long"},
    {"name": "ratio", "type": "double"},
    {"name": "weight", "type": "float"},
    {"name": "passed", "type": "boolean"},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "scores", "type": {"type": "map", "values": "double"}},
    {"name": "level", "type": {"type": "enum", "name": "Level", "symbols": ["beginner", "intermediate", "advanced"]}},
    {"name": "digest", "type": "bytes"},
    {"name": "start", "type": ["string", "null"]},
    {"name": "attempts", "type": {"type": "array", "items": {"type": "record", "name": "Attempt", "fields": [
      {"name": "at", "type": "long"}, {"name": "passed", "type": "boolean"}]}}},
    {"name": "best", "type": ["null", "Attempt"], "default": null},
    {"name": "retries", "type": "int", "default": 3},
    {"name": "note", "type": ["string", "null"], "default": "none"},
    {"name": "origin", "default": {"host": "localhost"}, "type": {"type": "record", "name": "Origin", "fields": [
      {"name": "host", "type": "string"}, {"name": "port", "type": "int", "default": 80}]}}]})";

avro_schema schema_of(std::string_view text) {
  auto parsed = avro_schema::parse(text);
  if (const auto* error = std::get_if<avro_error>(&parsed)) {
    ADD_FAILURE() << "expected a schema, got: " << error->message;
    return std::get<avro_schema>(avro_schema::parse(R"({"type": "null"})"));
  }
  return std::get<avro_schema>(std::move(parsed));
}

// A one-field record CloudEvent {f: type}.
avro_schema field_schema(std::string_view type) {
  return schema_of(R"({"type": "record", "name": "CloudEvent", "fields": [{"name": "f", "type": )" + std::string(type) +
                   "}]}");
}

std::string encoded(const avro_schema& schema, const json::value& data) {
  auto result = encode_avro(schema, data);
  if (const auto* error = std::get_if<avro_error>(&result)) {
    ADD_FAILURE() << "expected bytes, got: " << error->message;
    return {};
  }
  return std::get<std::string>(result);
}

std::string encode_error(const avro_schema& schema, const json::value& data) {
  auto result = encode_avro(schema, data);
  if (const auto* error = std::get_if<avro_error>(&result))
    return error->message;
  ADD_FAILURE() << "expected an error for " << json::serialize(data);
  return {};
}

json::value decoded(const avro_schema& schema, std::string_view bytes) {
  auto result = decode_avro(schema, bytes);
  if (const auto* error = std::get_if<avro_error>(&result)) {
    ADD_FAILURE() << "expected data, got: " << error->message;
    return nullptr;
  }
  return std::get<json::value>(result);
}

std::string decode_error(const avro_schema& schema, std::string_view bytes) {
  auto result = decode_avro(schema, bytes);
  if (const auto* error = std::get_if<avro_error>(&result))
    return error->message;
  ADD_FAILURE() << "expected an error, got " << json::serialize(std::get<json::value>(result));
  return {};
}

// A long as Avro writes it: zigzag, then 7 bits a byte, low first.
std::string varint(std::int64_t n) {
  auto bits = (static_cast<std::uint64_t>(n) << 1) ^ static_cast<std::uint64_t>(n >> 63);
  std::string out;
  for (; bits >= 0x80; bits >>= 7)
    out += static_cast<char>((bits & 0x7f) | 0x80);
  out += static_cast<char>(bits);
  return out;
}

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values)
    out += static_cast<char>(v);
  return out;
}

json::value xblock(std::string_view usage_key, std::string_view block_type) {
  return json::parse(R"({"xblock_info": {"usage_key": ")" + std::string(usage_key) + R"(", "block_type": ")" +
                     std::string(block_type) + R"("}})");
}

json::value grades() {
  return json::parse(R"({
    "count": -7, "total": 9007199254740993, "ratio": 0.875, "weight": 0.5, "passed": true,
    "tags": ["midterm", "ünïcode ✓"], "scores": {"alice": 1.5, "bob": -2.25}, "level": "advanced",
    "digest": "raw bytes", "start": null,
    "attempts": [{"at": 1686319965320819, "passed": false}, {"at": 1686319965320820, "passed": true}],
    "best": {"at": 1686319965320820, "passed": true}, "retries": 5, "note": null,
    "origin": {"host": "lms", "port": 8000}})");
}

TEST(avro_codec, an_open_edx_event_round_trips) {
  auto schema = schema_of(xblock_schema);
  auto data = json::parse(R"({"xblock_info": {"usage_key": "block-v1:edX+DemoX+Demo_Course+type@vertical+block@abc",
                                               "block_type": "vertical", "version": "v2"}})");
  EXPECT_EQ(decoded(schema, encoded(schema, data)), data);

  // Without the optional field, its default comes back.
  auto without = xblock("block-v1:edX+DemoX+Demo_Course+type@html+block@intro", "html");
  auto with_default = without;
  with_default.at("xblock_info").as_object()["version"] = nullptr;
  EXPECT_EQ(decoded(schema, encoded(schema, without)), with_default);
}

TEST(avro_codec, every_kind_of_field_round_trips) {
  auto schema = schema_of(grades_schema);
  EXPECT_EQ(decoded(schema, encoded(schema, grades())), grades());

  // Empty arrays and maps, the other union branches, extreme integers.
  auto data = grades();
  auto& object = data.as_object();
  object["count"] = std::numeric_limits<std::int32_t>::min();
  object["total"] = std::numeric_limits<std::int64_t>::min();
  object["tags"] = json::array();
  object["scores"] = json::object();
  object["attempts"] = json::array();
  object["start"] = "2024-02-29T12:00:00Z";
  object["best"] = nullptr;
  object["note"] = "kept";
  object["digest"] = "";
  EXPECT_EQ(decoded(schema, encoded(schema, data)), data);
}

TEST(avro_codec, missing_fields_take_their_defaults) {
  auto schema = schema_of(grades_schema);
  auto data = grades();
  for (auto name : {"best", "retries", "note", "origin"})
    data.as_object().erase(name);
  auto back = decoded(schema, encoded(schema, data));
  EXPECT_EQ(back.at("best"), nullptr);
  EXPECT_EQ(back.at("retries"), 3);
  EXPECT_EQ(back.at("note"), "none");
  // A record's default fills in its own fields' defaults.
  EXPECT_EQ(back.at("origin"), json::parse(R"({"host": "localhost", "port": 80})"));
}

TEST(avro_codec, writes_the_bytes_the_spec_says) {
  auto schema = schema_of(R"({"type": "record", "name": "CloudEvent", "namespace": "org.openedx.test.v1", "fields": [
    {"name": "n", "type": "long"}, {"name": "s", "type": "string"}, {"name": "u", "type": ["null", "string"]},
    {"name": "b", "type": "boolean"}, {"name": "i", "type": "int"}]})");
  // 64: zigzag 128, two varint bytes. "hi": length 2 (zigzag 4), then the text. "x" in a union:
  // branch 1 (zigzag 2), length 1 (zigzag 2), the text. true: 1. -1: zigzag 1.
  auto data = json::parse(R"({"n": 64, "s": "hi", "u": "x", "b": true, "i": -1})");
  EXPECT_EQ(encoded(schema, data), bytes({0x80, 0x01, 0x04, 'h', 'i', 0x02, 0x02, 'x', 0x01, 0x01}));
  data.as_object()["u"] = nullptr;  // branch 0, nothing after it
  EXPECT_EQ(encoded(schema, data), bytes({0x80, 0x01, 0x04, 'h', 'i', 0x00, 0x01, 0x01}));

  auto compound = schema_of(R"({"type": "record", "name": "CloudEvent", "fields": [
    {"name": "d", "type": "double"}, {"name": "a", "type": {"type": "array", "items": "int"}},
    {"name": "m", "type": {"type": "map", "values": "long"}},
    {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B", "C"]}}]})");
  // 1.5: IEEE 754 little-endian. [1, 2]: a block of 2, the items, the closing 0. {"k": 3}: a
  // block of 1, key, value, 0. "C": symbol 2.
  EXPECT_EQ(encoded(compound, json::parse(R"({"d": 1.5, "a": [1, 2], "m": {"k": 3}, "e": "C"})")),
            bytes({0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0x04, 0x02, 0x04, 0x00, 0x02, 0x02, 'k', 0x06, 0x00, 0x04}));
}

// Found by the interop test against fastavro (tests/interop): 3.4028235e38, the largest float as
// most languages print it, is a hair above it and was refused.
TEST(avro_codec, a_float_takes_every_number_that_rounds_to_a_finite_float) {
  auto schema = field_schema(R"("float")");
  auto largest = bytes({0xff, 0xff, 0x7f, 0x7f});  // 0x7f7fffff, little-endian
  EXPECT_EQ(encoded(schema, json::parse(R"({"f": 3.4028235e38})")), largest);
  EXPECT_EQ(encoded(schema, json::parse(R"({"f": 3.4028234663852886e38})")), largest);
  EXPECT_EQ(encoded(schema, json::parse(R"({"f": -3.4028235e38})")), bytes({0xff, 0xff, 0x7f, 0xff}));
  EXPECT_EQ(encoded(schema, json::parse(R"({"f": 0.1})")), bytes({0xcd, 0xcc, 0xcc, 0x3d}));  // rounded
  EXPECT_EQ(decoded(schema, largest), (json::value{{"f", double{std::numeric_limits<float>::max()}}}));

  // From the midpoint between the largest float and 2^128 on, a float would be infinite.
  EXPECT_EQ(encode_error(schema, json::value{{"f", 0x1.ffffffp127}}),
            "data.f: is 3.4028235677973366e+38; expected a number (32-bit float)");
  EXPECT_EQ(encode_error(schema, json::value{{"f", -0x1.ffffffp127}}),
            "data.f: is -3.4028235677973366e+38; expected a number (32-bit float)");
}

TEST(avro_codec, a_record_of_no_fields_is_no_bytes) {
  auto schema = schema_of(R"({"type": "record", "name": "CloudEvent", "fields": []})");
  EXPECT_EQ(encoded(schema, json::object()), "");
  EXPECT_EQ(decoded(schema, std::string_view()), json::object());
  EXPECT_EQ(encode_error(schema, json::parse(R"({"a": 1})")), "data.a: unexpected; the schema has no fields here");
}

TEST(avro_codec, a_union_takes_the_first_branch_of_the_values_kind) {
  auto schema = field_schema(R"(["int", "string", "null"])");
  EXPECT_EQ(encoded(schema, json::parse(R"({"f": 5})")), bytes({0x00, 0x0a}));
  EXPECT_EQ(encoded(schema, json::parse(R"({"f": "a"})")), bytes({0x02, 0x02, 'a'}));
  EXPECT_EQ(encoded(schema, json::parse(R"({"f": null})")), bytes({0x04}));
  EXPECT_EQ(encode_error(schema, json::parse(R"({"f": 2.5})")),
            "data.f: is 2.5; expected a 32-bit integer or a string or null");
}

TEST(avro_codec, data_that_does_not_fit_is_refused_naming_the_field) {
  auto xblock_avro = schema_of(xblock_schema);
  EXPECT_EQ(encode_error(xblock_avro, json::parse(R"({"xblock_info": {"usage_key": "k"}})")),
            "data.xblock_info.block_type: missing; expected a string");
  EXPECT_EQ(encode_error(xblock_avro, json::parse(R"({"xblock_info": {"usage_key": "k", "block_type": "html",
                                                                      "version": 5}})")),
            "data.xblock_info.version: is 5; expected null or a string");
  EXPECT_EQ(encode_error(xblock_avro, json::parse(R"({"xblock_info": {"usage_key": "k", "block_type": "html",
                                                                      "colour": "red"}})")),
            "data.xblock_info.colour: unexpected; the schema's fields here are usage_key, block_type, version");
  EXPECT_EQ(encode_error(xblock_avro, json::parse(R"({"xblock_info": "k"})")),
            R"(data.xblock_info: is "k"; expected an object)");
  EXPECT_EQ(encode_error(xblock_avro, json::parse(R"([1])")), "data: is an array; expected an object");
  EXPECT_EQ(encode_error(xblock_avro, json::parse(R"({})")), "data.xblock_info: missing; expected an object");

  auto grades_avro = schema_of(grades_schema);
  auto with = [](std::string_view name, json::value value) {
    auto data = grades();
    data.as_object()[name] = std::move(value);
    return data;
  };
  EXPECT_EQ(encode_error(grades_avro, with("count", 3000000000)), "data.count: is 3000000000; expected a 32-bit integer");
  EXPECT_EQ(encode_error(grades_avro, with("total", 1.5)), "data.total: is 1.5; expected an integer");
  EXPECT_EQ(encode_error(grades_avro, with("total", 18446744073709551615ULL)),
            "data.total: is 18446744073709551615; expected an integer");
  EXPECT_EQ(encode_error(grades_avro, with("ratio", "high")), R"(data.ratio: is "high"; expected a number)");
  EXPECT_EQ(encode_error(grades_avro, with("weight", 1e300)), "data.weight: is 1e+300; expected a number (32-bit float)");
  EXPECT_EQ(encode_error(grades_avro, with("passed", 1)), "data.passed: is 1; expected a boolean");
  EXPECT_EQ(encode_error(grades_avro, with("level", "expert")),
            R"(data.level: is "expert"; expected one of "beginner", "intermediate", "advanced")");
  EXPECT_EQ(encode_error(grades_avro, with("tags", json::array{"a", 7})), "data.tags[1]: is 7; expected a string");
  EXPECT_EQ(encode_error(grades_avro, with("scores", json::object{{"alice", "high"}})),
            R"(data.scores.alice: is "high"; expected a number)");
  EXPECT_EQ(encode_error(grades_avro, with("attempts", json::parse(R"([{"at": 1}])"))),
            "data.attempts[0].passed: missing; expected a boolean");
  EXPECT_EQ(encode_error(grades_avro, with("start", 5)), "data.start: is 5; expected a string or null");
  EXPECT_EQ(encode_error(grades_avro, with("best", json::parse(R"({"at": 1, "passed": "yes"})"))),
            R"(data.best.passed: is "yes"; expected a boolean)");
  EXPECT_EQ(encode_error(grades_avro, with("origin", json::parse(R"({"port": 1})"))),
            "data.origin.host: missing; expected a string");
  EXPECT_EQ(encode_error(grades_avro, with("digest", json::parse(R"({"a": 1})"))),
            "data.digest: is an object; expected a string (bytes)");

  // A long value is quoted short.
  EXPECT_EQ(encode_error(grades_avro, with("ratio", json::value(std::string(100, 'x')))),
            "data.ratio: is \"" + std::string(60, 'x') + "...\"; expected a number");
}

TEST(avro_codec, a_schema_avro_c_refuses_is_its_error) {
  auto error_of = [](std::string_view text) {
    auto parsed = avro_schema::parse(text);
    EXPECT_TRUE(std::holds_alternative<avro_error>(parsed)) << text;
    return std::holds_alternative<avro_error>(parsed) ? std::get<avro_error>(parsed).message : "";
  };
  EXPECT_THAT(error_of(R"({"type": "record", "name": "X", "fields": [{"name": "a", "type": "strng"}]})"),
              HasSubstr(R"(Unknown Avro "type": strng)"));
  EXPECT_THAT(error_of(R"({"type": "record", "name": "X", "fields": [)"), HasSubstr("Error parsing JSON"));
  EXPECT_THAT(error_of(R"({"type": "record", "name": "X"})"), HasSubstr(R"(Record type must have "fields")"));
  EXPECT_THAT(error_of(""), StartsWith("not a valid Avro schema: "));

  // Defaults are ours to check: Avro C ignores them.
  EXPECT_EQ(error_of(R"({"type": "record", "name": "R", "namespace": "org.x", "fields": [
                          {"name": "v", "type": ["null", "string"], "default": "x"}]})"),
            R"(the default of org.x.R.v: is "x"; expected null)");
  EXPECT_EQ(error_of(R"({"type": "record", "name": "R", "fields": [{"name": "n", "type": "int", "default": "3"}]})"),
            R"(the default of R.n: is "3"; expected a 32-bit integer)");
}

TEST(avro_codec, keeps_the_schema_text_as_given) {
  EXPECT_EQ(schema_of(xblock_schema).json(), xblock_schema);
}

TEST(avro_codec, cut_bytes_are_refused_at_every_length) {
  for (auto* text : {xblock_schema, grades_schema}) {
    auto schema = schema_of(text);
    auto whole = encoded(schema, text == xblock_schema ? xblock("block-v1:x", "html") : grades());
    for (std::size_t size = 0; size < whole.size(); ++size)
      EXPECT_THAT(decode_error(schema, std::string_view(whole).substr(0, size)), HasSubstr("truncated")) << size;
    EXPECT_EQ(decode_error(schema, whole + '\0'), "data: the datum ends at byte " + std::to_string(whole.size()) +
                                                    " but the data goes on to byte " +
                                                    std::to_string(whole.size() + 1));
  }
}

TEST(avro_codec, hostile_bytes_are_refused_before_avro_c_reads_them) {
  auto xblock_avro = schema_of(xblock_schema);
  // A string claiming a terabyte.
  EXPECT_EQ(decode_error(xblock_avro, varint(1LL << 40) + "ab"),
            "data.xblock_info.usage_key: truncated; the data ends at byte 8");
  EXPECT_EQ(decode_error(xblock_avro, varint(-1)), "data.xblock_info.usage_key: string length -1 at byte 0 is negative");
  // A union branch past the last (Avro C would index its branch table with it).
  EXPECT_EQ(decode_error(xblock_avro, bytes({0x02, 'k', 0x02, 'b', 0x0a})),
            "data.xblock_info.version: union branch 5 at byte 4 is out of range");

  auto symbols = field_schema(R"({"type": "enum", "name": "E", "symbols": ["A", "B"]})");
  EXPECT_EQ(decode_error(symbols, varint(2)), "data.f: symbol 2 at byte 0 is out of range");
  EXPECT_EQ(decode_error(symbols, varint(-1)), "data.f: symbol -1 at byte 0 is out of range");

  // 2^62 nulls in 9 bytes; a few nulls are fine.
  auto nulls = field_schema(R"({"type": "array", "items": "null"})");
  EXPECT_EQ(decode_error(nulls, varint(1LL << 62) + varint(0)),
            "data.f: a block of 4611686018427387904 items at byte 0, more than the data can hold");
  EXPECT_EQ(decoded(nulls, varint(3) + varint(0)), json::parse(R"({"f": [null, null, null]})"));

  // A block with a negative count carries its size in bytes too.
  auto longs = field_schema(R"({"type": "array", "items": "long"})");
  EXPECT_EQ(decoded(longs, varint(-2) + varint(2) + varint(1) + varint(2) + varint(0)), json::parse(R"({"f": [1, 2]})"));

  EXPECT_EQ(decode_error(field_schema(R"("boolean")"), bytes({2})), "data.f: byte 2 at byte 0 is not a boolean (0 or 1)");
  EXPECT_EQ(decode_error(field_schema(R"("int")"), varint(1LL << 40)),
            "data.f: 1099511627776 at byte 0 is out of range for an int");
  EXPECT_EQ(decode_error(field_schema(R"("long")"), std::string(11, '\x80')),
            "data.f: a varint longer than 10 bytes at byte 0");
  EXPECT_EQ(decode_error(field_schema(R"("string")"), bytes({0x04, 0xc3, 0x28})),
            "data.f: the string at byte 0 is not valid UTF-8");
  EXPECT_EQ(decode_error(field_schema(R"({"type": "map", "values": "int"})"), bytes({0x02, 0x02, 0x00, 0x02, 0x00})),
            "data.f: the map key at byte 1 contains a NUL character");
  EXPECT_EQ(decode_error(field_schema(R"("bytes")"), bytes({0x02, 0xff})),
            "data.f: the bytes are not valid UTF-8, which a JSON string must be");

  std::string nan(8, '\0');
  double quiet_nan = std::numeric_limits<double>::quiet_NaN();
  std::memcpy(nan.data(), &quiet_nan, sizeof quiet_nan);
  EXPECT_EQ(decode_error(field_schema(R"("double")"), nan), "data.f: is NaN, which JSON cannot carry");
}

TEST(avro_codec, recursive_schemas_round_trip_to_a_depth_limit) {
  auto schema = schema_of(R"({"type": "record", "name": "CloudEvent", "fields": [{"name": "head", "type":
    {"type": "record", "name": "Node", "fields": [
      {"name": "v", "type": "int"}, {"name": "next", "type": ["null", "Node"]}]}}]})");
  auto data = json::parse(R"({"head": {"v": 1, "next": {"v": 2, "next": {"v": 3, "next": null}}}})");
  EXPECT_EQ(decoded(schema, encoded(schema, data)), data);

  std::string deep;
  for (int i = 0; i < 100; ++i)
    deep += varint(i) + varint(1);  // v, then branch "Node"
  deep += varint(0) + varint(0);
  EXPECT_THAT(decode_error(schema, deep), HasSubstr("nested deeper than 64 levels"));
}

TEST(avro_codec, one_schema_serves_many_threads) {
  auto schema = schema_of(xblock_schema);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        auto data = xblock("block-v1:x+type@html+block@" + std::to_string(t * 1000 + i), "html");
        auto bytes = encode_avro(schema, data);
        auto back = decode_avro(schema, std::get<std::string>(bytes));
        data.at("xblock_info").as_object()["version"] = nullptr;
        failures[t] += std::get<json::value>(back) != data;
        // Refusals meanwhile, and schemas parsed (Avro C's error buffer is one for all).
        failures[t] += !std::holds_alternative<avro_error>(decode_avro(schema, std::get<std::string>(bytes) + "x"));
        auto bad = avro_schema::parse(R"({"type": "record", "name": "X", "fields": [{"name": "a", "type": "strng"}]})");
        failures[t] += std::get<avro_error>(bad).message.find("strng") == std::string::npos;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace eventrouter
