#include "transports/pulsar/pulsar_producer.hpp"

#include "transports/pulsar/pulsar_message.hpp"

#include <algorithm>
#include <charconv>

namespace eventrouter::pulsar {

std::shared_ptr<producer> producer::open(client& owner, std::string topic) {
  std::shared_ptr<producer> made(new producer(owner, std::move(topic)));
  owner.post([made] { made->connect(); });
  return made;
}

producer::producer(client& owner, std::string topic)
    : client_(owner),
      topic_(std::move(topic)),
      backoff_(owner.settings().reconnect_backoff_min),
      reconnect_timer_(owner.io()),
      deadline_timer_(owner.io()) {}

void producer::send(std::vector<std::string> frames, done on_done) {
  client_.post([self = shared_from_this(), frames = std::move(frames), on_done = std::move(on_done)]() mutable {
    if (self->closed_)
      return;
    if (self->state_ == link_state::waiting)
      return on_done("pulsar topic '" + self->topic_ + "' is unreachable: " + self->last_error_, "");
    if (frames.empty())
      return on_done("", "");
    auto id = self->next_batch_++;
    for (std::size_t i = 0; i < frames.size(); ++i)
      self->unsent_.emplace_back(id, i);
    auto deadline = std::chrono::steady_clock::now() + self->client_.settings().send_timeout;
    auto count = frames.size();
    self->batches_.push_back({id, std::move(frames), count, {}, std::move(on_done), deadline});
    if (self->batches_.size() == 1)
      self->arm_deadline();
    self->pump();
  });
}

void producer::close() {
  client_.post([self = shared_from_this()] {
    self->closed_ = true;
    self->reconnect_timer_.cancel();
    self->deadline_timer_.cancel();
    if (self->session_)
      self->session_->close();
  });
}

void producer::connect() {
  if (closed_)
    return;
  state_ = link_state::connecting;
  auto weak = weak_from_this();
  session_ = std::make_shared<websocket_session>(
    client_, "/ws/v2/producer/" + client_.topic_path(topic_),
    websocket_session::events{
      .opened =
        [weak] {
          if (auto self = weak.lock()) {
            self->state_ = link_state::open;
            self->backoff_ = self->client_.settings().reconnect_backoff_min;
            self->pump();
          }
        },
      .received =
        [weak](std::string frame) {
          if (auto self = weak.lock())
            self->on_frame(frame);
        },
      .closed =
        [weak](const std::string& why) {
          if (auto self = weak.lock())
            self->lost(why);
        },
    });
  session_->open();
}

producer::batch* producer::find(std::uint64_t id) {
  auto it = std::find_if(batches_.begin(), batches_.end(), [&](const batch& b) { return b.id == id; });
  return it == batches_.end() ? nullptr : &*it;
}

void producer::pump() {
  const auto limit = client_.settings().max_pending_messages;
  while (state_ == link_state::open && !unsent_.empty() && in_flight_.size() < limit) {
    auto [id, index] = unsent_.front();
    unsent_.pop_front();
    auto* b = find(id);
    if (b == nullptr)
      continue;  // failed meanwhile
    auto context = next_context_++;
    in_flight_.emplace(context, std::pair{id, index});
    auto frame = std::move(b->frames[index]);
    frame.append(",\"context\":\"").append(std::to_string(context)).append("\"}");
    session_->send(std::move(frame));
  }
}

void producer::on_frame(const std::string& frame) {
  auto parsed = parse_send_answer(frame);
  if (auto* why = std::get_if<std::string>(&parsed)) {
    session_->close();
    return lost("the broker answered with " + *why);
  }
  auto& answer = std::get<send_answer>(parsed);
  std::uint64_t context = 0;
  auto [end, ec] = std::from_chars(answer.context.data(), answer.context.data() + answer.context.size(), context);
  auto entry = in_flight_.find(context);
  if (ec != std::errc{} || end != answer.context.data() + answer.context.size() || entry == in_flight_.end())
    return;  // an answer for a batch that failed before it came
  auto [id, index] = entry->second;
  in_flight_.erase(entry);
  if (auto* b = find(id)) {
    if (!answer.ok) {
      auto on_done = std::move(b->on_done);
      std::erase_if(batches_, [&](const batch& x) { return x.id == id; });
      on_done("pulsar topic '" + topic_ + "' refused a message: " + answer.error, "");
    } else {
      if (index == 0)
        b->first_id = std::move(answer.message_id);
      if (--b->unanswered == 0) {
        auto on_done = std::move(b->on_done);
        auto first = std::move(b->first_id);
        std::erase_if(batches_, [&](const batch& x) { return x.id == id; });
        on_done("", std::move(first));
      }
    }
  }
  pump();
}

void producer::fail_all(const std::string& why) {
  auto failed = std::move(batches_);
  batches_.clear();
  unsent_.clear();
  in_flight_.clear();
  deadline_timer_.cancel();
  for (auto& b : failed)
    b.on_done(why, "");
}

void producer::lost(const std::string& why) {
  if (closed_)
    return;
  state_ = link_state::waiting;
  last_error_ = why;
  fail_all("pulsar topic '" + topic_ + "': " + why);
  reconnect_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, client_.settings().reconnect_backoff_max);
  reconnect_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (auto self = weak.lock(); self && !ec)
      self->connect();
  });
}

void producer::arm_deadline() {
  if (batches_.empty())
    return;
  deadline_timer_.expires_at(batches_.front().deadline);
  deadline_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!self || ec || self->closed_)
      return;
    if (!self->batches_.empty() && self->batches_.front().deadline <= std::chrono::steady_clock::now()) {
      // A broker that does not answer in time is treated as lost: a fresh connection starts clean.
      if (self->session_)
        self->session_->close();
      return self->lost("no answer within send_timeout_ms (" +
                        std::to_string(self->client_.settings().send_timeout.count()) + " ms)");
    }
    self->arm_deadline();
  });
}

}  // namespace eventrouter::pulsar
