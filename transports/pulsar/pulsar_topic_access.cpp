#include "transports/pulsar/pulsar_topic_access.hpp"

#include "transports/payload_decoders.hpp"
#include "transports/pulsar/pulsar_admin.hpp"
#include "transports/pulsar/pulsar_consumer.hpp"
#include "transports/pulsar/pulsar_message.hpp"
#include "transports/pulsar/pulsar_producer.hpp"

#include <boost/json.hpp>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>

namespace eventrouter {

namespace {

using clock_type = std::chrono::steady_clock;
constexpr std::size_t follow_page = 100;  // messages per read while following
constexpr std::size_t drain_page = 500;   // messages per page moved
// How long a command waits for its WebSocket to open before it gives up.
constexpr auto open_deadline = std::chrono::seconds(30);
constexpr std::string_view dlq_subscription = "eventrouter-dlq-replay";

// What a consumer's IO thread hands over to the command's thread, which waits for it.
struct inbox {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<pulsar::received_message> messages;
  std::vector<std::string> unreadable;  // frames that were not messages, named
  bool opened = false;
  std::string lost;  // why the connection was lost, once it was

  pulsar::consumer::events events() {
    return {.opened =
              [this] {
                std::lock_guard lock(mutex);
                opened = true;
                changed.notify_all();
              },
            .received =
              [this](pulsar::received_frame frame) {
                std::lock_guard lock(mutex);
                if (auto* m = std::get_if<pulsar::received_message>(&frame))
                  messages.push_back(std::move(*m));
                else
                  unreadable.push_back(std::get<std::string>(frame));
                changed.notify_all();
              },
            .lost =
              [this](const std::string& why) {
                std::lock_guard lock(mutex);
                lost = why;
                changed.notify_all();
              }};
  }
};

// A consumer or reader the command waits on. The inbox outlives the consumer's callbacks: the
// client's IO thread is joined (its destructor) before the inbox goes.
class waited_consumer {
 public:
  waited_consumer(const config::pulsar_settings& settings, const std::string& topic,
                  const std::function<std::shared_ptr<pulsar::consumer>(pulsar::client&, pulsar::consumer::events)>& open)
      : client_(std::make_unique<pulsar::client>(settings)), topic_(topic), consumer_(open(*client_, inbox_.events())) {
    std::unique_lock lock(inbox_.mutex);
    if (!inbox_.changed.wait_for(lock, open_deadline, [&] { return inbox_.opened || !inbox_.lost.empty(); }))
      throw std::runtime_error("pulsar topic '" + topic + "': no connection within 30 s");
    if (!inbox_.opened)
      throw std::runtime_error("pulsar topic '" + topic + "': " + inbox_.lost);
  }

  // Acknowledgements sent last go out before the IO thread is stopped.
  ~waited_consumer() {
    std::promise<void> closed;
    consumer_->close([&closed] { closed.set_value(); });
    closed.get_future().wait_for(std::chrono::seconds(5));
    consumer_.reset();
    client_.reset();
  }

  // Up to `max` messages, waiting up to `wait` for the first; throws once the connection is lost.
  std::vector<pulsar::received_message> receive(std::size_t max, std::chrono::milliseconds wait,
                                                std::vector<std::string>& unreadable) {
    std::unique_lock lock(inbox_.mutex);
    inbox_.changed.wait_for(lock, wait, [&] { return !inbox_.messages.empty() || !inbox_.lost.empty(); });
    if (!inbox_.lost.empty())
      throw std::runtime_error("pulsar topic '" + topic_ + "': " + inbox_.lost);
    std::vector<pulsar::received_message> out;
    while (!inbox_.messages.empty() && out.size() < max) {
      out.push_back(std::move(inbox_.messages.front()));
      inbox_.messages.pop_front();
    }
    unreadable.insert(unreadable.end(), inbox_.unreadable.begin(), inbox_.unreadable.end());
    inbox_.unreadable.clear();
    return out;
  }

