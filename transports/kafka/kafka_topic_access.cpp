#include "transports/kafka/kafka_topic_access.hpp"

#include "transports/kafka/kafka_consumer.hpp"
#include "transports/kafka/kafka_producer.hpp"
#include "transports/ce_attributes.hpp"
#include "transports/payload_decoders.hpp"

#include <future>
#include <map>

namespace eventrouter {

namespace {

using clock_type = std::chrono::steady_clock;
constexpr std::size_t follow_page = 100;  // messages per read while following
constexpr std::size_t drain_page = 500;   // messages per page moved
// How long a move waits for its group to be given partitions.
constexpr auto assignment_deadline = std::chrono::seconds(60);

// The record's event into out.events, or why it cannot be read — and `fate`, what becomes of it —
// into out.problems.
void decode_into(topic_read& out, const kafka::record& r, payload_decoder& decoder, std::string_view fate) {
  auto decoded = decode_ce_message(r.headers, r.key, r.value, decoder, "header");
  if (auto* why = std::get_if<std::string>(&decoded))
    out.problems.push_back("partition " + std::to_string(r.partition) + " offset " + std::to_string(r.offset) + " " +
                           std::string(fate) + ": " + *why);
  else
    out.events.push_back(std::get<keyed_event>(std::move(decoded)));
}

kafka::topic_reader::start reader_start(follow_start start) {
  using from = kafka::topic_reader::start::from;
  switch (start.at) {
    case follow_start::from::beginning: return {from::beginning, 0};
    case follow_start::from::last: return {from::last, static_cast<std::int64_t>(start.last)};
    case follow_start::from::end: break;
  }
  return {from::end, 0};
}

// Every partition assigned directly, nothing committed.
class kafka_follower : public topic_follower {
 public:
  kafka_follower(const config::settings& settings, const config::topic_settings& topic, follow_start start)
      : settings_(*settings.kafka), topic_(topic.full_name), start_(start), decoder_(decoder_for(settings, topic)()) {}

  // Throws kafka::consumer_error, also when the cluster has no such topic.
  topic_read start() override {
    reader_ = std::make_unique<kafka::topic_reader>(settings_, topic_, reader_start(start_));
    return {};
  }

  topic_read next(std::chrono::milliseconds wait) override {
    topic_read out;
    for (const auto& r : reader_->poll(follow_page, wait))
      decode_into(out, r, *decoder_, "cannot be read");
    return out;
  }

 private:
  config::kafka_settings settings_;
  std::string topic_;
  follow_start start_;
  std::unique_ptr<payload_decoder> decoder_;
  std::unique_ptr<kafka::topic_reader> reader_;
};

// A group of its own (eventrouter-dlq-replay) that commits what was moved. What each partition
// holds when first assigned is moved, from the group's position to the partition's end then.
class kafka_drain : public topic_drain {
 public:
  kafka_drain(const config::settings& settings, const config::topic_settings& topic)
      : consumer_(*settings.kafka, topic.full_name, "eventrouter-dlq-replay", std::nullopt),
        decoder_(decoder_for(settings, topic)()) {}

  std::optional<topic_read> next_page() override {
    if (spans_.empty()) {
      for (auto& s : consumer_.assigned_spans())
        spans_[{s.topic, s.partition}] = s;
      if (spans_.empty() && clock_type::now() > assigned_by_)
        throw std::runtime_error("the group assigned no partition within 60 s");
    }
    if (!spans_.empty() && left() == 0)
      return std::nullopt;
    topic_read out;
    commits_.clear();
    for (auto& r : consumer_.poll(drain_page, std::chrono::milliseconds(500))) {
      auto span = spans_.find({r.topic, r.partition});
      if (span == spans_.end()) {
        // Assigned during this poll: its span is taken now, and this record is inside it.
        for (auto& p : consumer_.assigned_spans())
          spans_.try_emplace({p.topic, p.partition}, p);
        span = spans_.find({r.topic, r.partition});
      }
      if (span == spans_.end() || r.offset >= span->second.end)
        continue;  // written after the start: the next move's
      span->second.start = r.offset + 1;
      commits_.push_back({r.topic, r.partition, r.offset + 1});
      decode_into(out, r, *decoder_, "passed over");
    }
    return out;
  }

