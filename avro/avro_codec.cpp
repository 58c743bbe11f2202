#include "avro/avro_codec.hpp"

#include "avro/exact_json.hpp"
#include "avro/utf8.hpp"

#include <avro/errors.h>
#include <avro/generic.h>
#include <avro/io.h>
#include <avro/schema.h>
#include <avro/value.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>
#include <new>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <vector>

namespace eventrouter {

namespace json = boost::json;

// The schema as our walks need it: Avro C's tree with named references resolved to their
// definition, plus the fields' defaults, which Avro C drops when it parses a schema.
struct avro_schema::impl {
  struct node;
  struct field {
    std::string name;
    const node* type;
    std::optional<json::value> default_value;
  };
  struct node {
    avro_type_t type;
    std::string name;                   // full name of a record, enum or fixed, for messages
    std::vector<field> fields;          // record
    std::vector<std::string> symbols;   // enum
    std::vector<const node*> children;  // union: the branches; array, map: the items' type
    std::size_t size = 0;               // fixed
  };

  struct schema_release {
    void operator()(avro_obj_t* schema) const { avro_schema_decref(schema); }
  };
  struct class_release {
    void operator()(avro_value_iface_t* value_class) const { avro_value_iface_decref(value_class); }
  };

  std::string text;
  std::unique_ptr<avro_obj_t, schema_release> schema;
  // Generic values of `schema`. Every encode and decode makes its own value of this class;
  // the class itself is only read, and its reference counts are atomic, so threads share it.
  std::unique_ptr<avro_value_iface_t, class_release> value_class;
  std::vector<std::unique_ptr<node>> nodes;  // the first is the root

  const node& root() const { return *nodes.front(); }
};

namespace {

using node = avro_schema::impl::node;

// Avro C keeps its last error message in one buffer for the whole process (avro_strerror), not
// one per thread. Parsing a schema is the only time we read it, under this lock; encoding and
// decoding check everything first, so Avro C never fails there and never writes the buffer.
std::mutex avro_c_error_lock;

// Deeper than this is refused when decoding (recursive schemas, hostile data): Avro C reads
// recursively, and the JSON we make has to pass our own parser's limit (max_json_depth).
constexpr std::size_t max_depth = 64;

// Avro C fails past our checks only when out of memory, or on a bug of ours.
void expect_ok(int rc) {
  if (rc == ENOMEM)
    throw std::bad_alloc();
  if (rc != 0)
    throw std::system_error(rc, std::generic_category(), "Avro C");
}

class generic_value {
 public:
  explicit generic_value(avro_value_iface_t* value_class) { expect_ok(avro_generic_value_new(value_class, &value_)); }
  ~generic_value() { avro_value_decref(&value_); }
  generic_value(const generic_value&) = delete;
  generic_value& operator=(const generic_value&) = delete;

  avro_value_t* get() { return &value_; }

