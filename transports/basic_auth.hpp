#pragma once
// HTTP Basic authentication (RFC 7617): the Authorization header's value for a user and a
// password, as a webhook URL's credentials and the schema registry's basic auth are sent.

#include "config/url.hpp"

#include <string>
#include <string_view>

namespace eventrouter::http {

// "Basic " and the base64 of `user_colon_password` ("user:password").
std::string basic_authorization(std::string_view user_colon_password);
// The same for the credentials of a URL (http://user:password@host/), as it was decoded.
std::string basic_authorization(const config::url& where);

}  // namespace eventrouter::http
