// transports.redis: the server's URL, parsed into what the client connects with, and the
// client's bounds.

#include "config/sections.hpp"
#include "config/url.hpp"

#include <charconv>

namespace eventrouter::config {

namespace {

// redis://[[user]:password@]host[:port][/db]
void read_redis_url(const std::string& text, const std::string& path, redis_settings& out, problems_list& problems) {
  auto bad = [&](const std::string& why) {
    problems.add(path, "is " + quoted(text) + ": " + why + "; expected redis://[user:password@]host[:port][/db]");
  };
  auto parsed = parse_url(text, "redis");
  if (auto* why = std::get_if<std::string>(&parsed))
    return bad(*why);
  auto& u = std::get<url>(parsed);
  if (u.path != "/") {
    auto db_text = std::string_view(u.path).substr(1);
    auto [end, ec] = std::from_chars(db_text.data(), db_text.data() + db_text.size(), out.db);
    if (ec != std::errc{} || end != db_text.data() + db_text.size() || out.db > 15)
      return bad("the database is not a number from 0 to 15");
  }
  // redis://secret@host is a password alone, as redis-cli reads it.
  if (u.password.empty())
    std::swap(u.user, u.password);
  out.host = std::move(u.host);
  out.port = u.port;
  out.user = std::move(u.user);
  out.password = std::move(u.password);
  out.url = text;
}

}  // namespace

void read_redis(object_reader& r, redis_settings& out) {
  if (auto url = r.string("url", true))
    read_redis_url(*url, r.path_of("url"), out, r.problems());
  if (auto n = r.number("stream_max_len", 1, 1000000000))
    out.stream_max_len = *n;
  if (auto t = r.millis("connect_timeout_ms", 1, 600000))
    out.connect_timeout = *t;
  if (auto t = r.millis("command_timeout_ms", 1, 600000))
    out.command_timeout = *t;
  if (auto range = r.millis_range("reconnect_backoff_ms")) {
    out.reconnect_backoff_min = range->first;
    out.reconnect_backoff_max = range->second;
  }
}

}  // namespace eventrouter::config
