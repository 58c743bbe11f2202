#pragma once
// An event's data as the Open edX event bus carries it in `openedx` format: a schemaless Avro
// datum (the bytes of the value alone: no container file, no framing; Kafka adds Confluent's
// framing around it) of the event type's schema, a record named CloudEvent whose fields are
// the data's fields. Converts that to and from the
// JSON data the router carries, over Apache Avro C.
//
// Data that does not fit the schema is an error naming the field path and what the schema
// expects there, so a producer can fix its request from the 400 alone.

#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace eventrouter {

struct avro_error {
  std::string message;  // names the field path (data.xblock_info.block_type) where there is one
};

// A parsed schema. Immutable, cheap to copy (shared), and usable from any number of threads at
// once.
class avro_schema {
 public:
  // The error is Avro C's own text for a schema it refuses; ours for defaults that do not fit
  // their field's type (Avro C does not read defaults at all).
  static std::variant<avro_schema, avro_error> parse(std::string_view json);

  const std::string& json() const;  // the text as given, as a schema registry wants it

  struct impl;

 private:
  explicit avro_schema(std::shared_ptr<const impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const impl> impl_;

  friend std::variant<std::string, avro_error> encode_avro(const avro_schema&, const boost::json::value&);
  friend std::variant<boost::json::value, avro_error> decode_avro(const avro_schema&, std::string_view);
};

// `data` as Avro binary. Integers fit int (range-checked) and long, any number fits float and
// double, a string fits string, bytes (its UTF-8 bytes), fixed (of that size) and enum (one of
// its symbols). A missing field takes the schema's default; without one it is an error, and
// so is a field the schema does not have. In a union JSON null picks "null", anything else the
// first branch of its kind.
std::variant<std::string, avro_error> encode_avro(const avro_schema& schema, const boost::json::value& data);

// Avro binary back to JSON: records and maps as objects, a union as its branch's value, enums
// as their symbol, bytes and fixed as strings. All of `bytes` must be one datum; bytes that are
// not (truncated, trailing, or not valid for the schema) are an error, never a crash or an
// allocation larger than the data warrants.
std::variant<boost::json::value, avro_error> decode_avro(const avro_schema& schema, std::string_view bytes);

}  // namespace eventrouter
