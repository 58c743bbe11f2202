#include "actors/failure.hpp"

#include "actors/service_log.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>
#include <caf/scheduled_actor.hpp>

#include <array>

namespace eventrouter {

namespace {

constexpr std::array<const char*, 11> kind_names{"topic_full", "broker_unreachable", "broker_error",
                                                 "timeout",    "rejected",           "sink_failed",
                                                 "not_built",  "too_many_failures",  "crashed",
                                                 "actor_down", "other"};

std::string sentence_of(const caf::message& context) {
  return context.match_elements<std::string>() ? context.get_as<std::string>(0) : std::string{};
}

}  // namespace

std::string to_string(errc kind) {
  auto i = static_cast<std::size_t>(kind) - 1;
  return i < kind_names.size() ? kind_names[i] : "other";
}

caf::error make_error(errc kind, std::string why) {
  return {static_cast<std::uint8_t>(kind), error_category, caf::make_message(std::move(why))};
}

errc kind_of(const caf::error& e) {
  if (e.category() == error_category)
    return static_cast<errc>(e.code());
  if (e == caf::sec::request_timeout)
    return errc::timeout;
  if (e == caf::sec::request_receiver_down)
    return errc::actor_down;
  return errc::other;
}

std::string describe(const caf::error& e) {
  if (e.context().match_elements<std::string>())
    return sentence_of(e.context());
  return caf::to_string(e);
}

void exit_on_exception(caf::scheduled_actor* self, std::string who) {
  self->set_exception_handler([who = std::move(who)](caf::scheduled_actor*, std::exception_ptr& thrown) {
    std::string what = "an exception of unknown type";
    try {
      std::rethrow_exception(thrown);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    auto reason = failure(errc::crashed, who + " failed: " + what);
    log_line(log_level::error, describe(reason), {{"kind", to_string(errc::crashed)}, {"next", "it stops"}});
    return reason;
  });
}

void add_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(error_category, [](std::uint8_t code, caf::atom_value, const caf::message& context) {
    return "evrouter: " + to_string(static_cast<errc>(code)) + ": " + sentence_of(context);
  });
}

}  // namespace eventrouter
