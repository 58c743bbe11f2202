#include "transports/webhook_request.hpp"

#include "transports/basic_auth.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace eventrouter::http {

namespace bhttp = boost::beast::http;

namespace {

// Header values carry printable ASCII; the rest, '"' and '%' are percent-encoded
// (CloudEvents HTTP binding, 3.1.3.2).
void append_header_value(std::string& out, std::string_view in) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (unsigned char c : in) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '%') {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  append_header_value(out, value);
  out += "\r\n";
}

// The request line and the headers every request of a mode carries, set in the order and with
// the rules (a later set replaces an earlier one of the same name, keep-alive) of Beast's
// request, which wrote every request before.
std::string fixed_head(const config::sink_settings& sink, std::string_view content_type) {
  const auto& where = sink.url;
  bhttp::request<bhttp::empty_body> req{bhttp::verb::post, where.path, 11};
  req.set(bhttp::field::host, where.authority());
  // The loader refuses an authorization header beside credentials in the URL.
  if (where.has_credentials())
    req.set(bhttp::field::authorization, basic_authorization(where));
  req.set(bhttp::field::content_type, content_type);
  req.set(bhttp::field::user_agent, "eventrouter");
  for (const auto& [name, value] : sink.headers)
    req.set(name, value);
  req.keep_alive(true);
  // The body's framing is the writer's: Content-Length, set per request.
  req.erase(bhttp::field::content_length);
  req.erase(bhttp::field::transfer_encoding);
  std::string out = "POST " + where.path + " HTTP/1.1\r\n";
  for (const auto& field : req) {
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  return out;
}

}  // namespace

webhook_request_writer::webhook_request_writer(const config::sink_settings& sink)
    : binary_head_(fixed_head(sink, "application/json")),
      batch_head_(fixed_head(sink, "application/cloudevents-batch+json")) {
  for (const auto& header : sink.headers)
    configured_.push_back(header.first);
}

bool webhook_request_writer::configured(std::string_view name) const {
  return std::any_of(configured_.begin(), configured_.end(),
                     [name](const std::string& c) { return boost::beast::iequals(c, name); });
}

void webhook_request_writer::end_head(std::string& out, std::size_t length) {
  out += "Content-Length: ";
  out += std::to_string(length);
  out += "\r\n\r\n";
}

std::string webhook_request_writer::binary(const keyed_event& item) const {
  const auto& ev = *item.ev;
  auto body = boost::json::serialize(ev.data);
  std::string out;
  out.reserve(binary_head_.size() + 256 + body.size());
  out += binary_head_;
  auto attribute = [&](std::string_view name, std::string_view value) {
    if (!configured(name))
      append_header(out, name, value);
  };
  for (auto [name, value] : {std::pair{"ce-specversion", &ev.specversion}, {"ce-type", &ev.type}, {"ce-id", &ev.id},
                             {"ce-source", &ev.source}, {"ce-time", &ev.time}, {"ce-minorversion", &ev.minorversion},
                             {"ce-sourcehost", &ev.sourcehost}, {"ce-sourcelib", &ev.sourcelib}})
    if (!value->empty())
      attribute(name, *value);
  std::string name = "ce-";
  for (const auto& [extension, value] : ev.extensions) {
    // The event's key is its partitionkey, as it replaced such an extension before.
    if (!item.key.empty() && extension == "partitionkey")
      continue;
    name.resize(3);
    name += extension;
    attribute(name, value);
  }
  if (!item.key.empty())
    attribute("ce-partitionkey", item.key);
  end_head(out, body.size());
  out += body;
  return out;
}

}  // namespace eventrouter::http