 private:
  avro_value_t value_{};
};

struct reader_release {
  void operator()(avro_reader_t reader) const { avro_reader_free(reader); }
};
struct writer_release {
  void operator()(avro_writer_t writer) const { avro_writer_free(writer); }
};


// --- Messages ---

std::string describe(const node& n) {
  switch (n.type) {
    case AVRO_NULL: return "null";
    case AVRO_BOOLEAN: return "a boolean";
    case AVRO_INT32: return "a 32-bit integer";
    case AVRO_INT64: return "an integer";
    case AVRO_FLOAT: return "a number (32-bit float)";
    case AVRO_DOUBLE: return "a number";
    case AVRO_STRING: return "a string";
    case AVRO_BYTES: return "a string (bytes)";
    case AVRO_FIXED: return "a string of " + std::to_string(n.size) + " bytes";
    case AVRO_ARRAY: return "an array";
    case AVRO_MAP:
    case AVRO_RECORD: return "an object";
    case AVRO_ENUM: {
      std::string text = "one of ";
      for (std::size_t i = 0; i < n.symbols.size(); ++i)
        text += (i == 0 ? "" : ", ") + json::serialize(json::string_view(n.symbols[i]));
      return text;
    }
    case AVRO_UNION: {
      std::string text;
      for (std::size_t i = 0; i < n.children.size(); ++i)
        text += (i == 0 ? "" : " or ") + describe(*n.children[i]);
      return text;
    }
    default: return "a value";
  }
}

// A JSON value as a message quotes it: short, and valid UTF-8 however long the original.
std::string show(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: return "an object";
    case json::kind::array: return "an array";
    case json::kind::string: {
      constexpr std::size_t longest = 60;
      std::string_view s = v.get_string();
      if (s.size() <= longest)
        return json::serialize(json::string_view(s));
      auto cut = longest;
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80)
        --cut;
      auto text = json::serialize(json::string_view(s.substr(0, cut)));
      text.insert(text.size() - 1, "...");
      return text;
    }
    case json::kind::double_: {
      // Shortest round-trip form ("1.5", not Boost's "1.5E0"), as the producer wrote it.
      char text[32];
      auto [end, ec] = std::to_chars(text, text + sizeof text, v.get_double());
      return std::string(text, ec == std::errc{} ? end : text);
    }
    default: return json::serialize(v);
  }
}

// --- JSON to Avro ---

std::optional<std::int64_t> integer(const json::value& v) {
  if (v.is_int64())
    return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(v.get_uint64());
  return std::nullopt;
}

// The numbers a float can carry: all that round to a finite float. Rounding to nearest sends
// everything below the midpoint between the largest float and 2^128 to the largest float, so
// the way most languages print it, 3.4028235e38 (a hair above it), fits, as in fastavro.
constexpr double float_limit = 0x1.ffffffp127;

float as_float(double d) {
  constexpr double largest = std::numeric_limits<float>::max();
  return static_cast<float>(std::clamp(d, -largest, largest));  // the same rounding, and no overflow
}

int symbol_index(const node& n, std::string_view symbol) {
  for (std::size_t i = 0; i < n.symbols.size(); ++i)
    if (n.symbols[i] == symbol)
      return static_cast<int>(i);
  return -1;
}

// Whether `v` is of the kind `n` takes, looking no deeper: what picks a union's branch, and all
// the checking a scalar needs.
bool accepts(const node& n, const json::value& v) {
  switch (n.type) {
    case AVRO_NULL: return v.is_null();
    case AVRO_BOOLEAN: return v.is_bool();
    case AVRO_INT32: {
      auto i = integer(v);
      return i && *i >= std::numeric_limits<std::int32_t>::min() && *i <= std::numeric_limits<std::int32_t>::max();
    }
    case AVRO_INT64: return integer(v).has_value();
    case AVRO_FLOAT: return v.is_number() && std::abs(v.to_number<double>()) < float_limit;
    case AVRO_DOUBLE: return v.is_number();
    case AVRO_STRING:
    case AVRO_BYTES: return v.is_string();
    case AVRO_FIXED: return v.is_string() && v.get_string().size() == n.size;
    case AVRO_ENUM: return v.is_string() && symbol_index(n, v.get_string()) >= 0;
    case AVRO_ARRAY: return v.is_array();
    case AVRO_MAP:
    case AVRO_RECORD: return v.is_object();
    default: return false;
  }
}

