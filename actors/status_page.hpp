#pragma once
// GET /: one self-contained HTML page for an operator (inline CSS and JS, no external asset, so
// it works where the service runs without internet access). Its script polls /v1/routes,
// /v1/consumers and /v1/reloads and fills the tables; a consumer's rate is computed from two
// successive polls. Everything from the service is inserted as text (textContent), never as
// markup: names and errors come from configuration files and remote systems.

#include <string_view>

namespace eventrouter {

extern const std::string_view status_page_html;

// The page needs nothing but its inline style and script and the service's own JSON: the
// browser refuses anything else, should data ever slip into markup.
inline constexpr std::string_view status_page_csp =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; "
  "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace eventrouter
