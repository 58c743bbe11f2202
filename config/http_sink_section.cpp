// An http sink's own keys: the webhook's URL, parsed once into the value the webhook client
// connects with; the timeout; the headers added to every request. What reaches the wire is
// checked here: a header name is an HTTP token, no value holds a control character (a CR LF
// would start a header of its own), and credentials in the URL become the Authorization header,
// so the headers may not set one too. `batch` turns on CloudEvents batch mode.

#include "config/sections.hpp"
#include "config/url.hpp"
#include "config/wire_text.hpp"

#include <algorithm>
#include <cctype>

namespace eventrouter::config {

namespace {

bool is_authorization(std::string_view name) {
  constexpr std::string_view authorization = "authorization";
  auto same = [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; };
  return name.size() == authorization.size() && std::equal(name.begin(), name.end(), authorization.begin(), same);
}

void read_headers(object_reader& s, sink_settings& out) {
  const auto* headers = s.object("headers");
  if (headers == nullptr)
    return;
  object_reader h(*headers, s.path_of("headers"), s.problems());
  for (const auto& [name, value] : *headers) {
    auto text = h.string(name);
    if (!text)
      continue;
    auto path = h.path_of(name);
    if (!is_http_token(name)) {
      h.problems().add(path, "is not a header name; expected letters, digits and !#$%&'*+-.^_`|~ (an HTTP token)");
      continue;
    }
    // The value is not quoted: it may be a secret (a bearer token).
    if (auto control = find_control_character(*text)) {
      h.problems().add(path, "holds " + *control + ", which would end the header line; expected a one-line value");
      continue;
    }
    if (is_authorization(name) && out.url.has_credentials()) {
      h.problems().add(path, "clashes with the credentials in url, which are sent as the Authorization header; "
                             "keep one of them");
      continue;
    }
    out.headers.emplace_back(std::string(name), std::move(*text));
  }
}

// Bounds: a batch of one event is plain delivery in batch mode; more than 10 000 events or
// 64 MiB in one POST is past what receivers take (nginx's default body limit is 1 MiB); a batch
// waiting more than a second for company adds latency no receiver's throughput repays.
void read_batch(object_reader& s, sink_settings& out) {
  s.read_object("batch", [&](object_reader& b) {
    batch_settings batch;
    if (auto n = b.number("max_events", 1, 10000))
      batch.max_events = *n;
    if (auto n = b.number("max_bytes", 1024, 64 << 20))
      batch.max_bytes = *n;
    if (auto t = b.millis("max_wait_ms", 0, 1000))
      batch.max_wait = *t;
    out.batch = batch;
  });
}

}  // namespace

void read_http_sink(object_reader& s, sink_settings& out) {
  if (auto text = s.string("url", true)) {
    auto parsed = parse_url(*text, "http");
    if (auto* why = std::get_if<std::string>(&parsed))
      s.problems().add(s.path_of("url"),
                       "is " + quoted(*text) + ": " + *why + "; expected http://[user:password@]host[:port][/path]");
    else
      out.url = std::move(std::get<url>(parsed));
  }
  if (auto t = s.millis("timeout_ms", 1, 600000))
    out.timeout = *t;
  read_headers(s, out);
  read_batch(s, out);
}

}  // namespace eventrouter::config