void set_scalar(const node& n, const json::value& in, avro_value_t* out) {
  switch (n.type) {
    case AVRO_NULL: expect_ok(avro_value_set_null(out)); break;
    case AVRO_BOOLEAN: expect_ok(avro_value_set_boolean(out, in.get_bool())); break;
    case AVRO_INT32: expect_ok(avro_value_set_int(out, static_cast<std::int32_t>(*integer(in)))); break;
    case AVRO_INT64: expect_ok(avro_value_set_long(out, *integer(in))); break;
    case AVRO_FLOAT: expect_ok(avro_value_set_float(out, as_float(in.to_number<double>()))); break;
    case AVRO_DOUBLE: expect_ok(avro_value_set_double(out, in.to_number<double>())); break;
    // Avro C copies what it is given; its setters just do not say const. The size of a
    // string counts its NUL, which json::string always has.
    case AVRO_STRING:
      expect_ok(avro_value_set_string_len(out, in.get_string().c_str(), in.get_string().size() + 1));
      break;
    case AVRO_BYTES:
      expect_ok(avro_value_set_bytes(out, const_cast<char*>(in.get_string().data()), in.get_string().size()));
      break;
    case AVRO_FIXED:
      expect_ok(avro_value_set_fixed(out, const_cast<char*>(in.get_string().data()), in.get_string().size()));
      break;
    case AVRO_ENUM: expect_ok(avro_value_set_enum(out, symbol_index(n, in.get_string()))); break;
    default: break;
  }
}

// Puts `in` into `out`, or says why it does not fit. With `out` null it only checks: a
// schema's defaults are checked so when the schema is parsed. `path` names `in` and is left as
// it was found. In a default, a union's value is of its first branch, as the spec has it.
std::optional<std::string> fill(const node& n, const json::value& in, avro_value_t* out, std::string& path,
                                bool is_default) {
  auto mismatch = [&] { return path + ": is " + show(in) + "; expected " + describe(n); };
  auto at = path.size();
  switch (n.type) {
    case AVRO_RECORD: {
      const auto* object = in.if_object();
      if (object == nullptr)
        return mismatch();
      std::size_t present = 0;
      for (std::size_t i = 0; i < n.fields.size(); ++i) {
        const auto& field = n.fields[i];
        path += '.';
        path += field.name;
        const auto* value = object->if_contains(field.name);
        bool from_default = is_default;
        if (value != nullptr) {
          ++present;
        } else if (field.default_value) {
          value = &*field.default_value;
          from_default = true;
        } else {
          return path + ": missing; expected " + describe(*field.type);
        }
        avro_value_t child;
        if (out != nullptr)
          expect_ok(avro_value_get_by_index(out, i, &child, nullptr));
        if (auto problem = fill(*field.type, *value, out ? &child : nullptr, path, from_default))
          return problem;
        path.resize(at);
      }
      if (present == object->size())
        return std::nullopt;
      for (const auto& entry : *object) {
        std::string_view key = entry.key();
        bool known = false;
        for (const auto& field : n.fields)
          known = known || field.name == key;
        if (known)
          continue;
        std::string names;
        for (const auto& field : n.fields)
          names += (names.empty() ? "" : ", ") + field.name;
        return path + "." + std::string(key) + ": unexpected; " +
               (names.empty() ? "the schema has no fields here" : "the schema's fields here are " + names);
      }
      return std::nullopt;
    }
    case AVRO_UNION: {
      std::size_t branch = 0;
      if (!is_default) {
        while (branch < n.children.size() && !accepts(*n.children[branch], in))
          ++branch;
        if (branch == n.children.size())
          return mismatch();
      }
      avro_value_t child;
      if (out != nullptr)
        expect_ok(avro_value_set_branch(out, static_cast<int>(branch), &child));
      return fill(*n.children[branch], in, out ? &child : nullptr, path, is_default);
    }
    case AVRO_ARRAY: {
      const auto* array = in.if_array();
      if (array == nullptr)
        return mismatch();
      for (std::size_t i = 0; i < array->size(); ++i) {
        path += '[' + std::to_string(i) + ']';
        avro_value_t item;
        if (out != nullptr)
          expect_ok(avro_value_append(out, &item, nullptr));
        if (auto problem = fill(*n.children[0], (*array)[i], out ? &item : nullptr, path, is_default))
          return problem;
        path.resize(at);
      }
      return std::nullopt;
    }
    case AVRO_MAP: {
      const auto* object = in.if_object();
      if (object == nullptr)
        return mismatch();
      for (const auto& entry : *object) {
        std::string_view key = entry.key();
        path += '.';
        path += key;
        // Avro C takes map keys as C strings.
        if (key.find('\0') != std::string_view::npos)
          return path + ": a map key with a NUL character, which Avro C cannot carry";
        avro_value_t item;
        if (out != nullptr)
          expect_ok(avro_value_add(out, entry.key_c_str(), &item, nullptr, nullptr));
        if (auto problem = fill(*n.children[0], entry.value(), out ? &item : nullptr, path, is_default))
          return problem;
        path.resize(at);
      }
      return std::nullopt;
    }
    default:
      if (!accepts(n, in))
        return mismatch();
      if (out != nullptr)
        set_scalar(n, in, out);
      return std::nullopt;
  }
}

