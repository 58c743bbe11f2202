#pragma once
// JSON text to a value as boost::json::parse makes it, with numbers that have a fraction or an
// exponent read exactly: correctly rounded, by std::from_chars. Boost.JSON 1.81 reads about
// one double in ten written with 17 significant digits (as Python and most serializers write
// them) one unit in the last place off (Boost 1.83 added an exact mode). An event's data
// passes through eventrouter, into Avro or JSON, so it must be the number the producer wrote.

#include <boost/json/parse_options.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <string_view>

namespace eventrouter {

// The value, or a null one with `ec` set (the whole text must be one JSON value).
boost::json::value parse_exact(std::string_view text, boost::json::error_code& ec, boost::json::storage_ptr storage = {},
                               const boost::json::parse_options& options = {});

}  // namespace eventrouter