  pulsar::client& client() { return *client_; }
  pulsar::consumer& consumer() { return *consumer_; }

 private:
  inbox inbox_;
  std::unique_ptr<pulsar::client> client_;
  std::string topic_;
  std::shared_ptr<pulsar::consumer> consumer_;
};

std::vector<std::string> ids_of(const std::vector<pulsar::received_message>& messages) {
  std::vector<std::string> ids;
  ids.reserve(messages.size());
  for (const auto& m : messages)
    ids.push_back(m.id);
  return ids;
}

// The events of `messages` into out.events, or why each cannot be read — and `fate`, what
// becomes of it — into out.problems.
void decode_into(topic_read& out, const std::vector<pulsar::received_message>& messages,
                 const std::vector<std::string>& unreadable, payload_decoder& decoder, std::string_view fate) {
  for (const auto& m : messages) {
    auto decoded = pulsar::decode_message(m, decoder);
    if (auto* why = std::get_if<std::string>(&decoded))
      out.problems.push_back("message " + m.id + " " + std::string(fate) + ": " + *why);
    else
      out.events.push_back(std::get<keyed_event>(std::move(decoded)));
  }
  for (const auto& why : unreadable)
    out.problems.push_back("the broker sent " + why);
}

// An admin answer's body, or an error naming what was asked.
std::string admin_body(pulsar::client& client, const std::string& method, const std::string& path,
                       const std::string& body = {}) {
  auto answer = pulsar::admin_call(client, method, path, body);
  if (answer.status == 0)
    throw std::runtime_error("pulsar admin " + path + ": " + answer.error);
  if (answer.status / 100 != 2)
    throw std::runtime_error("pulsar admin " + path + " answered HTTP " + std::to_string(answer.status) + ": " +
                             answer.body);
  return answer.body;
}

std::int64_t subscription_left(pulsar::client& client, const std::string& topic, const std::string& subscription) {
  auto backlog = pulsar::subscription_backlog(admin_body(client, "GET", pulsar::admin_path(client, topic, "stats")),
                                              subscription);
  if (!backlog)
    throw std::runtime_error("pulsar topic '" + topic + "' has no subscription '" + subscription + "'");
  return static_cast<std::int64_t>(*backlog);
}

// Reads the topic with a reader of its own; after a lost connection, a new reader starts after
// the last message read.
class pulsar_follower : public topic_follower {
 public:
  pulsar_follower(const config::settings& settings, const config::topic_settings& topic, follow_start start)
      : settings_(*settings.pulsar), topic_(topic.full_name), start_(start), decoder_(decoder_for(settings, topic)()) {}

  topic_read start() override {
    std::string from = start_.at == follow_start::from::end ? "latest" : "earliest";
    if (start_.at == follow_start::from::last) {
      // The reader starts at the beginning and passes over all but the last N: entries, as the
      // WebSocket producer writes a message an entry.
      pulsar::client client(settings_);
      auto stats = boost::json::parse(
        admin_body(client, "GET", pulsar::admin_path(client, topic_, "internalStats")));
      auto entries = stats.as_object().at("numberOfEntries").to_number<std::int64_t>();
      skip_ = std::max<std::int64_t>(0, entries - static_cast<std::int64_t>(start_.last));
    }
    open(from);
    return {};
  }

  topic_read next(std::chrono::milliseconds wait) override {
    topic_read out;
    try {
      if (!reader_)
        open(last_id_.empty() ? "earliest" : last_id_);
      std::vector<std::string> unreadable;
      auto messages = reader_->receive(follow_page, wait, unreadable);
      if (messages.empty() && unreadable.empty())
        return out;
      reader_->consumer().ack(ids_of(messages));  // a reader's acknowledgements keep the broker pushing
      if (!messages.empty())
        last_id_ = messages.back().id;
      auto skipped = std::min<std::int64_t>(skip_, static_cast<std::int64_t>(messages.size()));
      skip_ -= skipped;
      messages.erase(messages.begin(), messages.begin() + skipped);
      decode_into(out, messages, unreadable, *decoder_, "cannot be read");
    } catch (const std::runtime_error&) {
      reader_.reset();
      out.failed = true;
    }
    return out;
  }