// --- Avro to JSON ---

// Walks the bytes as Avro C will read them, building nothing, so that Avro C only ever reads
// data it can read. Its reader trusts what the data says: an enum symbol past the last is
// taken as it is, a few bytes can ask for a string of a petabyte (allocated before a byte of
// it is read) or for 2^62 nulls, and a failure leaves its message in the buffer all threads
// share.
class wire_check {
 public:
  explicit wire_check(std::string_view bytes)
      : begin_(reinterpret_cast<const unsigned char*>(bytes.data())), at_(begin_), end_(begin_ + bytes.size()),
        items_left_(bytes.size() + zero_size_items) {}

  std::optional<std::string> datum(const node& root) {
    std::string path = "data";
    if (auto problem = value(root, path, 0))
      return problem;
    if (at_ != end_)
      return "data: the datum ends at byte " + offset() + " but the data goes on to byte " +
             std::to_string(end_ - begin_);
    return std::nullopt;
  }

 private:
  // An array or map item takes at least a byte, unless it is null (or a record of nothing but
  // nulls): those are counted against this allowance, so that a count in a few bytes cannot
  // make Avro C allocate without bound.
  static constexpr std::size_t zero_size_items = 65536;

  std::string offset() const { return std::to_string(at_ - begin_); }
  std::string truncated(const std::string& path) const {
    return path + ": truncated; the data ends at byte " + std::to_string(end_ - begin_);
  }

