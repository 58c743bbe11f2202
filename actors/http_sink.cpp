#include "actors/http_sink.hpp"

#include "router/cloudevents.hpp"

#include <utility>

namespace eventrouter {

namespace {

bool retryable(unsigned status) { return status == 408 || status == 429 || status >= 500; }

// What an answer means for each event the request carried.
delivery_result outcome(const std::string& url, const http::webhook_result& r) {
  if (r.status == 0)
    return failure(errc::sink_failed, url + ": " + r.error);
  if (r.status >= 200 && r.status < 300)
    return {};
  auto kind = retryable(r.status) ? errc::sink_failed : errc::rejected;
  return failure(kind, url + " answered " + std::to_string(r.status));
}

// The requests under way on the IO thread, by the tag each was sent with: slots reused, so the
// steady state allocates nothing here.
template <class T>
class tag_table {
 public:
  std::uint64_t put(T value) {
    if (free_.empty()) {
      slots_.push_back(std::move(value));
      return slots_.size() - 1;
    }
    auto tag = free_.back();
    free_.pop_back();
    slots_[tag] = std::move(value);
    return tag;
  }

  T take(std::uint64_t tag) {
    free_.push_back(tag);
    return std::exchange(slots_[tag], T{});
  }

  std::size_t size() const { return slots_.size() - free_.size(); }

 private:
  std::vector<T> slots_;
  std::vector<std::uint64_t> free_;
};

}  // namespace

// Lives on the client's IO thread: every call comes from it.
class http_sink::sender {
 public:
  sender(http::webhook_client& client, std::string url) : client_(client), url_(std::move(url)) {}
  virtual ~sender() = default;
  virtual void take(std::vector<webhook_delivery> round) = 0;
  virtual void answered(std::uint64_t tag, http::webhook_result r) = 0;

 protected:
  http::webhook_client& client_;
  const std::string url_;  // for failure reasons: its password masked
};

namespace {

// Binary mode: one request per event, written on the consumer's thread.
class single_sender final : public http_sink::sender {
 public:
  using sender::sender;

  void take(std::vector<webhook_delivery> round) override {
    for (auto& d : round)
      client_.send(under_way_.put(std::move(d.done)), std::move(d.text));
  }

  void answered(std::uint64_t tag, http::webhook_result r) override { under_way_.take(tag)(outcome(url_, r)); }

 private:
  tag_table<delivery_done> under_way_;
};

// Batch mode. A batch not yet full waits for the next round, up to max_wait, only while that
// round can bring more: the consumer started events in this one (a round that started none, or
// an empty one, says it has nothing more for now), another batch is under way (its answer lets
// the consumer start more; with nothing under way an idle webhook never waits for a batch to
// fill), and the consumer holds fewer than `concurrency` events here (at that limit it starts
// nothing before an answer).
class batch_sender final : public http_sink::sender {
 public:
  batch_sender(http::webhook_client& client, std::string url, const http::webhook_request_writer& writer,
               const config::sink_settings& settings)
      : sender(client, std::move(url)),
        writer_(writer),
        open_(*settings.batch),
        max_wait_(settings.batch->max_wait),
        concurrency_(settings.concurrency) {}

  void take(std::vector<webhook_delivery> round) override {
    bool more_may_come = !round.empty();
    held_ += round.size();
    for (auto& d : round)
      open_.add(std::move(d), [this](std::vector<webhook_delivery> batch) { send(std::move(batch)); });
    if (open_.empty())
      return;
    if (!more_may_come || under_way_.size() == 0 || held_ >= concurrency_ || max_wait_.count() == 0)
      return send(open_.take());
    if (waiting_)
      return;
    waiting_ = true;
    // A fire already queued when the batch went otherwise only sends the next one early.
    client_.arm_timer(max_wait_, [this] {
      waiting_ = false;
      if (!open_.empty())
        send(open_.take());
    });
  }

  void answered(std::uint64_t tag, http::webhook_result r) override {
    auto batch = under_way_.take(tag);
    auto result = outcome(url_, r);
    if (!result && kind_of(result.error()) == errc::rejected && batch.size() > 1) {
      for (auto& d : batch) {
        std::vector<webhook_delivery> alone;
        alone.push_back(std::move(d));  // moved: a braced list would copy
        send(std::move(alone));
      }
      return;
    }
    held_ -= batch.size();
    for (auto& d : batch)
      d.done(result);
  }

 private:
  void send(std::vector<webhook_delivery> batch) {
    if (waiting_ && open_.empty()) {
      client_.cancel_timer();
      waiting_ = false;
    }
    auto request = writer_.batch(batch, [](const webhook_delivery& d) -> const std::string& { return d.text; });
    client_.send(under_way_.put(std::move(batch)), std::move(request));
  }

  const http::webhook_request_writer& writer_;
  batch_builder open_;
  const std::chrono::milliseconds max_wait_;
  const std::size_t concurrency_;
  tag_table<std::vector<webhook_delivery>> under_way_;
  std::size_t held_ = 0;  // events given to this sender and not answered yet
  bool waiting_ = false;  // the timer is armed for the open batch
};

}  // namespace

http_sink::http_sink(const config::sink_settings& settings)
    : writer_(settings),
      batched_(settings.batch.has_value()),
      client_(settings, [this](std::uint64_t tag, http::webhook_result r) { sender_->answered(tag, std::move(r)); }) {
  auto url = settings.url.display();
  if (batched_)
    sender_ = std::make_unique<batch_sender>(client_, url, writer_, settings);
  else
    sender_ = std::make_unique<single_sender>(client_, url);
}

http_sink::~http_sink() = default;

void http_sink::deliver(caf::event_based_actor*, const delivery& d, delivery_done done) {
  std::string text;
  if (batched_)
    append_json(text, d.item);
  else
    text = writer_.binary(d.item);
  round_.push_back({std::move(text), std::move(done)});
}

void http_sink::flush(caf::event_based_actor*) {
  // In batch mode the first round that starts nothing goes over too, empty: it tells the sender
  // that nothing more is coming for now, so a batch waiting for company goes at once.
  if (round_.empty() && !std::exchange(batch_may_wait_, false))
    return;
  if (!round_.empty())
    batch_may_wait_ = batched_;
  client_.post([s = sender_.get(), round = std::exchange(round_, {})]() mutable { s->take(std::move(round)); });
}

}  // namespace eventrouter
