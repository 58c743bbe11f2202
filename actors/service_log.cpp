#include "actors/service_log.hpp"

#include "actors/line_writer.hpp"
#include "config/secrets.hpp"
#include "metrics/process_collector.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>

namespace eventrouter {

namespace {

// Set once at start-up and read by every line: relaxed, as nothing else is ordered by them.
std::atomic<log_level> lowest_level{log_level::info};
std::atomic<log_format> current_format{log_format::json};

// Thousands of lines: what a burst of failures logs while the reader of stderr (a terminal,
// journald, a container runtime) catches up.
constexpr std::size_t queued_bytes_limit = 1 << 20;

struct destination {
  explicit destination(std::FILE* out) : writer(out, queued_bytes_limit) {}
  line_writer writer;
  line_writer::channel channel{writer};
};

// stderr's is made at first use and never destroyed, as line_writer::of_stdout() (its thread may
// be blocked at exit); a test's is owned here until the next set_log_output.
destination& standard_error() {
  static auto* d = new destination(stderr);
  return *d;
}
std::unique_ptr<destination> test_destination;
std::atomic<destination*> current_destination{nullptr};  // nullptr: stderr

destination& output() {
  auto* d = current_destination.load(std::memory_order_acquire);
  return d != nullptr ? *d : standard_error();
}

// Lines dropped since the last warning about them was written.
std::atomic<std::uint64_t> unreported_drops{0};

// By log_level and log_format, in the order of their enumerators.
constexpr std::array<std::string_view, 4> level_names{"debug", "info", "warn", "error"};
constexpr std::array<std::string_view, 4> text_level_names{"DEBUG", "INFO ", "WARN ", "ERROR"};  // aligned
constexpr std::array<std::string_view, 2> format_names{"json", "text"};

template <class Enum, std::size_t N>
std::optional<Enum> named(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == name)
      return static_cast<Enum>(i);
  return std::nullopt;
}

std::size_t index_of(log_level level) { return static_cast<std::size_t>(level); }

void append_utc_now(std::string& out) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  n += static_cast<std::size_t>(std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(millis)));
  out.append(buf, n);
}

// `text`, or its masked copy (kept in `storage`) when it may hold a secret: most text is
// neither scanned twice nor copied.
std::string_view masked(std::string_view text, std::string& storage) {
  if (!config::may_hold_secrets(text))
    return text;
  storage = config::mask_secrets(text);
  return storage;
}

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (is_control(c)) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// A message as people read it: its own line breaks kept (a reload lists its problems one per
// line), each following line indented so that no text in a message (an error a webhook
// answered, say) can pass for an entry of its own; other control characters shown as '?'.
void append_text_message(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] != ' ')
        out += "  ";
    } else {
      out += is_control(c) && c != '\t' ? '?' : c;
    }
  }
}

// key=value, quoted as a JSON string when the value is empty or has spaces, quotes, '=' or
// control characters, so that fields split on spaces.
void append_text_field(std::string& out, const log_field& f) {
  out.append(" ").append(f.key).append("=");
  bool plain = !f.value.empty();
  for (char c : f.value)
    plain = plain && c != ' ' && c != '"' && c != '=' && c != '\\' && !is_control(c);
  if (plain)
    out += f.value;
  else
    append_json_string(out, f.value);
}

std::string json_line(log_level level, std::string_view message, std::span<const log_field> fields) {
  std::string line = "{\"time\":\"", scratch;
  append_utc_now(line);
  line.append("\",\"level\":\"").append(level_names[index_of(level)]).append("\",\"msg\":");
  append_json_string(line, masked(message, scratch));
  for (const auto& f : fields) {
    line += ',';
    append_json_string(line, f.key);
    line += ':';
    append_json_string(line, masked(f.value, scratch));
  }
  line += "}\n";
  return line;
}

std::string text_line(log_level level, std::string_view message, std::span<const log_field> fields) {
  std::string line, scratch;
  append_utc_now(line);
  line.append(" ").append(text_level_names[index_of(level)]).append(" ");
  append_text_message(line, masked(message, scratch));
  for (const auto& f : fields)
    append_text_field(line, {f.key, masked(f.value, scratch)});
  line += '\n';
  return line;
}

std::string entry(log_level level, std::string_view message, std::span<const log_field> fields) {
  return current_format.load(std::memory_order_relaxed) == log_format::json ? json_line(level, message, fields)
                                                                             : text_line(level, message, fields);
}

void write(std::string line) {
  auto& out = output();
  if (auto dropped = unreported_drops.exchange(0, std::memory_order_relaxed); dropped != 0) {
    auto number = std::to_string(dropped);
    const log_field count[] = {{"dropped", number}};
    if (!out.channel.write(entry(log_level::warn, "log lines were dropped: stderr did not take them", count), {}))
      unreported_drops.fetch_add(dropped, std::memory_order_relaxed);
  }
  if (!out.channel.write(std::move(line), {})) {
    unreported_drops.fetch_add(1, std::memory_order_relaxed);
    metrics::count_dropped_log_line();
  }
}

}  // namespace

bool log_enabled(log_level level) { return level >= lowest_level.load(std::memory_order_relaxed); }

void log_line(log_level level, std::string_view message, std::span<const log_field> fields) {
  if (!log_enabled(level))
    return;
  write(entry(level, message, fields));
}

void log_line(log_level level, std::string_view message, std::initializer_list<log_field> fields) {
  log_line(level, message, std::span<const log_field>(fields.begin(), fields.size()));
}

void log_line(log_level level, std::string_view message) { log_line(level, message, std::span<const log_field>{}); }

void set_log_level(log_level lowest) { lowest_level.store(lowest, std::memory_order_relaxed); }
void set_log_format(log_format format) { current_format.store(format, std::memory_order_relaxed); }
void flush_log(std::chrono::milliseconds timeout) { output().writer.drain(timeout); }

void set_log_output(std::FILE* out) {
  current_destination.store(nullptr, std::memory_order_release);
  test_destination = out != nullptr ? std::make_unique<destination>(out) : nullptr;
  current_destination.store(test_destination.get(), std::memory_order_release);
}

std::optional<log_level> log_level_named(std::string_view name) { return named<log_level>(level_names, name); }
std::optional<log_format> log_format_named(std::string_view name) { return named<log_format>(format_names, name); }

}  // namespace eventrouter