  std::optional<std::string> varint(std::int64_t& out, const std::string& path) {
    auto start = offset();
    std::uint64_t bits = 0;
    for (int shift = 0;; shift += 7) {
      if (shift == 70)
        return path + ": a varint longer than 10 bytes at byte " + start;
      if (at_ == end_)
        return truncated(path);
      auto byte = *at_++;
      bits |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0)
        break;
    }
    out = static_cast<std::int64_t>((bits >> 1) ^ (~(bits & 1) + 1));  // zigzag
    return std::nullopt;
  }

  // A varint that must be in [0, limit): a union branch, an enum symbol.
  std::optional<std::string> bounded(std::int64_t& out, std::size_t limit, const char* what, const std::string& path) {
    auto start = offset();
    if (auto problem = varint(out, path))
      return problem;
    if (out < 0 || static_cast<std::uint64_t>(out) >= limit)
      return path + ": " + what + " " + std::to_string(out) + " at byte " + start + " is out of range";
    return std::nullopt;
  }

  std::optional<std::string> skip(std::uint64_t count, const std::string& path) {
    if (static_cast<std::uint64_t>(end_ - at_) < count)
      return truncated(path);
    at_ += count;
    return std::nullopt;
  }

  // A string or map key: a length, then that many bytes of UTF-8 (the spec's rule, which Avro C
  // does not check and JSON text needs).
  std::optional<std::string> text(std::string_view& out, const char* what, const std::string& path) {
    auto start = offset();
    std::int64_t length = 0;
    if (auto problem = varint(length, path))
      return problem;
    if (length < 0)
      return path + ": " + what + " length " + std::to_string(length) + " at byte " + start + " is negative";
    if (static_cast<std::uint64_t>(end_ - at_) < static_cast<std::uint64_t>(length))
      return truncated(path);
    out = std::string_view(reinterpret_cast<const char*>(at_), static_cast<std::size_t>(length));
    at_ += length;
    if (!is_utf8(out))
      return path + ": the " + what + " at byte " + start + " is not valid UTF-8";
    return std::nullopt;
  }

  std::optional<std::string> value(const node& n, std::string& path, std::size_t depth) {
    if (depth > max_depth)
      return path + ": nested deeper than " + std::to_string(max_depth) + " levels";
    std::int64_t number = 0;
    switch (n.type) {
      case AVRO_NULL: return std::nullopt;
      case AVRO_BOOLEAN:
        if (at_ != end_ && *at_ > 1)
          return path + ": byte " + std::to_string(*at_) + " at byte " + offset() + " is not a boolean (0 or 1)";
        return skip(1, path);
      case AVRO_INT32: {
        auto start = offset();
        if (auto problem = varint(number, path))
          return problem;
        if (number < std::numeric_limits<std::int32_t>::min() || number > std::numeric_limits<std::int32_t>::max())
          return path + ": " + std::to_string(number) + " at byte " + start + " is out of range for an int";
        return std::nullopt;
      }
      case AVRO_INT64: return varint(number, path);
      case AVRO_FLOAT: return skip(4, path);
      case AVRO_DOUBLE: return skip(8, path);
      case AVRO_FIXED: return skip(n.size, path);
      case AVRO_STRING: {
        std::string_view s;
        return text(s, "string", path);
      }
      case AVRO_BYTES: {
        auto start = offset();
        if (auto problem = varint(number, path))
          return problem;
        if (number < 0)
          return path + ": bytes length " + std::to_string(number) + " at byte " + start + " is negative";
        return skip(static_cast<std::uint64_t>(number), path);
      }
      case AVRO_ENUM: return bounded(number, n.symbols.size(), "symbol", path);
      case AVRO_UNION:
        if (auto problem = bounded(number, n.children.size(), "union branch", path))
          return problem;
        return value(*n.children[static_cast<std::size_t>(number)], path, depth);  // no level in JSON
      case AVRO_RECORD:
        for (const auto& field : n.fields) {
          auto at = path.size();
          path += '.';
          path += field.name;
          if (auto problem = value(*field.type, path, depth + 1))
            return problem;
          path.resize(at);
        }
        return std::nullopt;
      case AVRO_ARRAY:
      case AVRO_MAP: return items(n, path, depth);
      default: return path + ": a type this codec does not know";
    }
  }

  // Arrays and maps come in blocks: a count, items, ..., a count of 0. A negative count is
  // followed by the block's size in bytes (which Avro C skips, and so do we).
  std::optional<std::string> items(const node& n, std::string& path, std::size_t depth) {
    auto at = path.size();
    for (std::size_t i = 0;;) {
      auto start = offset();
      std::int64_t count = 0;
      if (auto problem = varint(count, path))
        return problem;
      if (count == 0)
        return std::nullopt;
      if (count < 0) {
        if (count == std::numeric_limits<std::int64_t>::min())
          return path + ": block count " + std::to_string(count) + " at byte " + start + " is out of range";
        count = -count;
        std::int64_t block_size = 0;
        if (auto problem = varint(block_size, path))
          return problem;
      }
      if (static_cast<std::uint64_t>(count) > items_left_)
        return path + ": a block of " + std::to_string(count) + " items at byte " + start +
               ", more than the data can hold";
      items_left_ -= static_cast<std::size_t>(count);
      for (std::int64_t k = 0; k < count; ++k, ++i) {
        if (n.type == AVRO_MAP) {
          // Avro C keeps keys as C strings: one with a NUL would become another key.
          auto start = offset();
          std::string_view key;
          if (auto problem = text(key, "map key", path))
            return problem;
          if (key.find('\0') != std::string_view::npos)
            return path + ": the map key at byte " + start + " contains a NUL character";
          path += '.';
          path += key;
        } else {
          path += '[' + std::to_string(i) + ']';
        }
        if (auto problem = value(*n.children[0], path, depth + 1))
          return problem;
        path.resize(at);
      }
    }
  }

  const unsigned char* begin_;
  const unsigned char* at_;
  const unsigned char* end_;
  std::size_t items_left_;
};

