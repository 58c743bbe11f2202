#include "transports/pulsar/pulsar_client.hpp"

#include <boost/asio/post.hpp>

#include <cctype>

namespace eventrouter::pulsar {

client::client(config::pulsar_settings settings)
    : settings_(std::move(settings)), work_(io_.get_executor()), thread_([this] { io_.run(); }) {}

client::~client() {
  work_.reset();
  io_.stop();
  thread_.join();
}

void client::post(std::function<void()> work) { boost::asio::post(io_, std::move(work)); }

std::string client::topic_path(std::string_view topic) const {
  return "persistent/" + settings_.tenant + "/" + settings_.pulsar_namespace + "/" + url_encode(topic);
}

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace eventrouter::pulsar