 private:
  void open(const std::string& from) {
    reader_ = std::make_unique<waited_consumer>(settings_, topic_, [&](pulsar::client& c, pulsar::consumer::events e) {
      return pulsar::consumer::open_reader(c, topic_, from, std::move(e));
    });
  }

  config::pulsar_settings settings_;
  std::string topic_;
  follow_start start_;
  std::unique_ptr<payload_decoder> decoder_;
  std::unique_ptr<waited_consumer> reader_;
  std::string last_id_;
  std::int64_t skip_ = 0;
};

pulsar::subscription exclusive(const std::string& topic, std::string_view name) {
  return {topic, std::string(name), pulsar::subscription::kind::exclusive, true, "eventrouter-command"};
}

// A subscription of its own (eventrouter-dlq-replay) that acknowledges what was moved. What its
// backlog is when the move starts is moved; what is written meanwhile waits for the next move.
class pulsar_drain : public topic_drain {
 public:
  pulsar_drain(const config::settings& settings, const config::topic_settings& topic)
      : topic_(topic.full_name),
        consumer_(*settings.pulsar, topic_,
                  [&](pulsar::client& c, pulsar::consumer::events e) {
                    return pulsar::consumer::open(c, exclusive(topic_, dlq_subscription), std::move(e));
                  }),
        decoder_(decoder_for(settings, topic)()),
        left_(subscription_left(consumer_.client(), topic_, std::string(dlq_subscription))) {}

  std::optional<topic_read> next_page() override {
    if (left_ == 0)
      return std::nullopt;
    auto want = static_cast<std::size_t>(std::min<std::int64_t>(left_, drain_page));
    consumer_.consumer().permit(want);
    std::vector<std::string> unreadable;
    read_ = consumer_.receive(want, std::chrono::milliseconds(500), unreadable);
    left_ -= static_cast<std::int64_t>(read_.size());
    topic_read out;
    decode_into(out, read_, unreadable, *decoder_, "passed over");
    return out;
  }

  void moved() override { consumer_.consumer().ack(ids_of(read_)); }

  std::optional<std::int64_t> left() const override { return left_; }

 private:
  std::string topic_;
  waited_consumer consumer_;
  std::unique_ptr<payload_decoder> decoder_;
  std::int64_t left_;
  std::vector<pulsar::received_message> read_;
};

// The group's subscription, its cursor moved back to a time, read by an exclusive consumer: the
// service's own consumers of the group must be stopped (the broker refuses a second type).
// The message id (as the admin API's resetcursor takes it) of the `offset`-th entry the topic
// holds now, 0 the oldest: the entries of its ledgers in order, as internalStats lists them
// (the open ledger's count is currentLedgerEntries). Past the end: the end.
std::string entry_id_at(pulsar::client& client, const std::string& topic, std::int64_t offset) {
  auto stats = boost::json::parse(admin_body(client, "GET", pulsar::admin_path(client, topic, "internalStats")));
  const auto& ledgers = stats.as_object().at("ledgers").as_array();
  for (std::size_t i = 0; i < ledgers.size(); ++i) {
    const auto& ledger = ledgers[i].as_object();
    auto entries = i + 1 == ledgers.size() ? stats.as_object().at("currentLedgerEntries").to_number<std::int64_t>()
                                           : ledger.at("entries").to_number<std::int64_t>();
    if (offset < entries)
      return R"({"ledgerId":)" + boost::json::serialize(ledger.at("ledgerId")) + R"(,"entryId":)" + std::to_string(offset) +
             R"(,"partitionIndex":-1})";
    offset -= entries;
  }
  return R"({"ledgerId":9223372036854775807,"entryId":9223372036854775807,"partitionIndex":-1})";
}

// Moves the group's subscription cursor to a time, or to the offset-th entry the topic holds.
void reset_cursor(pulsar::client& client, const std::string& topic, const std::string& group, replay_start from) {
  auto path = pulsar::admin_path(client, topic, "subscription/" + pulsar::url_encode(group) + "/resetcursor");
  if (from.time) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(from.time->time_since_epoch()).count();
    admin_body(client, "POST", path + "/" + std::to_string(ms));
  } else {
    admin_body(client, "POST", path, entry_id_at(client, topic, from.position.value_or(0)));
  }
}

class pulsar_replay : public group_replay {
 public:
  pulsar_replay(const config::settings& settings, const config::topic_settings& topic, const std::string& group,
                replay_start from)
      : topic_(topic.full_name),
        group_(group),
        decoder_(decoder_for(settings, topic)()),
        consumer_(*settings.pulsar, topic_, [&](pulsar::client& c, pulsar::consumer::events e) {
          reset_cursor(c, topic_, group_, from);
          return pulsar::consumer::open(c, exclusive(topic_, group_), std::move(e));
        }) {}

