#pragma once
// Requests under way with the time each answer is due, kept by the actor that sent them and
// checked by one timer message of its own, instead of a CAF request timeout per request: CAF
// 0.17's timeout takes the clock thread's lock and wakes that thread twice (set, then cancelled by
// the answer), which on the ingest path, one request per event, was a tenth of the service's time.
// Entries are added with one timeout, so they fall due in the order they came.

#include <chrono>
#include <list>
#include <optional>

namespace eventrouter {

template <class T>
class deadline_list {
 public:
  using clock = std::chrono::steady_clock;
  struct entry {
    T value;
    clock::time_point due;
  };
  using handle = typename std::list<entry>::iterator;

  handle add(T value, clock::time_point due) { return entries_.insert(entries_.end(), {std::move(value), due}); }
  // An answered request: no longer due.
  void remove(handle h) { entries_.erase(h); }

  // Takes out every entry due by `now`, oldest first, and hands it to `expired`.
  template <class F>
  void expire(clock::time_point now, F expired) {
    while (!entries_.empty() && entries_.front().due <= now) {
      auto value = std::move(entries_.front().value);
      entries_.pop_front();
      expired(value);
    }
  }

  std::optional<clock::time_point> next_due() const {
    return entries_.empty() ? std::nullopt : std::optional(entries_.front().due);
  }
  bool empty() const { return entries_.empty(); }

 private:
  std::list<entry> entries_;
};

}  // namespace eventrouter
