#include "transports/redis/redis_streams.hpp"

#include "transports/redis/stream_entry.hpp"

#include <algorithm>

namespace eventrouter::redis {

namespace {

reply checked(reply r, std::string_view command) {
  if (r.is_error())
    throw command_error(std::string(command) + " failed: " + r.text);
  return r;
}

// [id, [field, value, ...]] or [id, nil] for an entry trimmed while pending.
stream_entry to_entry(reply& r) {
  stream_entry out;
  if (r.type != reply::kind::array || r.elements.empty())
    throw command_error("unexpected reply shape for a stream entry");
  out.id = std::move(r.elements[0].text);
  if (r.elements.size() < 2 || r.elements[1].is_nil()) {
    out.deleted = true;
    return out;
  }
  auto& kv = r.elements[1].elements;
  out.fields.reserve(kv.size() / 2);
  for (std::size_t i = 0; i + 1 < kv.size(); i += 2)
    out.fields.emplace_back(std::move(kv[i].text), std::move(kv[i + 1].text));
  return out;
}

std::vector<stream_entry> to_entries(reply& list) {
  std::vector<stream_entry> out;
  out.reserve(list.elements.size());
  for (auto& e : list.elements)
    out.push_back(to_entry(e));
  return out;
}

// What XREAD and XREADGROUP answer for one stream: nil when BLOCK timed out (or nothing was
// there), else [[stream, [entries]]].
std::vector<stream_entry> read_reply_entries(reply& r) {
  if (r.is_nil() || r.elements.empty() || r.elements[0].elements.size() < 2)
    return {};
  return to_entries(r.elements[0].elements[1]);
}

}  // namespace

void create_group(client& c, std::string_view stream, std::string_view group, std::string_view start_id) {
  auto r = c.run({"XGROUP", "CREATE", stream, group, start_id, "MKSTREAM"});
  if (r.is_error() && r.text.rfind("BUSYGROUP", 0) != 0)
    throw command_error("XGROUP CREATE " + std::string(stream) + " " + std::string(group) + " failed: " + r.text);
}

std::string append_events(client& c, std::string_view stream, std::size_t max_len,
                          const std::vector<keyed_event>& batch, config::topic_format format) {
  auto max_len_text = std::to_string(max_len);
  std::vector<std::string_view> args;
  // All encoded before anything is sent: a refusal must not leave replies unread.
  std::vector<std::string> data;
  data.reserve(batch.size());
  for (const auto& item : batch)
    data.push_back(wire_value(item, format));
  for (std::size_t i = 0; i < batch.size(); ++i) {
    args.assign({"XADD", stream, "MAXLEN", "~", max_len_text, "*"});
    for (const auto& [name, value] : stream_fields(*batch[i].ev, data[i])) {
      args.push_back(name);
      args.push_back(value);
    }
    c.send(args);
  }
  std::string refused, first_id;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto r = c.receive();  // read every reply, so the connection stays in step
    if (r.is_error() && refused.empty())
      refused = "XADD " + std::string(stream) + " (event '" + batch[i].ev->id + "') failed: " + r.text;
    else if (i == 0)
      first_id = std::move(r.text);
  }
  if (!refused.empty())
    throw command_error(refused);
  return first_id;
}

std::vector<stream_entry> read_group(client& c, std::string_view stream, std::string_view group,
                                     std::string_view consumer, std::string_view from_id, std::size_t count,
                                     std::chrono::milliseconds block) {
  auto count_text = std::to_string(count);
  auto block_text = std::to_string(block.count());
  std::vector<std::string_view> args{"XREADGROUP", "GROUP", group, consumer, "COUNT", count_text};
  if (block.count() > 0 && from_id == ">") {
    args.push_back("BLOCK");
    args.push_back(block_text);
  }
  args.insert(args.end(), {"STREAMS", stream, from_id});
  auto r = checked(block.count() > 0 ? c.run_blocking(args, block) : c.run(args), "XREADGROUP");
  return read_reply_entries(r);
}

std::vector<stream_entry> read_after(client& c, std::string_view stream, std::string_view after_id, std::size_t count,
                                     std::chrono::milliseconds block) {
  auto count_text = std::to_string(count);
  auto block_text = std::to_string(block.count());
  std::vector<std::string_view> args{"XREAD", "COUNT", count_text};
  if (block.count() > 0)
    args.insert(args.end(), {"BLOCK", block_text});
  args.insert(args.end(), {"STREAMS", stream, after_id});
  auto r = checked(block.count() > 0 ? c.run_blocking(args, block) : c.run(args), "XREAD");
  return read_reply_entries(r);
}

std::vector<stream_entry> last_entries(client& c, std::string_view stream, std::size_t count) {
  auto count_text = std::to_string(count);
  auto r = checked(c.run({"XREVRANGE", stream, "+", "-", "COUNT", count_text}), "XREVRANGE");
  auto out = to_entries(r);
  std::reverse(out.begin(), out.end());
  return out;
}

claim_result auto_claim(client& c, std::string_view stream, std::string_view group, std::string_view consumer,
                        std::chrono::milliseconds min_idle, std::string_view cursor, std::size_t count) {
  auto idle_text = std::to_string(min_idle.count());
  auto count_text = std::to_string(count);
  auto r = checked(c.run({"XAUTOCLAIM", stream, group, consumer, idle_text, cursor, "COUNT", count_text}),
                   "XAUTOCLAIM");
  if (r.elements.size() < 2)
    throw command_error("XAUTOCLAIM: unexpected reply shape");
  return {std::move(r.elements[0].text), to_entries(r.elements[1])};
}

void acknowledge(client& c, std::string_view stream, std::string_view group, const std::vector<std::string>& ids) {
  if (ids.empty())
    return;
  std::vector<std::string_view> args{"XACK", stream, group};
  args.insert(args.end(), ids.begin(), ids.end());
  checked(c.run(args), "XACK");
}

std::optional<std::uint64_t> group_lag(client& c, std::string_view stream, std::string_view group) {
  auto r = checked(c.run({"XINFO", "GROUPS", stream}), "XINFO GROUPS");
  for (const auto& g : r.elements) {
    const auto& kv = g.elements;
    bool ours = false;
    std::optional<std::uint64_t> lag;
    for (std::size_t i = 0; i + 1 < kv.size(); i += 2) {
      if (kv[i].text == "name")
        ours = kv[i + 1].text == group;
      else if (kv[i].text == "lag" && kv[i + 1].type == reply::kind::integer)
        lag = static_cast<std::uint64_t>(kv[i + 1].integer);
    }
    if (ours)
      return lag;
  }
  return std::nullopt;
}

}  // namespace eventrouter::redis
