#include "transports/basic_auth.hpp"

#include "transports/base64.hpp"


namespace eventrouter::http {

std::string basic_authorization(std::string_view user_colon_password) {
  return "Basic " + base64_encode(user_colon_password);
}

std::string basic_authorization(const config::url& where) {
  return basic_authorization(where.user + ":" + where.password);
}

}  // namespace eventrouter::http