// Bytes and fixed become JSON strings as they are, which they can only when they are UTF-8.
// (Strings and map keys were checked by wire_check.)
std::optional<std::string> raw_text(std::string_view s, json::value& out, const std::string& path) {
  if (!is_utf8(s))
    return path + ": the bytes are not valid UTF-8, which a JSON string must be";
  out = json::string(s);
  return std::nullopt;
}

std::optional<std::string> number(double d, json::value& out, const std::string& path) {
  if (!std::isfinite(d))
    return path + ": is " + (std::isnan(d) ? "NaN" : "infinite") + ", which JSON cannot carry";
  out = d;
  return std::nullopt;
}

// `v` (read by Avro C, after wire_check passed) as JSON.
std::optional<std::string> to_json(const node& n, avro_value_t* v, json::value& out, std::string& path) {
  auto at = path.size();
  switch (n.type) {
    case AVRO_NULL: out = nullptr; return std::nullopt;
    case AVRO_BOOLEAN: {
      int b = 0;
      expect_ok(avro_value_get_boolean(v, &b));
      out = b != 0;
      return std::nullopt;
    }
    case AVRO_INT32: {
      std::int32_t i = 0;
      expect_ok(avro_value_get_int(v, &i));
      out = i;
      return std::nullopt;
    }
    case AVRO_INT64: {
      std::int64_t i = 0;
      expect_ok(avro_value_get_long(v, &i));
      out = i;
      return std::nullopt;
    }
    case AVRO_FLOAT: {
      float f = 0;
      expect_ok(avro_value_get_float(v, &f));
      return number(f, out, path);
    }
    case AVRO_DOUBLE: {
      double d = 0;
      expect_ok(avro_value_get_double(v, &d));
      return number(d, out, path);
    }
    case AVRO_STRING: {
      const char* s = nullptr;
      std::size_t size = 0;  // counts the NUL Avro C adds
      expect_ok(avro_value_get_string(v, &s, &size));
      out = json::string(std::string_view(s, size > 0 ? size - 1 : 0));
      return std::nullopt;
    }
    case AVRO_BYTES:
    case AVRO_FIXED: {
      const void* bytes = nullptr;
      std::size_t size = 0;
      expect_ok(n.type == AVRO_BYTES ? avro_value_get_bytes(v, &bytes, &size) : avro_value_get_fixed(v, &bytes, &size));
      return raw_text(std::string_view(static_cast<const char*>(bytes), size), out, path);
    }
    case AVRO_ENUM: {
      int symbol = 0;
      expect_ok(avro_value_get_enum(v, &symbol));
      out = json::string(n.symbols.at(static_cast<std::size_t>(symbol)));
      return std::nullopt;
    }
    case AVRO_UNION: {
      int branch = 0;
      avro_value_t child;
      expect_ok(avro_value_get_discriminant(v, &branch));
      expect_ok(avro_value_get_current_branch(v, &child));
      return to_json(*n.children.at(static_cast<std::size_t>(branch)), &child, out, path);
    }
    case AVRO_RECORD: {
      auto& object = out.emplace_object();
      object.reserve(n.fields.size());
      for (std::size_t i = 0; i < n.fields.size(); ++i) {
        path += '.';
        path += n.fields[i].name;
        avro_value_t child;
        expect_ok(avro_value_get_by_index(v, i, &child, nullptr));
        if (auto problem = to_json(*n.fields[i].type, &child, object[n.fields[i].name], path))
          return problem;
        path.resize(at);
      }
      return std::nullopt;
    }
    case AVRO_ARRAY:
    case AVRO_MAP: {
      std::size_t count = 0;
      expect_ok(avro_value_get_size(v, &count));
      // Filled in place: reserved up front, so the slot an item is read into stays put.
      json::array* array = n.type == AVRO_ARRAY ? &out.emplace_array() : nullptr;
      json::object* object = n.type == AVRO_MAP ? &out.emplace_object() : nullptr;
      if (array != nullptr)
        array->reserve(count);
      for (std::size_t i = 0; i < count; ++i) {
        avro_value_t child;
        const char* key = nullptr;
        expect_ok(avro_value_get_by_index(v, i, &child, &key));
        if (array != nullptr) {
          path += '[' + std::to_string(i) + ']';
        } else {
          path += '.';
          path += key;
        }
        auto& slot = array != nullptr ? array->emplace_back(nullptr) : (*object)[key];
        if (auto problem = to_json(*n.children[0], &child, slot, path))
          return problem;
        path.resize(at);
      }
      return std::nullopt;
    }
    default: return path + ": a type this codec does not know";
  }
}