  std::vector<replayed_message> next(std::size_t max, std::chrono::milliseconds wait) override {
    consumer_.consumer().permit(max);
    std::vector<std::string> unreadable;
    read_ = consumer_.receive(max, wait, unreadable);
    std::vector<replayed_message> out;
    out.reserve(read_.size());
    for (const auto& m : read_) {
      auto& message = out.emplace_back();
      message.where = topic_ + " message " + m.id;
      auto decoded = pulsar::decode_message(m, *decoder_);
      if (auto* why = std::get_if<std::string>(&decoded))
        message.problem = *why;
      else
        message.item = std::get<keyed_event>(std::move(decoded));
    }
    for (const auto& why : unreadable)
      out.push_back({std::nullopt, topic_, "the broker sent " + why});
    return out;
  }

  void done(std::size_t n) override {
    read_.resize(std::min(n, read_.size()));
    consumer_.consumer().ack(ids_of(read_));
  }

  std::optional<std::int64_t> left() const override {
    return subscription_left(const_cast<waited_consumer&>(consumer_).client(), topic_, group_);
  }

 private:
  std::string topic_;
  std::string group_;
  std::unique_ptr<payload_decoder> decoder_;
  waited_consumer consumer_;
  std::vector<pulsar::received_message> read_;
};

class pulsar_access : public topic_access {
 public:
  explicit pulsar_access(const config::settings& settings) : settings_(settings) {}

  std::unique_ptr<topic_follower> follow(const config::topic_settings& topic, follow_start start) override {
    return std::make_unique<pulsar_follower>(settings_, topic, start);
  }

  std::unique_ptr<topic_drain> drain(const config::topic_settings& topic) override {
    return std::make_unique<pulsar_drain>(settings_, topic);
  }

  topic_writer writer(const config::topic_settings& topic) override {
    auto client = std::make_shared<pulsar::client>(*settings_.pulsar);
    auto writer = std::make_shared<pulsar::owned_producer>(client, pulsar::producer::open(*client, topic.full_name));
    return [writer, format = topic.format](const std::vector<keyed_event>& batch) -> std::optional<std::string> {
      std::vector<std::string> frames;
      for (const auto& item : batch)
        frames.push_back(pulsar::open_producer_frame(item, format));
      std::promise<std::string> done;
      writer->writer->send(std::move(frames), [&done](std::string error, std::string) { done.set_value(error); });
      auto error = done.get_future().get();
      return error.empty() ? std::nullopt : std::optional<std::string>(error);
    };
  }

  std::unique_ptr<group_replay> replay(const config::topic_settings& topic, const std::string& group,
                                       replay_start from) override {
    return std::make_unique<pulsar_replay>(settings_, topic, group, from);
  }

 private:
  const config::settings& settings_;
};

}  // namespace

std::unique_ptr<topic_access> pulsar_topic_access(const config::settings& settings) {
  return std::make_unique<pulsar_access>(settings);
}

}  // namespace eventrouter