  // Moved is moved: the next move must not move it again.
  void moved() override { consumer_.commit(commits_, true); }

  std::optional<std::int64_t> left() const override {
    if (spans_.empty())
      return std::nullopt;
    std::int64_t n = 0;
    for (const auto& [where, s] : spans_)
      n += std::max<std::int64_t>(0, s.end - s.start);
    return n;
  }

 private:
  kafka::consumer consumer_;
  std::unique_ptr<payload_decoder> decoder_;
  clock_type::time_point assigned_by_ = clock_type::now() + assignment_deadline;
  std::map<std::pair<std::string, std::int32_t>, kafka::consumer::span> spans_;
  std::vector<kafka::partition_offset> commits_;  // of the page read last, passed-over records included
};

// The group's own member, moved back before its first poll; commits as the caller says.
class kafka_replay : public group_replay {
 public:
  kafka_replay(const config::settings& settings, const config::topic_settings& topic, const std::string& group,
               replay_start from)
      : consumer_(*settings.kafka, topic.full_name, group, std::nullopt), decoder_(decoder_for(settings, topic)()) {
    if (from.time)
      consumer_.replay_from(*from.time);
    else
      consumer_.replay_from(from.position.value_or(0));
  }

  std::vector<replayed_message> next(std::size_t max, std::chrono::milliseconds wait) override {
    read_ = consumer_.poll(max, wait);
    std::vector<replayed_message> out;
    out.reserve(read_.size());
    for (const auto& r : read_) {
      auto& message = out.emplace_back();
      message.where = r.topic + " partition " + std::to_string(r.partition) + " offset " + std::to_string(r.offset);
      auto decoded = decode_ce_message(r.headers, r.key, r.value, *decoder_, "header");
      if (auto* why = std::get_if<std::string>(&decoded))
        message.problem = *why;
      else
        message.item = std::get<keyed_event>(std::move(decoded));
    }
    return out;
  }

  void done(std::size_t n) override {
    std::map<std::pair<std::string, std::int32_t>, std::int64_t> next;
    for (std::size_t i = 0; i < n && i < read_.size(); ++i)
      next[{read_[i].topic, read_[i].partition}] = read_[i].offset + 1;
    std::vector<kafka::partition_offset> commits;
    for (const auto& [where, offset] : next)
      commits.push_back({where.first, where.second, offset});
    consumer_.commit(commits);
  }

  std::optional<std::int64_t> left() const override { return consumer_.remaining(); }

 private:
  kafka::consumer consumer_;
  std::unique_ptr<payload_decoder> decoder_;
  std::vector<kafka::record> read_;
};

class kafka_access : public topic_access {
 public:
  explicit kafka_access(const config::settings& settings) : settings_(settings) {}

  std::unique_ptr<topic_follower> follow(const config::topic_settings& topic, follow_start start) override {
    return std::make_unique<kafka_follower>(settings_, topic, start);
  }

  std::unique_ptr<topic_drain> drain(const config::topic_settings& topic) override {
    return std::make_unique<kafka_drain>(settings_, topic);
  }

  topic_writer writer(const config::topic_settings& topic) override {
    auto writer = std::make_shared<kafka::topic>(std::make_shared<kafka::producer>(*settings_.kafka), topic.full_name);
    return [writer, format = topic.format](const std::vector<keyed_event>& batch) -> std::optional<std::string> {
      std::promise<std::string> done;
      writer->produce(batch, format, [&done](std::string error, std::string) { done.set_value(error); });
      auto error = done.get_future().get();
      return error.empty() ? std::nullopt : std::optional<std::string>(error);
    };
  }

  std::unique_ptr<group_replay> replay(const config::topic_settings& topic, const std::string& group,
                                       replay_start from) override {
    return std::make_unique<kafka_replay>(settings_, topic, group, from);
  }

  std::string last_counts() const override { return "events of each partition"; }

 private:
  const config::settings& settings_;
};

}  // namespace

std::unique_ptr<topic_access> kafka_topic_access(const config::settings& settings) {
  return std::make_unique<kafka_access>(settings);
}

}  // namespace eventrouter