// --- Parsing ---

const json::value& member(const json::value& v, std::string_view key) {
  static const json::value none;
  const auto* object = v.if_object();
  const auto* found = object != nullptr ? object->if_contains(key) : nullptr;
  return found != nullptr ? *found : none;
}

// Our tree from Avro C's, reading the schema's JSON alongside for the defaults Avro C drops.
// Runs under avro_c_error_lock.
class tree_builder {
 public:
  explicit tree_builder(std::vector<std::unique_ptr<node>>& nodes) : nodes_(nodes) {}

  // Null when Avro C's tree and the JSON disagree, which they should not for a schema Avro C
  // parsed (it reads the text with Jansson, we with Boost.JSON).
  const node* build(avro_schema_t schema, const json::value& text) {
    // Avro C makes every use of a name after its definition a link, recursive or not.
    if (is_avro_link(schema)) {
      auto found = named_.find(avro_schema_link_target(schema));
      return found != named_.end() ? found->second : nullptr;
    }
    auto& n = *nodes_.emplace_back(std::make_unique<node>());
    n.type = avro_typeof(schema);
    if (is_avro_named_type(schema)) {
      std::string name = avro_schema_name(schema);
      const char* space = avro_schema_namespace(schema);
      n.name = space != nullptr && *space != '\0' ? space + ("." + name) : name;
      named_[schema] = &n;  // before the fields: they may refer to it
    }
    switch (n.type) {
      case AVRO_RECORD: {
        const auto* fields = member(text, "fields").if_array();
        auto count = avro_schema_record_size(schema);
        if (fields == nullptr || fields->size() != count)
          return nullptr;
        for (std::size_t i = 0; i < count; ++i) {
          auto index = static_cast<int>(i);
          const auto* type = build(avro_schema_record_field_get_by_index(schema, index), member((*fields)[i], "type"));
          if (type == nullptr)
            return nullptr;
          std::optional<json::value> default_value;
          const auto* object = (*fields)[i].if_object();
          if (const auto* given = object != nullptr ? object->if_contains("default") : nullptr)
            default_value = *given;
          n.fields.push_back({avro_schema_record_field_name(schema, index), type, std::move(default_value)});
        }
        break;
      }
      case AVRO_ENUM:
        for (int i = 0; i < avro_schema_enum_number_of_symbols(schema); ++i)
          n.symbols.emplace_back(avro_schema_enum_get(schema, i));
        break;
      case AVRO_FIXED: n.size = static_cast<std::size_t>(avro_schema_fixed_size(schema)); break;
      case AVRO_ARRAY:
      case AVRO_MAP: {
        bool array = n.type == AVRO_ARRAY;
        const auto* items = build(array ? avro_schema_array_items(schema) : avro_schema_map_values(schema),
                                  member(text, array ? "items" : "values"));
        if (items == nullptr)
          return nullptr;
        n.children.push_back(items);
        break;
      }
      case AVRO_UNION: {
        const auto* branches = text.if_array();
        auto count = avro_schema_union_size(schema);
        if (branches == nullptr || branches->size() != count)
          return nullptr;
        for (std::size_t i = 0; i < count; ++i) {
          const auto* branch = build(avro_schema_union_branch(schema, static_cast<int>(i)), (*branches)[i]);
          if (branch == nullptr)
            return nullptr;
          n.children.push_back(branch);
        }
        break;
      }
      default: break;
    }
    return &n;
  }

