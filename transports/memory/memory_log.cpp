#include "transports/memory/memory_log.hpp"

#include <algorithm>

namespace eventrouter {

memory_log::memory_log(std::size_t max_len) : max_len_(max_len) {}

std::uint64_t memory_log::group_state::low_watermark() const {
  auto low = next;
  if (!pending.empty())
    low = std::min(low, pending.begin()->first);
  if (!redeliver.empty())
    low = std::min(low, *redeliver.begin());
  return low;
}

std::optional<std::uint64_t> memory_log::append(std::vector<keyed_event> batch) {
  trim();
  if (entries_.size() + batch.size() > max_len_) {
    // Without groups nobody will read the oldest entries: drop them as a capped stream would.
    if (!groups_.empty() || batch.size() > max_len_)
      return std::nullopt;
    auto excess = entries_.size() + batch.size() - max_len_;
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(excess));
    base_ += excess;
  }
  auto first = end_offset();
  entries_.insert(entries_.end(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
  return first;
}

memory_log::group_state& memory_log::group(const std::string& name) {
  auto [it, created] = groups_.try_emplace(name);
  if (created)
    it->second.next = base_;
  return it->second;
}

void memory_log::create_group(const std::string& group_name) { group(group_name); }

void memory_log::remove_group(const std::string& group_name) {
  groups_.erase(group_name);
  trim();
}

void memory_log::join(const std::string& group_name, const std::string& consumer) {
  auto& g = group(group_name);
  for (auto it = g.pending.begin(); it != g.pending.end();) {
    if (it->second == consumer) {
      g.redeliver.insert(it->first);
      it = g.pending.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<memory_log::entry> memory_log::poll(const std::string& group_name,
                                                const std::string& consumer, std::size_t max) {
  auto& g = group(group_name);
  std::vector<entry> out;
  out.reserve(std::min<std::size_t>(max, g.redeliver.size() + (end_offset() - g.next)));
  auto hand_out = [&](std::uint64_t offset) {
    g.pending.emplace(offset, consumer);
    out.push_back({offset, entries_[offset - base_]});
  };
  while (out.size() < max && !g.redeliver.empty()) {
    auto offset = *g.redeliver.begin();
    g.redeliver.erase(g.redeliver.begin());
    hand_out(offset);
  }
  for (; out.size() < max && g.next < end_offset(); ++g.next)
    hand_out(g.next);
  return out;
}

// An acknowledgement for a removed group is late news from its last consumer: ignored, not
// a reason to bring the group back.
void memory_log::ack(const std::string& group_name, const std::vector<std::uint64_t>& offsets) {
  auto it = groups_.find(group_name);
  if (it == groups_.end())
    return;
  for (auto offset : offsets)
    it->second.pending.erase(offset);
  trim();
}

void memory_log::nack(const std::string& group_name, const std::vector<std::uint64_t>& offsets) {
  auto it = groups_.find(group_name);
  if (it == groups_.end())
    return;
  for (auto offset : offsets)
    if (it->second.pending.erase(offset) > 0)
      it->second.redeliver.insert(offset);
}

std::uint64_t memory_log::lag(const std::string& group_name) const {
  auto it = groups_.find(group_name);
  if (it == groups_.end())
    return 0;
  const auto& g = it->second;
  return g.pending.size() + g.redeliver.size() + (end_offset() - g.next);
}

bool memory_log::has_group(const std::string& group_name) const {
  return groups_.contains(group_name);
}

void memory_log::trim() {
  if (groups_.empty())
    return;
  auto low = end_offset();
  for (const auto& [name, g] : groups_)
    low = std::min(low, g.low_watermark());
  auto drop = low - base_;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(drop));
  base_ = low;
}

}  // namespace eventrouter
