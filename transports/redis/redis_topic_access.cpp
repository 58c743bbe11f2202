#include "transports/redis/redis_topic_access.hpp"

#include "transports/payload_decoders.hpp"
#include "transports/redis/redis_streams.hpp"
#include "transports/redis/stream_entry.hpp"

namespace eventrouter {

namespace {

constexpr std::size_t follow_page = 100;  // entries per read while following
constexpr std::size_t drain_page = 500;   // entries per page moved

// XREAD after the last id seen: no group is created, nothing stays pending.
class redis_follower : public topic_follower {
 public:
  redis_follower(const config::settings& settings, const config::topic_settings& topic, follow_start start)
      : client_(*settings.redis), stream_(topic.full_name), decoder_(decoder_for(settings, topic)()), start_(start) {}

  // Starts after the id of the newest entry now, rather than at XREAD's `$`, which would skip
  // what is written between two reads.
  topic_read start() override {
    client_.connect();
    switch (start_.at) {
      case follow_start::from::beginning: return {};
      case follow_start::from::end:
        if (auto newest = redis::last_entries(client_, stream_, 1); !newest.empty())
          after_ = newest.back().id;
        return {};
      case follow_start::from::last: return decode(redis::last_entries(client_, stream_, start_.last));
    }
    return {};
  }

  topic_read next(std::chrono::milliseconds wait) override {
    try {
      bool reconnected = client_.ensure_connected() && lost_;
      lost_ = false;
      auto read = decode(redis::read_after(client_, stream_, after_, follow_page, wait));
      if (reconnected)
        read.problems.insert(read.problems.begin(), "reconnected to Redis at " + client_.address());
      return read;
    } catch (const redis::connection_error& e) {
      topic_read out{{}, {}, true};
      if (!lost_)
        out.problems.push_back(std::string("lost Redis: ") + e.what() + "; reconnecting");
      lost_ = true;
      return out;
    }
  }

 private:
  topic_read decode(const std::vector<redis::stream_entry>& entries) {
    topic_read out;
    for (const auto& entry : entries) {
      after_ = entry.id;
      auto decoded = decode_stream_entry(entry.fields, *decoder_);
      if (auto* why = std::get_if<std::string>(&decoded))
        out.problems.push_back("entry " + entry.id + " cannot be read: " + *why);
      else
        out.events.push_back({std::get<event_ptr>(std::move(decoded)), ""});  // Redis entries carry no key
    }
    return out;
  }

  redis::client client_;
  std::string stream_;
  std::unique_ptr<payload_decoder> decoder_;
  follow_start start_;
  std::string after_ = "0-0";  // the id of the last entry read (or skipped)
  bool lost_ = false;
};

// XRANGE up to the newest entry at the start, then XDEL of what was moved. An entry that does not
// decode stays where it is.
class redis_drain : public topic_drain {
 public:
  redis_drain(const config::settings& settings, const config::topic_settings& topic)
      : client_(*settings.redis), stream_(topic.full_name), decoder_(decoder_for(settings, topic)()) {
    client_.connect();
    if (auto newest = redis::last_entries(client_, stream_, 1); !newest.empty()) {
      end_ = newest.back().id;
      total_ = client_.run({"XLEN", stream_}).integer;
    }
  }

  std::optional<topic_read> next_page() override {
    if (end_.empty())
      return std::nullopt;
    auto reply = client_.run({"XRANGE", stream_, after_, end_, "COUNT", std::to_string(drain_page)});
    if (reply.is_error())
      throw std::runtime_error("XRANGE " + stream_ + ": " + reply.text);
    if (reply.elements.empty())
      return std::nullopt;
    topic_read out;
    read_ids_.clear();
    for (const auto& entry : reply.elements) {
      const auto& id = entry.elements[0].text;
      std::vector<std::pair<std::string, std::string>> fields;
      const auto& kv = entry.elements[1].elements;
      for (std::size_t i = 0; i + 1 < kv.size(); i += 2)
        fields.emplace_back(kv[i].text, kv[i + 1].text);
      auto decoded = decode_stream_entry(fields, *decoder_);
      if (auto* why = std::get_if<std::string>(&decoded)) {
        out.problems.push_back("entry " + id + " left in place: " + *why);
        continue;
      }
      read_ids_.push_back(id);
      out.events.push_back({std::get<event_ptr>(std::move(decoded)), ""});
    }
    read_ += static_cast<std::int64_t>(reply.elements.size());
    after_ = "(" + reply.elements.back().elements[0].text;  // exclusive: the next page starts after it
    return out;
  }

  void moved() override {
    if (read_ids_.empty())
      return;
    std::vector<std::string_view> args{"XDEL", stream_};
    args.insert(args.end(), read_ids_.begin(), read_ids_.end());
    client_.run(args);
  }

  std::optional<std::int64_t> left() const override { return total_ - read_; }

 private:
  redis::client client_;
  std::string stream_;
  std::unique_ptr<payload_decoder> decoder_;
  std::string end_;  // the newest entry when the move started; empty: nothing to move
  std::string after_ = "-";
  std::int64_t total_ = 0;
  std::int64_t read_ = 0;
  std::vector<std::string> read_ids_;  // of the page read last, decoded
};

class redis_access : public topic_access {
 public:
  explicit redis_access(const config::settings& settings) : settings_(settings) {}

  std::unique_ptr<topic_follower> follow(const config::topic_settings& topic, follow_start start) override {
    return std::make_unique<redis_follower>(settings_, topic, start);
  }

  std::unique_ptr<topic_drain> drain(const config::topic_settings& topic) override {
    return std::make_unique<redis_drain>(settings_, topic);
  }

  topic_writer writer(const config::topic_settings& topic) override {
    auto client = std::make_shared<redis::client>(*settings_.redis);
    return [client, topic](const std::vector<keyed_event>& batch) -> std::optional<std::string> {
      try {
        client->ensure_connected();
        redis::append_events(*client, topic.full_name, client->settings().stream_max_len, batch, topic.format);
        return std::nullopt;
      } catch (const std::exception& e) {
        return std::string(e.what());
      }
    };
  }

 private:
  const config::settings& settings_;
};

}  // namespace

std::unique_ptr<topic_access> redis_topic_access(const config::settings& settings) {
  return std::make_unique<redis_access>(settings);
}

}  // namespace eventrouter