 private:
  std::vector<std::unique_ptr<node>>& nodes_;
  std::unordered_map<const avro_obj_t*, const node*> named_;
};

// Avro C's message for its last failure, which its callers here read under avro_c_error_lock.
avro_error avro_c_error(std::string_view what) {
  return avro_error{std::string(what) + ": " + avro_strerror()};
}

}  // namespace

std::variant<avro_schema, avro_error> avro_schema::parse(std::string_view text) {
  auto schema = std::make_shared<impl>();
  schema->text = text;
  {
    std::lock_guard lock(avro_c_error_lock);
    avro_schema_t parsed = nullptr;
    if (avro_schema_from_json_length(text.data(), text.size(), &parsed) != 0)
      return avro_c_error("not a valid Avro schema");
    schema->schema.reset(parsed);
    schema->value_class.reset(avro_generic_class_from_schema(parsed));
    if (!schema->value_class)
      return avro_c_error("Avro C cannot make values of the schema");

    json::error_code ec;
    auto tree = parse_exact(text, ec);  // defaults are data too
    if (ec || tree_builder(schema->nodes).build(parsed, tree) == nullptr)
      return avro_error{"the schema's JSON does not read as Avro C read it"};
  }
  // Checked now, so that a wrong default is the schema's error rather than the first event's
  // that leaves the field out.
  for (const auto& n : schema->nodes) {
    for (const auto& field : n->fields) {
      if (!field.default_value)
        continue;
      std::string path = n->name + "." + field.name;
      if (auto problem = fill(*field.type, *field.default_value, nullptr, path, true))
        return avro_error{"the default of " + *problem};
    }
  }
  return avro_schema(std::move(schema));
}

const std::string& avro_schema::json() const {
  return impl_->text;
}

std::variant<std::string, avro_error> encode_avro(const avro_schema& schema, const json::value& data) {
  const auto& parsed = *schema.impl_;
  generic_value value(parsed.value_class.get());
  std::string path = "data";
  if (auto problem = fill(parsed.root(), data, value.get(), path, false))
    return avro_error{std::move(*problem)};
  std::size_t size = 0;
  expect_ok(avro_value_sizeof(value.get(), &size));
  std::string bytes(size, '\0');
  std::unique_ptr<avro_writer_t_, writer_release> writer(
    avro_writer_memory(bytes.data(), static_cast<std::int64_t>(size)));
  if (!writer)
    throw std::bad_alloc();
  expect_ok(avro_value_write(writer.get(), value.get()));
  return bytes;
}

std::variant<json::value, avro_error> decode_avro(const avro_schema& schema, std::string_view bytes) {
  const auto& parsed = *schema.impl_;
  if (auto problem = wire_check(bytes).datum(parsed.root()))
    return avro_error{std::move(*problem)};
  generic_value value(parsed.value_class.get());
  static const char no_bytes[1] = {};
  std::unique_ptr<avro_reader_t_, reader_release> reader(
    avro_reader_memory(bytes.empty() ? no_bytes : bytes.data(), static_cast<std::int64_t>(bytes.size())));
  if (!reader)
    throw std::bad_alloc();
  expect_ok(avro_value_read(reader.get(), value.get()));
  json::value out;
  std::string path = "data";
  if (auto problem = to_json(parsed.root(), value.get(), out, path))
    return avro_error{std::move(*problem)};
  return out;
}

}  // namespace eventrouter
