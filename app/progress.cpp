#include "progress.hpp"

#include <iostream>

#include <unistd.h>

namespace eventrouter {

namespace {

constexpr auto terminal_interval = std::chrono::milliseconds(200);
constexpr auto log_interval = std::chrono::seconds(5);

// Back to the line's start and erase it: the next text replaces the last.
constexpr std::string_view redraw = "\r\033[K";

}  // namespace

progress::progress(std::string what, std::string done_word)
    : progress(std::move(what), std::move(done_word), std::cerr, isatty(STDERR_FILENO) == 1) {}

progress::progress(std::string what, std::string done_word, std::ostream& out, bool terminal)
    : what_(std::move(what)), done_word_(std::move(done_word)), out_(out), terminal_(terminal) {}

std::string progress::line(std::optional<std::int64_t> left, clock_type::time_point now) const {
  auto seconds = std::chrono::duration<double>(now - start_).count();
  auto rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  auto text = what_ + ": " + std::to_string(done);
  if (left)
    text += "/" + std::to_string(done + malformed + static_cast<std::uint64_t>(std::max<std::int64_t>(0, *left)));
  text += " " + done_word_ + ", " + std::to_string(malformed) + " malformed, " +
          std::to_string(static_cast<long long>(rate)) + " events/s";
  if (left && rate > 0)
    text += ", about " + std::to_string(static_cast<long long>(static_cast<double>(*left) / rate)) + " s to go";
  return text;
}

void progress::print(std::optional<std::int64_t> left, bool final) {
  auto now = clock_type::now();
  auto interval = terminal_ ? std::chrono::duration_cast<clock_type::duration>(terminal_interval)
                            : std::chrono::duration_cast<clock_type::duration>(log_interval);
  if (!final && last_shown_ && now - *last_shown_ < interval)
    return;
  last_shown_ = now;
  if (terminal_)
    out_ << redraw << line(left, now) << (final ? "\n" : "") << std::flush;
  else
    out_ << line(left, now) << std::endl;
}

}  // namespace eventrouter
